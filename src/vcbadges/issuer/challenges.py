"""Verifier challenges (VC-API ``POST /challenges``): random, expiring, and usable once.

A verifier hands a challenge to a holder, who signs it into a presentation's proof; the
verifier then checks the presentation against it. :func:`consume_challenge` marks the
challenge used with one conditional ``UPDATE`` (see
:func:`vcbadges.storage.queries.use_challenge`), so that of all the requests presenting it,
in any number of service processes, exactly one gets it: a recorded presentation cannot be
replayed. :func:`with_challenge_outcome` then makes the report say so.

The VC-API also lets a verifier's caller own its challenge (it made one up and keeps track
of it itself). Every challenge made here starts with :data:`ISSUED_PREFIX`, and
:func:`is_issued_form` tells the two apart: a challenge of that form is always consumed,
so a presentation made for one of ours cannot be replayed by calling its challenge the
caller's own, not even once its row has been deleted after expiry. A caller's challenge
that happens to take our form is refused, never taken as the caller's.

This sits beside the issuer core because it is service state kept in the same database;
the verification itself is the library's.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from vcbadges import report as r
from vcbadges.primitives.dates import utcnow
from vcbadges.report import Check, Outcome, PresentationReport
from vcbadges.storage import queries
from vcbadges.storage.db import Session

__all__ = [
    "DEFAULT_CHALLENGE_TTL",
    "CHALLENGE_UNKNOWN",
    "ISSUED_PREFIX",
    "Challenge",
    "create_challenge",
    "consume_challenge",
    "is_issued_form",
    "with_challenge_outcome",
]

#: How long a challenge may wait for its presentation.
DEFAULT_CHALLENGE_TTL = timedelta(minutes=10)
#: Report code of a ``challenge`` check whose challenge this service did not issue, has
#: expired, or was used already.
CHALLENGE_UNKNOWN = "challenge_unknown"
# Challenges that expired this long ago are deleted when new ones are made.
_KEEP_EXPIRED = timedelta(days=1)
_MAX_LENGTH = 64
#: How every challenge this service makes begins (and no caller's challenge may).
ISSUED_PREFIX = "vcb1~"


@dataclass(frozen=True)
class Challenge:
    """A new challenge and when it stops being accepted."""

    challenge: str
    expires_at: datetime


async def create_challenge(
    session: Session, *, ttl: timedelta = DEFAULT_CHALLENGE_TTL, now: datetime | None = None
) -> Challenge:
    """Store and return a new random challenge (:data:`ISSUED_PREFIX`, then 256 bits in
    base64url), valid for ``ttl``.

    Challenges that expired a day ago or more are deleted on the way. Nothing is committed.
    """
    if ttl <= timedelta(0):
        raise ValueError("ttl must be positive")
    when = now or utcnow()
    value = ISSUED_PREFIX + secrets.token_urlsafe(32)
    await queries.delete_expired_challenges(session, when - _KEEP_EXPIRED)
    await queries.add_challenge(session, value, when, when + ttl)
    return Challenge(challenge=value, expires_at=when + ttl)


async def consume_challenge(
    session: Session, challenge: str, *, now: datetime | None = None
) -> bool:
    """Use up ``challenge``; True only for the first use of an unexpired challenge that
    :func:`create_challenge` made. Commit for the use to count."""
    if not isinstance(challenge, str) or not challenge or len(challenge) > _MAX_LENGTH:
        return False
    return await queries.use_challenge(session, challenge, now or utcnow())


def is_issued_form(challenge: str) -> bool:
    """Whether ``challenge`` has the form of one :func:`create_challenge` makes, so that it
    must be consumed rather than taken as the caller's own."""
    return challenge.startswith(ISSUED_PREFIX)


def with_challenge_outcome(report: PresentationReport, *, fresh: bool) -> PresentationReport:
    """The report, with its ``challenge`` check failed unless the challenge was ``fresh``.

    A proof can only match the expected challenge; whether that challenge is one this
    service issued and nobody used before is known only here. A check that did not pass
    (mismatch, or skipped after a failed proof) is left as it is.
    """
    if fresh:
        return report
    checks = tuple(
        Check(r.CHALLENGE, Outcome.FAILED, CHALLENGE_UNKNOWN,
              "the challenge was not issued by this verifier, has expired, or was used before")
        if c.id == r.CHALLENGE and c.outcome is Outcome.PASSED else c
        for c in report.checks)
    return dataclasses.replace(report, checks=checks)
