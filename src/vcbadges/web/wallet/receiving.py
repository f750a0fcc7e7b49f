"""Receiving offers and answering requests: OpenID4VCI and OpenID4VP, wallet side.

The wallet talks to issuers and verifiers through
:class:`~vcbadges.web.exchanges.WalletExchanges` (``get`` and ``post`` are the cores' ``fetch``
and ``post``): this service's own origin (scheme, host and port of its public URL) exactly,
so that it works with no settings, and every other URL an offer or a request names under the
SSRF policy of the wallet's :class:`~vcbadges.net.fetcher.SafeFetcher`, the wallet's fetch
policy (``Settings.wallet_fetch_allow_*``), which may differ from the one of verification.
A request's sender is authenticated with the wallet's own means: the DID of a
``decentralized_identifier`` verifier is resolved through that fetcher (``WALLET_RESOLVER``),
an ``x509_san_dns`` certificate must chain to one of ``Settings.wallet_trust_anchors``.
Credentials are verified as everywhere else in the service (:mod:`vcbadges.web.verifying`).
A scanned offer or request is kept server side under a random ``handle`` (in
``protocol_state``, sealed under the account's data key, so only that account can use it,
for :data:`HANDLE_LIFETIME`). An offered credential is verified (signature, issuer, status,
and that it names this wallet's DID) before it is stored; one that does not pass is not
stored (``422 credential-not-verified`` with the report).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

from vcbadges.errors import CredentialError, FetchError, ProtocolError, StorageError, VCBadgesError
from vcbadges.oid4vci import ResolvedOffer, accept_offer, resolve_offer
from vcbadges.oid4vp import (
    PresentationRequest,
    decline,
    resolve_request,
    respond,
    sign_presentations as sign_vp_token,
)
from vcbadges.oid4vp.dcql import OPEN_BADGE_TYPE
from vcbadges.oid4vp.response import checked_credential
from vcbadges.report import ADVISORY_CHECKS, ISSUER_TRUST, Outcome, VerificationReport
from vcbadges.wallet import CredentialRecord, UnlockedWallet, crypto as wallet_crypto
from vcbadges.wallet.publication import disclosure_of
from vcbadges.web.bodies import read_object
from vcbadges.web.display import display_image, display_text
from vcbadges.web.exchanges import WALLET_EXCHANGES
from vcbadges.web.keys import CLOCK, PROTOCOL_STORE, WALLET_RESOLVER, WALLET_TRUST_ANCHORS
from vcbadges.web.problems import ProblemError
from vcbadges.web.wallet.common import (
    NO_STORE,
    exchange_problem,
    invalid,
    not_verified,
    opened,
    summary,
    verify_credential,
)

__all__ = ["HANDLE_LIFETIME", "scan", "accept", "respond_to_request", "decline_request"]

#: How long a scanned offer or request stays ready to accept or answer.
HANDLE_LIFETIME = timedelta(minutes=10)
_MAX_URI = 4000
_MAX_IDS = 20
_PENDING_OFFER = "wallet_offer"
_PENDING_REQUEST = "wallet_request"
_OFFER_SCHEME = "openid-credential-offer"
_REQUEST_SCHEME = "openid4vp"


def _kind_of(uri: str) -> Literal["offer", "request"]:
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme == _OFFER_SCHEME:
        return "offer"
    if scheme == _REQUEST_SCHEME:
        return "request"
    if scheme in ("https", "http"):
        query = parse_qs(parts.query)
        if "credential_offer" in query or "credential_offer_uri" in query:
            return "offer"
        if "request_uri" in query or "client_id" in query or "request" in query:
            return "request"
    raise ProblemError(400, "unsupported-uri", "Not an offer or a request",
                       "scan an openid-credential-offer:// or openid4vp:// code")


async def _keep(request: web.Request, wallet: UnlockedWallet, kind: str,
                payload: Mapping[str, Any]) -> str:
    """Keep ``payload`` for this account under a new handle, sealed with its data key."""
    handle = uuid.uuid4()
    sealed = wallet_crypto.seal_record(
        wallet.data_key, json.dumps(payload, separators=(",", ":")).encode("utf-8"),
        account_id=wallet.account.id, record_id=handle, kind=kind)
    now = request.config_dict[CLOCK].now()
    await request.config_dict[PROTOCOL_STORE].save(
        kind, str(handle), {"sealed": base64.b64encode(sealed).decode("ascii")},
        expires_at=now + HANDLE_LIFETIME)
    return str(handle)


async def _kept(request: web.Request, wallet: UnlockedWallet, kind: str, *,
                consume: bool) -> dict[str, Any]:
    """The payload kept under the path's handle (used up when ``consume``); 404 when it is
    unknown, expired, used, or another account's."""
    try:
        handle = uuid.UUID(request.match_info["handle"])
    except ValueError:
        handle = None
    store, now = request.config_dict[PROTOCOL_STORE], request.config_dict[CLOCK].now()
    entry = None
    if handle is not None:
        read = store.consume if consume else store.get
        entry = await read(kind, str(handle), now=now)
    if entry is None or handle is None:
        raise ProblemError(404, "not-found", "Not found",
                           "this offer or request is unknown or has expired; scan it again")
    try:
        plaintext = wallet_crypto.open_record(
            wallet.data_key, base64.b64decode(str(entry.get("sealed"))),
            account_id=wallet.account.id, record_id=handle, kind=kind)
    except (StorageError, ValueError):
        raise ProblemError(404, "not-found", "Not found",
                           "this offer or request is unknown or has expired; scan it again"
                           ) from None
    value = json.loads(plaintext)
    return value if isinstance(value, dict) else {}


def _describe_offer(resolved: ResolvedOffer, handle: str) -> dict[str, Any]:
    described = resolved.describe()
    issuer: dict[str, Any] = {"id": resolved.credential_issuer}
    issuer_name = display_text(described.get("issuer_name"))
    if issuer_name is not None:
        issuer["name"] = issuer_name
    tx = resolved.tx_code
    tx_code = None
    if tx is not None:
        length = tx.get("length")
        tx_code = {"length": length if isinstance(length, int) else None}
        if isinstance(tx.get("description"), str):
            tx_code["description"] = tx["description"]
    return {
        "kind": "offer", "handle": handle, "issuer": issuer,
        "credentials": [_offered(c) for c in described["credentials"]],
        "txCode": tx_code,
    }


def _offered(described: Mapping[str, Any]) -> dict[str, Any]:
    """One offered credential as the consent screen shows it: the name, description and
    image the offer gives for the badge (else the issuer metadata's, for the kind of
    credential), cleaned as the verifier page's display blocks are."""
    fmt = described.get("format")
    out: dict[str, Any] = {"name": display_text(described.get("name")),
                           "format": fmt if isinstance(fmt, str) and len(fmt) <= 100 else None}
    description = display_text(described.get("description"))
    if description is not None:
        out["description"] = description
    logo = described.get("logo")
    image = display_image(logo.get("uri")) if isinstance(logo, dict) else None
    if image is not None:
        out["image"] = image
    return out


def _asks(found: PresentationRequest) -> list[str]:
    """The request in words, one line per different thing asked (formats merged)."""
    lines: list[str] = []
    for query in found.describe()["credentials"]:
        types = query.get("type_values") or []
        text = ("An Open Badge" if any(OPEN_BADGE_TYPE in option for option in types)
                else "A verifiable credential")
        for claim in query.get("claims", []):
            values = claim.get("values")
            if not values:
                continue
            path = claim.get("path")
            shown = ", ".join(str(v) for v in values)
            if path == ["credentialSubject", "achievement", "id"]:
                text += f" for the achievement {shown}"
            elif path in (["issuer"], ["issuer", "id"]):
                if " issued by " not in text:
                    text += f" issued by {shown}"
            else:
                text += f" with {'.'.join(str(p) for p in path or [])} = {shown}"
        if query.get("multiple"):
            text += " (one or more)"
        if text not in lines:
            lines.append(text)
    return lines


def _matches(found: PresentationRequest,
             records: Sequence[CredentialRecord]) -> dict[str, list[CredentialRecord]]:
    """The stored credentials matching each Credential Query."""
    pool = [record.document() for record in records]
    by_identity = {id(document): record for document, record in zip(pool, records, strict=True)}
    matched = found.match(pool)
    return {qid: [by_identity[id(doc)] for doc in docs] for qid, docs in matched.items()}


# What a badge's report says of it in one word, for the consent screen: the first reason a
# verifier would turn it down, as (check, code of its failure, word).
_STANDINGS = (("status_revocation", "revoked", "revoked"),
              ("status_suspension", "suspended", "suspended"),
              ("validity", "expired", "expired"))


def _standing(report: VerificationReport) -> str:
    """``valid``, ``revoked``, ``suspended``, ``expired``, ``invalid`` or ``unknown`` (a
    check could not be made, such as a status list that could not be read)."""
    if report.verified:
        return "valid"
    # Whether a registry lists the issuer is a verdict of its own, never the badge's standing.
    failures = {check.id: check.code for check in report.checks
                if check.outcome is Outcome.FAILED and check.id not in ADVISORY_CHECKS}
    for check_id, code, word in _STANDINGS:
        if failures.get(check_id) == code:
            return word
    return "invalid" if failures or report.errors else "unknown"


async def _describe_request(request: web.Request, found: PresentationRequest,
                            wallet: UnlockedWallet, handle: str) -> dict[str, Any]:
    matched = _matches(found, await wallet.list_credentials())
    seen: dict[str, dict[str, Any]] = {}
    for records in matched.values():
        for record in records:
            shown = summary(record)
            if shown["id"] in seen:
                continue
            seen[shown["id"]] = {k: shown[k] for k in ("id", "name", "issuerName", "image")
                                   if k in shown}
            # Checked now, as the verifier will check it: a holder about to share a badge
            # its issuer revoked is told so before agreeing.
            document = record.document()
            report = await verify_credential(request, document)
            seen[shown["id"]]["standing"] = _standing(report)
            # A selective-disclosure badge is shared as a derivation of what is asked.
            seen[shown["id"]]["selective"] = disclosure_of(
                checked_credential(document)).selective
            # Named as this service's registries name it, or shown as a claim.
            trust = next((c for c in report.checks if c.id == ISSUER_TRUST), None)
            if trust is not None:
                seen[shown["id"]]["issuerTrust"] = trust.to_json()
    return {
        "kind": "request", "handle": handle,
        "verifier": {"clientId": found.client_id, "responseUri": found.response_uri},
        "asks": _asks(found),
        "matches": list(seen.values()),
        "canAnswer": found.can_answer(matched),
    }


async def scan(request: web.Request) -> web.Response:
    exchanges = request.config_dict[WALLET_EXCHANGES]
    allow_http, own = exchanges.allow_http_hosts, exchanges.is_own
    async with opened(request) as session:
        body = await read_object(request)
        uri = body.get("uri")
        if not isinstance(uri, str) or not 0 < len(uri.strip()) <= _MAX_URI:
            raise invalid(f"uri is the scanned text, at most {_MAX_URI} characters")
        uri = uri.strip()
        kind = _kind_of(uri)
        try:
            if kind == "offer":
                resolved = await resolve_offer(uri, fetch=exchanges.get,
                                               allow_http_hosts=allow_http, http_allowed=own)
                handle = await _keep(request, session.wallet, _PENDING_OFFER, asdict(resolved))
                answer = _describe_offer(resolved, handle)
            else:
                anchors = request.config_dict[WALLET_TRUST_ANCHORS]
                found = await resolve_request(
                    uri, fetch=exchanges.get, allow_http_hosts=allow_http, http_allowed=own,
                    resolver=request.config_dict[WALLET_RESOLVER], x509_trust_anchors=anchors,
                    now=request.config_dict[CLOCK].now())
                handle = await _keep(request, session.wallet, _PENDING_REQUEST, asdict(found))
                answer = await _describe_request(request, found, session.wallet, handle)
        except (ProtocolError, FetchError) as exc:
            raise exchange_problem(exc) from None
    return web.json_response(answer, headers=NO_STORE)


async def accept(request: web.Request) -> web.Response:
    exchanges = request.config_dict[WALLET_EXCHANGES]
    async with opened(request) as session:
        wallet = session.wallet
        body = await read_object(request)
        tx_code = body.get("txCode")
        if tx_code is not None and (not isinstance(tx_code, str)
                                    or not 0 < len(tx_code) <= 64):
            raise invalid("txCode is the PIN, a string")
        resolved = ResolvedOffer(**await _kept(request, wallet, _PENDING_OFFER, consume=False))
        try:
            issued = await accept_offer(resolved, key=wallet.holder_key, post=exchanges.post,
                                        tx_code=tx_code, now=request.config_dict[CLOCK].now())
        except (ProtocolError, FetchError) as exc:
            raise exchange_problem(exc) from None
        # The code is spent now, whatever happens next.
        await _kept(request, wallet, _PENDING_OFFER, consume=True)
        report = await verify_credential(request, issued.credential)
        if not report.verified:
            raise not_verified(report, "the credential did not pass its checks; it was not "
                                        "added to the wallet")
        if not issued.bound_to(wallet.did):
            raise not_verified(report, "the credential is not issued to this wallet's DID; it "
                                        "was not added to the wallet")
        try:
            record = await wallet.add_credential(issued.credential,
                                                 now=request.config_dict[CLOCK].now())
        except CredentialError as exc:
            raise not_verified(report, exc.message) from None
    return web.json_response({"credential": summary(record), "report": report.to_json()},
                             status=201, headers=NO_STORE)


def _ids(body: Mapping[str, Any]) -> list[uuid.UUID]:
    ids = body.get("credentialIds")
    if not isinstance(ids, list) or not 0 < len(ids) <= _MAX_IDS:
        raise invalid(f"credentialIds lists 1 to {_MAX_IDS} credential ids")
    try:
        chosen = [uuid.UUID(value) for value in ids]
    except (TypeError, ValueError, AttributeError):
        raise invalid("credentialIds holds the ids of credentials in this wallet") from None
    if len(set(chosen)) != len(chosen):
        raise invalid("a credential id is repeated")
    return chosen


async def respond_to_request(request: web.Request) -> web.Response:
    async with opened(request) as session:
        wallet = session.wallet
        chosen = _ids(await read_object(request))
        found = PresentationRequest(**await _kept(request, wallet, _PENDING_REQUEST,
                                                  consume=False))
        records = [await wallet.get_credential(record_id) for record_id in chosen]
        matched = _matches(found, records)
        selection: dict[str, list[Any]] = {}
        for record in records:
            qid = next((q for q, found_records in matched.items() if record in found_records),
                       None)
            if qid is None:
                raise ProblemError(422, "cannot-answer", "These credentials do not answer "
                                   "the request", f"{record.name or record.id} is not what the "
                                   "verifier asked for")
            selection.setdefault(qid, []).append(record.document())
        try:
            vp_token = await sign_vp_token(found, selection, key=wallet.holder_key,
                                           now=request.config_dict[CLOCK].now())
        except (ValueError, VCBadgesError) as exc:
            raise ProblemError(422, "cannot-answer", "These credentials do not answer the "
                               "request", str(exc)) from None
        await _kept(request, wallet, _PENDING_REQUEST, consume=True)
        try:
            reply = await respond(found, vp_token,
                                  post=request.config_dict[WALLET_EXCHANGES].post)
        except (ProtocolError, FetchError) as exc:
            raise exchange_problem(exc) from None
    answer: dict[str, Any] = {"outcome": "sent"}
    redirect = reply.get("redirect_uri")
    if isinstance(redirect, str) and redirect.startswith("https://"):
        answer["redirectUri"] = redirect
    return web.json_response(answer, headers=NO_STORE)


async def decline_request(request: web.Request) -> web.Response:
    async with opened(request) as session:
        found = PresentationRequest(**await _kept(request, session.wallet, _PENDING_REQUEST,
                                                  consume=True))
        try:
            await decline(found, post=request.config_dict[WALLET_EXCHANGES].post)
        except (ProtocolError, FetchError) as exc:
            raise exchange_problem(exc) from None
    return web.json_response({"outcome": "declined"}, headers=NO_STORE)
