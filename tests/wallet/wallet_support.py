"""Shared constants of the wallet tests: cheap Argon2id, a pinned clock, a signed badge."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from vcbadges import issue, issue_jwt
from vcbadges.credentials.sample import sample_badge
from vcbadges.primitives.keys import Ed25519SigningKey, SigningKey
from vcbadges.wallet import KDFParams

#: Argon2id at its minimum (8 KiB, one pass): a fraction of a millisecond per derivation.
CHEAP = KDFParams(time_cost=1, memory_kib=8, parallelism=1)
#: Costlier than CHEAP, so that accounts created with CHEAP count as weaker.
LESS_CHEAP = KDFParams(time_cost=2, memory_kib=64, parallelism=1)

ISSUED = datetime(2026, 3, 1, 9, 0, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
PASSPHRASE = "correct horse battery staple"
CHALLENGE = "9b0c1d3e-wallet-test"
DOMAIN = "https://employer.example"

ISSUER_KEY: SigningKey = Ed25519SigningKey.from_seed(bytes(range(1, 33)))


async def signed_badge(subject: str) -> dict[str, Any]:
    """The sample badge for ``subject``, signed with eddsa-rdfc-2022."""
    unsigned = sample_badge(issuer=ISSUER_KEY.controller, subject=subject,
                            valid_from=ISSUED).to_json()
    return await issue(unsigned, key=ISSUER_KEY, now=ISSUED)


async def jwt_badge(subject: str) -> str:
    """The sample badge for ``subject`` as an OB 3.0 VC-JWT."""
    unsigned = sample_badge(issuer=ISSUER_KEY.controller, subject=subject,
                            valid_from=ISSUED).to_json()
    return await issue_jwt(unsigned, key=ISSUER_KEY, now=ISSUED)
