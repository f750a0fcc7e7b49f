"""VC-API exchanges: a badge for a DID Authentication, or a badge presented to a verifier.

An **exchange** is one short-lived, single-use interaction at its **exchange URL**,
``{base}/exchanges/{exchange_id}``, which the wallet POSTs JSON messages to (VCALM,
"Participate in an Exchange"):

- ``{}`` starts it; the answer is ``{"verifiablePresentationRequest": {...}}`` with the
  exchange's ``challenge`` and ``domain`` and an ``interact`` service naming the same URL
  (:func:`presentation_request`). Starting is repeatable and changes nothing.
- ``{"verifiablePresentation": <VP>}`` answers the request. An **issue** exchange asks for a
  ``DIDAuthentication`` only: a presentation, usually without credentials, whose
  ``authentication`` proof by the holder's DID binds the challenge and domain. It answers
  ``{"verifiablePresentation": {"verifiableCredential": [badge]}}``, the badge issued to that
  DID (``credentialSubject.id``). A **verify** exchange asks for an Open Badge too
  (``QueryByExample``); it answers ``{}`` once the presentation verified, and keeps the full
  verification result for the verifier page (:func:`load_result`).

The Learner Credential Wallet (DCC) reaches an issue exchange two ways. Its ``request`` deep
link, ``dccrequest://request?issuer=…&vc_request_url=<exchange URL>&challenge=…&auth_type=
bearer`` (:func:`lcw_deep_link`), makes it POST the signed presentation itself, not wrapped,
and expect the credential back as it is; that presentation carries the challenge but no
``domain`` (the link gives none), so a bare presentation may leave the domain out, and one
that states a domain must state this exchange's. Its ``request={"protocols": {"vcapi": …}}``
link (:func:`lcw_exchange_link`) runs the VC-API exchange above, domain included.

The **interaction URL** ``{exchange URL}/protocols?iuv=1`` (VCALM "Interaction URL Format")
answers ``{"protocols": {"vcapi": <exchange URL>, …}}`` (:func:`protocols`): the QR code for
any VC-API wallet.

Single use: the presentation is verified first (a bad one leaves the exchange open), then the
exchange entry is consumed atomically (of two good presentations, one wins), then the badge is
issued or the result stored. A verify exchange is consumed before verification instead: it
takes one presentation whatever it proves, so that the verifier page sees what was presented,
forged or not. A lasting record of each exchange (kept :data:`RECORD_RETENTION` past its
expiry) tells an exchange that was used or expired from one that never existed, as
:mod:`vcbadges.oid4vci.offers` does for offers.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol
from urllib.parse import urlencode

from vcbadges.credentials import vcdm
from vcbadges.errors import ProtocolError, VCBadgesError
from vcbadges.oauth.common import (
    current,
    digest,
    from_timestamp,
    new_secret,
    safe_text,
    timestamp,
)
from vcbadges.oauth.store import ProtocolStore
from vcbadges.report import ISSUER, PROOF, Outcome, PresentationReport, Problem

__all__ = [
    "DEFAULT_LIFETIME",
    "RECORD_RETENTION",
    "EXCHANGE",
    "EXCHANGE_RECORD",
    "EXCHANGE_RESULT",
    "OPEN_BADGE_TYPES",
    "Purpose",
    "CreatedExchange",
    "Exchange",
    "ExchangeError",
    "ExchangeProgress",
    "Message",
    "PresentationVerifier",
    "IssueFunction",
    "Describe",
    "create_exchange",
    "pending_exchange",
    "exchange_progress",
    "exchange_url",
    "interaction_url",
    "lcw_deep_link",
    "lcw_exchange_link",
    "protocols",
    "presentation_request",
    "read_message",
    "receive_for_issue",
    "receive_for_verification",
    "load_result",
]

#: The kinds of entry this core writes in the protocol store.
EXCHANGE = "vcapi_exchange"
EXCHANGE_RECORD = "vcapi_exchange_record"
EXCHANGE_RESULT = "vcapi_result"
DEFAULT_LIFETIME = timedelta(minutes=15)
#: How long an exchange's record outlives it (for its state), and a result is kept.
RECORD_RETENTION = timedelta(minutes=30)
#: The credential types a verify exchange accepts as an Open Badge (OB 3.0 names both).
OPEN_BADGE_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})
LCW_SCHEME = "dccrequest://request"
# The VCALM service type of the interact endpoint, the one the DCC wallets look for.
_SERVICE_TYPE = "UnmediatedPresentationService2021"
_VC_V2 = "https://www.w3.org/ns/credentials/v2"
_OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# What holders may authenticate with: the DID methods and proofs the verifier checks.
_DID_AUTH = {
    "type": "DIDAuthentication",
    "acceptedMethods": [{"method": "key"}, {"method": "jwk"}, {"method": "web"}],
    "acceptedCryptosuites": [{"cryptosuite": "eddsa-rdfc-2022"},
                             {"cryptosuite": "ecdsa-rdfc-2019"},
                             {"cryptosuite": "Ed25519Signature2020"}],
}

Purpose = Literal["issue", "verify"]


class ExchangeError(ProtocolError):
    """A message the exchange does not accept: ``error`` (snake_case code), ``status`` (HTTP)
    and, for a presentation that did not verify, its ``report``."""

    def __init__(self, error: str, description: str, *, status: int = 400,
                 report: PresentationReport | None = None) -> None:
        super().__init__(error, description, status=status)
        self.report = report


def _not_found() -> ExchangeError:
    return ExchangeError("exchange_not_found", "there is no such exchange", status=404)


@dataclass(frozen=True)
class Exchange:
    """An exchange as stored. ``award`` (issue) is the caller's, handed back to its
    ``issue_fn``; ``query`` (verify) is ``{"achievement"?, "issuer"?}``."""

    exchange_id: str
    purpose: Purpose
    challenge: str
    domain: str
    expires_at: datetime
    award: dict[str, Any]
    query: dict[str, str]

    @classmethod
    def _of(cls, exchange_id: str, payload: Mapping[str, Any]) -> Exchange:
        purpose: Purpose = "verify" if payload.get("purpose") == "verify" else "issue"
        return cls(exchange_id=exchange_id, purpose=purpose, challenge=str(payload["challenge"]),
                   domain=str(payload["domain"]),
                   expires_at=from_timestamp(payload["expires_at"]),
                   award=dict(payload.get("award") or {}), query=dict(payload.get("query") or {}))


@dataclass(frozen=True)
class CreatedExchange:
    """A recorded exchange. ``transaction_id`` (verify only) is the verifier page's secret
    for reading the result; it is in no URL a wallet sees."""

    exchange: Exchange
    transaction_id: str | None


#: What became of an exchange: still open, used once, or expired unused.
ExchangeState = Literal["pending", "used", "expired"]


@dataclass(frozen=True)
class ExchangeProgress:
    exchange: Exchange
    state: ExchangeState


def exchange_url(base_url: str, exchange_id: str) -> str:
    return f"{base_url.rstrip('/')}/exchanges/{exchange_id}"


def interaction_url(base_url: str, exchange_id: str) -> str:
    """The exchange's interaction URL (``…/protocols?iuv=1``), for a QR code."""
    return f"{exchange_url(base_url, exchange_id)}/protocols?iuv=1"


def lcw_deep_link(*, issuer: str, exchange_url: str, challenge: str) -> str:
    """The Learner Credential Wallet's credential request link onto an issue exchange."""
    return f"{LCW_SCHEME}?" + urlencode({"issuer": issuer, "vc_request_url": exchange_url,
                                         "challenge": challenge, "auth_type": "bearer"})


def lcw_exchange_link(*, origin: str, exchange_url: str) -> str:
    """The Learner Credential Wallet's link that runs the VC-API exchange (its ``request``
    parameter: ``{"credentialRequestOrigin", "protocols": {"vcapi"}}``)."""
    request = json.dumps({"credentialRequestOrigin": origin,
                          "protocols": {"vcapi": exchange_url}}, separators=(",", ":"))
    return f"{LCW_SCHEME}?" + urlencode({"request": request})


def protocols(exchange_url: str, **others: str) -> dict[str, Any]:
    """The interaction protocols response: ``vcapi`` and any ``others`` (say ``OID4VCI``)."""
    return {"protocols": {"vcapi": exchange_url, **others}}


async def create_exchange(
    store: ProtocolStore,
    *,
    domain: str,
    purpose: Purpose,
    award: Mapping[str, Any] | None = None,
    query: Mapping[str, str] | None = None,
    lifetime: timedelta = DEFAULT_LIFETIME,
    now: datetime | None = None,
) -> CreatedExchange:
    """Record a single-use exchange that expires after ``lifetime``.

    ``domain`` is what the holder's proof must bind (the service's origin); ``award``
    (issue) must be JSON; ``query`` (verify) may name an ``achievement`` and an ``issuer``.
    Raises ``ValueError`` for bad arguments.
    """
    when = current(now)
    if lifetime <= timedelta(0) or not domain:
        raise ValueError("an exchange needs a positive lifetime and a domain")
    if (purpose == "issue") != (award is not None) or (purpose == "verify") != (query is not None):
        raise ValueError("an issue exchange takes an award, a verify exchange a query")
    exchange_id = new_secret(16)
    expires_at = when + lifetime
    transaction_id = new_secret(32) if purpose == "verify" else None
    payload: dict[str, Any] = {"purpose": purpose, "challenge": new_secret(16),
                               "domain": domain, "expires_at": timestamp(expires_at)}
    if award is not None:
        payload["award"] = dict(award)
    if query is not None:
        payload["query"] = dict(query)
    if transaction_id is not None:
        payload["transaction"] = digest(transaction_id)
    # The lasting record first, as for offers: an exchange without it could not be told.
    await store.save(EXCHANGE_RECORD, exchange_id, payload,
                     expires_at=expires_at + RECORD_RETENTION)
    await store.save(EXCHANGE, exchange_id, payload, expires_at=expires_at)
    return CreatedExchange(exchange=Exchange._of(exchange_id, payload),
                           transaction_id=transaction_id)


async def exchange_progress(store: ProtocolStore, exchange_id: str, *,
                            now: datetime | None = None) -> ExchangeProgress | None:
    """What became of an exchange; None when unknown (or its record lapsed). Reads only."""
    when = current(now)
    record = await store.get(EXCHANGE_RECORD, exchange_id, now=when)
    if record is None:
        return None
    exchange = Exchange._of(exchange_id, record)
    state: ExchangeState
    if await store.get(EXCHANGE, exchange_id, now=when) is not None:
        state = "pending"
    elif when >= exchange.expires_at:
        state = "expired"
    else:
        state = "used"
    return ExchangeProgress(exchange=exchange, state=state)


async def pending_exchange(store: ProtocolStore, exchange_id: str, *,
                           now: datetime | None = None) -> Exchange:
    """The open exchange ``exchange_id``; ``ExchangeError`` 404 (``exchange_not_found``)
    when unknown, 410 (``exchange_used``, ``exchange_expired``) when no longer open."""
    progress = await exchange_progress(store, exchange_id, now=now)
    if progress is None:
        raise _not_found()
    if progress.state == "used":
        raise ExchangeError("exchange_used", "this exchange was used already", status=410)
    if progress.state == "expired":
        raise ExchangeError("exchange_expired", "this exchange has expired", status=410)
    return progress.exchange


def presentation_request(exchange: Exchange, *, url: str) -> dict[str, Any]:
    """The ``verifiablePresentationRequest`` of ``exchange`` (at ``url``)."""
    query: list[dict[str, Any]] = [json.loads(json.dumps(_DID_AUTH))]
    if exchange.purpose == "verify":
        example: dict[str, Any] = {"@context": [_VC_V2, _OB_CONTEXT],
                                   "type": ["VerifiableCredential", "OpenBadgeCredential"]}
        achievement = exchange.query.get("achievement")
        if achievement:
            example["credentialSubject"] = {"achievement": {"id": achievement}}
        credential_query: dict[str, Any] = {
            "reason": "Please present the Open Badge this verifier asked for.",
            "example": example,
            "acceptedCryptosuites": _DID_AUTH["acceptedCryptosuites"]}
        issuer = exchange.query.get("issuer")
        if issuer:
            credential_query["acceptedIssuers"] = [issuer]
        query.append({"type": "QueryByExample", "credentialQuery": credential_query})
    return {"query": query, "challenge": exchange.challenge, "domain": exchange.domain,
            "interact": {"service": [{"type": _SERVICE_TYPE, "serviceEndpoint": url}]}}


@dataclass(frozen=True)
class Message:
    """A message POSTed to an exchange: a start (``presentation`` None), a VC-API answer
    (``{"verifiablePresentation": …}``) or, ``bare``, the Learner Credential Wallet's
    presentation sent as the whole body."""

    presentation: dict[str, Any] | None
    bare: bool = False


def read_message(body: Mapping[str, Any]) -> Message:
    """Classify a POSTed JSON object; ``ExchangeError`` (``invalid_message``) otherwise."""
    if "verifiablePresentation" in body:
        unknown = sorted(set(body) - {"verifiablePresentation", "referenceId"})
        presentation = body["verifiablePresentation"]
        if unknown:
            raise ExchangeError("invalid_message", f"unknown member {unknown[0]!r}")
        if not isinstance(presentation, dict):
            raise ExchangeError("invalid_message",
                                "verifiablePresentation must be one presentation object")
        return Message(presentation=presentation)
    if "VerifiablePresentation" in vcdm.types_of(body):
        return Message(presentation=dict(body), bare=True)
    unknown = sorted(set(body) - {"referenceId"})
    if unknown:
        raise ExchangeError("invalid_message", f"unknown member {unknown[0]!r}")
    return Message(presentation=None)


class PresentationVerifier(Protocol):
    """Verifies a presentation against the expected challenge and domain (None: the proof
    need state none), with every credential in it."""

    def __call__(self, document: dict[str, Any], *, challenge: str,
                 domain: str | None) -> Awaitable[PresentationReport]: ...


#: Issues the exchange's badge to ``holder`` (a DID) and returns the signed credential;
#: raises ``ExchangeError`` when it cannot.
IssueFunction = Callable[[str, Exchange], Awaitable[dict[str, Any]]]
#: What a page shows of one credential its issuer signed.
Describe = Callable[[dict[str, Any]], dict[str, Any]]


def _proofs(presentation: Mapping[str, Any]) -> list[Any]:
    proof = presentation.get("proof")
    return proof if isinstance(proof, list) else [proof]


def _expected_domain(message: Message, exchange: Exchange) -> str | None:
    """The domain the proof must bind: this exchange's, except for the Learner Credential
    Wallet's bare presentation whose proofs state none (its deep link gives it none)."""
    assert message.presentation is not None
    if message.bare and all(isinstance(p, dict) and "domain" not in p
                            for p in _proofs(message.presentation)):
        return None
    return exchange.domain


def _refused(report: PresentationReport) -> ExchangeError:
    bad = next((c for c in report.checks if c.outcome in (Outcome.FAILED, Outcome.ERROR)),
               None)
    reason = f"{bad.id}: {bad.message}" if bad is not None else "a credential did not verify"
    return ExchangeError("presentation_not_verified",
                         f"the presentation did not verify ({reason})", report=report)


async def receive_for_issue(
    store: ProtocolStore, exchange: Exchange, message: Message, *,
    url: str, verify: PresentationVerifier, issue_fn: IssueFunction,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Answer a message to the open issue exchange ``exchange`` (at ``url``).

    A start gets the presentation request. A DID Authentication that verifies (its holder a
    DID that signed it, for this challenge and domain) consumes the exchange and gets the
    badge ``issue_fn`` issues to that holder: as it is for a bare presentation, in a
    ``verifiablePresentation`` otherwise. Raises ``ExchangeError``: 400
    ``presentation_not_verified`` (with the report; the exchange stays open), ``holder_missing``,
    410 ``exchange_used`` when another presentation won.
    """
    if message.presentation is None:
        return {"verifiablePresentationRequest": presentation_request(exchange, url=url)}
    report = await verify(message.presentation, challenge=exchange.challenge,
                          domain=_expected_domain(message, exchange))
    if not report.verified:
        raise _refused(report)
    holder = report.holder
    if holder is None or not holder.startswith("did:"):
        raise ExchangeError("holder_missing", "the presentation must name its holder's DID")
    if await store.consume(EXCHANGE, exchange.exchange_id, now=current(now)) is None:
        raise ExchangeError("exchange_used", "this exchange was used already", status=410)
    credential = await issue_fn(holder, exchange)
    if message.bare:
        return credential
    return {"verifiablePresentation": {"@context": [_VC_V2], "type": ["VerifiablePresentation"],
                                       "verifiableCredential": [credential]}}


def _is_asked_for(document: Any, query: Mapping[str, str]) -> bool:
    """True when ``document`` is an Open Badge of the asked issuer and achievement."""
    if not isinstance(document, dict) or not OPEN_BADGE_TYPES & set(vcdm.types_of(document)):
        return False
    issuer = query.get("issuer")
    if issuer and vcdm.issuer_id(document) != issuer:
        return False
    achievement = query.get("achievement")
    if achievement:
        ids = {s["achievement"].get("id") for s in vcdm.subjects(document)
               if isinstance(s.get("achievement"), dict)}
        return achievement in ids
    return True


def _signed_by_its_issuer(report: Any) -> bool:
    passed = {c.id for c in report.checks if c.outcome is Outcome.PASSED}
    return {PROOF, ISSUER} <= passed


async def receive_for_verification(
    store: ProtocolStore, exchange: Exchange, message: Message, *,
    url: str, verify: PresentationVerifier, describe: Describe | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Answer a message to the open verify exchange ``exchange`` (at ``url``).

    A start gets the presentation request. A presentation consumes the exchange, is verified
    (challenge, domain, holder bound to every credential's subject, each credential in full)
    and must hold an Open Badge matching the query; the result is stored for the verifier
    page either way. Answers ``{}`` when all holds; raises ``ExchangeError`` 400
    (``presentation_not_verified`` with the report, ``credential_query_not_satisfied``, or
    the code of the ``VCBadgesError`` a ``verify`` raised when it could not verify at all,
    whose result then has no report) otherwise, 410 ``exchange_used`` when another
    presentation came first.
    """
    if message.presentation is None:
        return {"verifiablePresentationRequest": presentation_request(exchange, url=url)}
    when = current(now)
    claimed = await store.consume(EXCHANGE, exchange.exchange_id, now=when)
    if claimed is None:
        raise ExchangeError("exchange_used", "this exchange was used already", status=410)
    presentation = message.presentation
    try:
        report = await verify(presentation, challenge=exchange.challenge,
                              domain=exchange.domain)
    except VCBadgesError as exc:
        # The verification did not run (its worker took too long or died). The exchange is
        # used, so the verifier page gets a failed result saying why, never a pending one.
        problem = Problem(exc.code, safe_text(exc.message))
        await store.save(EXCHANGE_RESULT, str(claimed["transaction"]), {
            "verified": False, "exchangeId": exchange.exchange_id,
            "receivedAt": when.isoformat().replace("+00:00", "Z"),
            "problems": [problem.to_json()], "presentation": None},
            expires_at=when + RECORD_RETENTION)
        raise ExchangeError(problem.code, problem.message) from None
    embedded = presentation.get("verifiableCredential", [])
    embedded = embedded if isinstance(embedded, list) else [embedded]
    problems: list[Problem] = []
    if report.verified and not any(_is_asked_for(doc, exchange.query) for doc in embedded):
        problems.append(Problem("credential_query_not_satisfied",
                                "the presentation holds no Open Badge of the kind asked for"))
    shown = report.to_json()
    if describe is not None and len(embedded) == len(report.credentials):
        for out, document, checked in zip(shown["credentials"], embedded, report.credentials,
                                          strict=True):
            if isinstance(document, dict) and _signed_by_its_issuer(checked) \
                    and vcdm.summary(document) == checked.credential:
                out["display"] = describe(document)
    verified = report.verified and not problems
    result = {"verified": verified, "exchangeId": exchange.exchange_id,
              "receivedAt": when.isoformat().replace("+00:00", "Z"),
              "problems": [p.to_json() for p in problems], "presentation": shown}
    await store.save(EXCHANGE_RESULT, str(claimed["transaction"]), result,
                     expires_at=when + RECORD_RETENTION)
    if not report.verified:
        raise _refused(report)
    if problems:
        raise ExchangeError(problems[0].code, problems[0].message)
    return {}


async def load_result(store: ProtocolStore, transaction_id: str, *,
                      now: datetime | None = None) -> dict[str, Any] | None:
    """The stored result of the verify exchange whose secret is ``transaction_id``; None
    while no presentation has arrived (or once the result has lapsed)."""
    return await store.get(EXCHANGE_RESULT, digest(transaction_id), now=current(now))
