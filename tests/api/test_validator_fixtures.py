"""The official 1EdTech validator's fixtures as a conformance table.

Each fixture has the outcome 1EdTech's validator expects (../shared/ob3/examples/README.md);
the table pins ours: verified, or the first check that fails and its code. Where we are
stricter than the validator the row says why.

The fixtures name verification methods by https URL whose fragment is the Multikey, the way
the validator's test issuers publish keys; the resolver here serves such controller documents
from the keys the fixtures use, as those issuers' sites would.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from shared_data import SHARED, need_shared
from vcbadges import verify
from vcbadges.dids.base import DIDDocument
from vcbadges.dids.jwk import JWKDriver
from vcbadges.dids.key import KeyDriver
from vcbadges.dids.resolver import MethodResolver
from vcbadges.errors import FetchError

FIXTURES = SHARED / "ob3" / "examples" / "validator"
NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)

# fixture: (verified, first failing check id, code)
TABLE: dict[str, tuple[bool, str | None, str | None]] = {
    "simple.json": (True, None, None),
    "simple-json.png": (True, None, None),
    "simple-json.svg": (True, None, None),
    "simple_v1.json": (True, None, None),
    # Stricter than the validator: these VC-JWTs carry their RSA key in the `jwk` header and
    # name an https issuer that publishes no key, so nothing binds the key to the issuer.
    "simple-jwt.png": (False, "proof", "issuer_mismatch"),
    "simple-jwt.svg": (False, "proof", "issuer_mismatch"),
    "simple-jwt_v1.png": (False, "proof", "issuer_mismatch"),
    "simple-jwt_v1.svg": (False, "proof", "issuer_mismatch"),
    # An old-draft sample: no kid or jwk in the header, and no achievement.
    "simple.jwt": (False, "schema", "schema_violation"),
    # Uses a context that is not bundled: refused, never fetched.
    "velocity.jwt": (False, "document", "unknown_context"),
    "simple-context-alias.json": (True, None, None),
    "simple-context-version.json": (True, None, None),
    "simple-did-web-method.json": (True, None, None),
    "simple-eddsa-2022.json": (True, None, None),
    "endorsement-valid.json": (True, None, None),
    # Stricter than the validator: the proof's key is not controlled by the issuer.
    "simple-did-key-method.json": (False, "issuer", "issuer_mismatch"),
    "simple-err-context.json": (False, "document", "missing_context"),
    "simple-err-type.json": (False, "document", "undefined_term"),
    "simple-err-credential-subject-type.json": (False, "document", "undefined_term"),
    "simple-err-credential-subject-identifier-type.json": (False, "document", "undefined_term"),
    "simple-err-credential-subject-profile-type.json": (False, "document", "undefined_term"),
    "simple-err-credential-subject-result-type.json": (False, "document", "undefined_term"),
    "simple-err-credential-subject-achievement-result-description-type.json":
        (False, "document", "undefined_term"),
    "simple-err-evidence-type.json": (False, "document", "undefined_term"),
    "simple-err-issuer-type.json": (False, "document", "undefined_term"),
    "simple-err-issuer-otheridentifier-type.json": (False, "document", "undefined_term"),
    "simple-err-issuer-parentorg-type.json": (False, "document", "undefined_term"),
    "simple-err-issuer.json": (False, "schema", "schema_violation"),
    "simple-err-issued.json": (False, "schema", "schema_violation"),
    "simple-err-expired.json": (False, "validity", "expired"),
    "simple-err-proof-value.json": (False, "proof", "invalid_signature"),
    "simple-err-proof-method.json": (False, "proof", "invalid_multicodec"),
    "simple-err-proof-method-no-scheme.json": (False, "proof", "invalid_did"),
    "simple-err-proof-method-unknown-scheme.json": (False, "proof", "invalid_did"),
    "simple-err-proof-method-unknown-did-method.json": (False, "proof", "method_not_supported"),
    "simple-multiple-proofs.json": (False, "proof", "unsupported_cryptosuite"),
    "simple-noproof.json": (False, "schema", "schema_violation"),
    "complete_v1.json": (False, "document", "undefined_term"),
    "bit-string-list/credential-status-revoked.json":
        (False, "status_revocation", "status_entry_malformed"),
    "bit-string-list/credential-status-revoked-blank-nodes.json":
        (False, "status_revocation", "status_entry_malformed"),
    # An ecdsa-sd-2023 derived credential (selective disclosure) made by another implementation.
    "sd/derivedcredential.json": (True, None, None),
}


def _controller_keys() -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            vm = node.get("verificationMethod")
            if isinstance(vm, str) and vm.startswith("https://") and "#z" in vm:
                url, key = vm.split("#", 1)
                if key not in keys.setdefault(url, []):
                    keys[url].append(key)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in FIXTURES.rglob("*.json"):
        walk(json.loads(path.read_text()))
    return keys


class PublishedKeys:
    """https controller documents listing the Multikeys the fixture issuers sign with."""

    method = "https"

    def __init__(self, keys: dict[str, list[str]]) -> None:
        self._keys = keys

    async def resolve(self, url: str) -> DIDDocument:
        methods = [{"id": f"{url}#{k}", "type": "Multikey", "controller": url,
                    "publicKeyMultibase": k} for k in self._keys.get(url, [])]
        return DIDDocument.from_json(url, {"id": url, "verificationMethod": methods,
                                           "assertionMethod": [m["id"] for m in methods]})


class TestList:
    """Serves the validator's status list fixture at the URL its credentials name."""

    async def get_json(self, url: str, *, accept: str = "application/json") -> Any:
        if url.endswith("/bit-string-list/testlist"):
            return json.loads((FIXTURES / "bit-string-list" / "testlist").read_text())
        raise FetchError(f"{url} is not served in this test", code="fetch_failed")


@pytest.mark.parametrize("name", sorted(TABLE))
async def test_validator_fixture(name: str) -> None:
    path = need_shared(FIXTURES / name)
    resolver = MethodResolver([KeyDriver(), JWKDriver(), PublishedKeys(_controller_keys())])
    report = await verify(Path(path).read_bytes(), resolver=resolver, fetcher=TestList(),
                          now=NOW)
    verified, check_id, code = TABLE[name]
    assert report.verified is verified, report.to_json()
    if not verified:
        first = next(c for c in report.checks
                     if c.outcome.value in ("failed", "error") and c.id != "issuer_trust")
        assert (first.id, first.code) == (check_id, code)
