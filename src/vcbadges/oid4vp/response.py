"""The verifier's Response URI: receive a ``direct_post`` Authorization Response (OpenID4VP 1.0).

:func:`handle_response` takes the POSTed form (``vp_token`` and ``state``, or ``error`` and
``state``) and returns a :class:`PresentationResult`. It follows "VP Token Validation":

1. the form and the VP Token's shape ("Response Parameters": a JSON object from Credential
   Query ids to non-empty arrays of presentations) are checked first; a malformed response
   is refused with ``ProtocolError("invalid_request")`` and leaves the request pending;
2. ``state`` must name a pending request and is consumed, atomically, so a request gets one
   response ("Protection of the Response URI"); an unknown, expired or reused ``state`` is
   ``ProtocolError("invalid_request")``;
3. every presentation is verified with its holder binding to this request: for ``ldp_vc``
   a Data Integrity presentation through :func:`vcbadges.verify` with ``challenge`` = the
   nonce and ``domain`` = the Client Identifier; for ``jwt_vc_json`` a VP-JWT whose ``nonce``
   and ``aud`` must be those values (:mod:`vcbadges.oid4vp.jwt_vp`); by default the holder
   must also be the subject of every credential, which is how credentials issued through
   OpenID4VCI are bound;
4. the credentials must satisfy the DCQL query themselves ("Security Checks on the Returned
   Credentials and Presentations": the verifier never relies on the wallet's matching), at
   most one presentation per query unless ``multiple``, and the set of queries answered must
   satisfy the ``credential_sets``.

Problems found after ``state`` was consumed are not exceptions: they make the result
``verified: false`` with a report the verifier page can show, and the Response URI answers
the wallet with HTTP 200 ``{}`` as the spec requires once it has processed a response.
A wallet's error response (``error=access_denied``) is a result with ``error`` set.

Who verifies is the caller's choice (``verify``): by default the library, in this process,
with the ``loader``, ``resolver``, ``fetcher`` and the rest given; a service passes its own
(one that runs verification in worker processes, :mod:`vcbadges.web.verifying`). A
``verify`` that could not verify at all raises ``VCBadgesError`` (its workers took too long
or died): the response is then processed, and its result is ``verified: false`` with that
error's code as its problem, never a pending request the wallet cannot answer again.

What a page shows of a presented credential (``describe``) is made here, after verification,
from the credential verification checked, and stored with the result in one write: a
response refused before ``state`` was consumed stores nothing, and a credential's content is
shown only when its issuer signed it (for a JWT, the credential inside the JWT, never the
members of the envelope around it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from vcbadges import report as r
from vcbadges._api import verify as verify_with_library
from vcbadges.credentials import vcdm
from vcbadges.dids.resolver import default_resolver
from vcbadges.errors import ProtocolError, VCBadgesError
from vcbadges.jsonld.loader import DocumentLoader
from vcbadges.net.fetcher import JSONFetcher
from vcbadges.oauth.common import current, form_pairs, safe_text, strict_json
from vcbadges.oid4vp.dcql import credential_matches, credential_view, satisfied
from vcbadges.oid4vp.jwt_vp import verify_presentation_jwt
from vcbadges.oid4vp.request import AuthorizationRequest, load_request
from vcbadges.oid4vp.store import VP_RESULT, VP_STATE, OID4VPStore
from vcbadges.proofs import _jws
from vcbadges.proofs.jose import looks_like_jwt, read_jwt_credential, token_from_envelope
from vcbadges.report import Outcome, PresentationReport, Problem, VerificationReport
from vcbadges.verifier.checks import blocked_presentation, failed
from vcbadges.verifier.listcache import VerifiedListCache
from vcbadges.verifier.options import DEFAULT_SKEW
from vcbadges.verifier.registry import IssuerRegistries

__all__ = ["Describe", "Verify", "PresentationResult", "handle_response", "load_result",
           "parse_vp_token", "checked_credential"]

NOT_A_PRESENTATION = "not_a_presentation"
WRONG_PRESENTATION_FORMAT = "wrong_presentation_format"
UNKNOWN_CREDENTIAL_QUERY = "unknown_credential_query"
TOO_MANY_PRESENTATIONS = "too_many_presentations"
CREDENTIAL_QUERY_MISMATCH = "credential_query_mismatch"
QUERY_NOT_SATISFIED = "credential_query_not_satisfied"
DEFAULT_RESULT_LIFETIME = timedelta(minutes=30)

#: What a page shows of one credential object (see ``handle_response``).
Describe = Callable[[dict[str, Any]], dict[str, Any]]
#: Where a credential report sits in a result: query id, presentation, credential.
Position = tuple[str, int, int]


class Verify(Protocol):
    """Verifies one presented document as :func:`vcbadges.verify` would: a Data Integrity
    presentation (with ``challenge``, ``domain`` and ``holder_must_be_subject``), or a
    credential of a VP-JWT. Raises ``VCBadgesError`` only when it could not verify at all."""

    async def __call__(
        self, document: Any, *, now: datetime, challenge: str | None = None,
        domain: str | None = None, holder_must_be_subject: bool = True,
    ) -> VerificationReport | PresentationReport: ...


def _library_verify(
    *, loader: DocumentLoader | None, resolver: Any, fetcher: JSONFetcher | None,
    trusted_issuers: Any, skew: timedelta, verified_lists: VerifiedListCache | None,
    registries: IssuerRegistries | None,
) -> Verify:
    """The default ``verify``: :func:`vcbadges.verify` in this process with these inputs."""

    async def run(document: Any, *, now: datetime, challenge: str | None = None,
                  domain: str | None = None, holder_must_be_subject: bool = True,
                  ) -> VerificationReport | PresentationReport:
        return await verify_with_library(document, loader=loader, resolver=resolver, now=now,
                                         skew=skew, trusted_issuers=trusted_issuers,
                                         fetcher=fetcher, challenge=challenge, domain=domain,
                                         holder_must_be_subject=holder_must_be_subject,
                                         verified_lists=verified_lists, registries=registries)

    return run


@dataclass(frozen=True)
class PresentationResult:
    """What a response to one request proved. ``verified`` is derived, never set by hand.

    ``presentations`` maps each Credential Query id answered to the reports of its
    presentations; ``problems`` lists what is wrong with the response as a whole.
    ``transaction_id`` is the request's secret for the verifier page (not in ``to_json``).
    ``displays`` holds what ``describe`` made of each credential its issuer signed, by
    position; ``to_json`` puts each on its credential report as ``display``.
    """

    request_id: str
    transaction_id: str = field(repr=False)
    received_at: datetime
    presentations: dict[str, tuple[PresentationReport, ...]] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    error: str | None = None
    error_description: str | None = None
    displays: Mapping[Position, dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def verified(self) -> bool:
        return (self.error is None and not self.problems and bool(self.presentations)
                and all(rep.verified for reps in self.presentations.values() for rep in reps))

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "requestId": self.request_id,
            "receivedAt": self.received_at.isoformat().replace("+00:00", "Z"),
            "error": self.error,
            "errorDescription": self.error_description,
            "problems": [p.to_json() for p in self.problems],
            "presentations": {qid: [self._report_json(qid, index, rep)
                                    for index, rep in enumerate(reps)]
                              for qid, reps in self.presentations.items()},
        }

    def _report_json(self, qid: str, index: int, report: PresentationReport) -> dict[str, Any]:
        out = report.to_json()
        for position, credential in enumerate(out["credentials"]):
            shown = self.displays.get((qid, index, position))
            if shown is not None:
                credential["display"] = shown
        return out


def _invalid(description: str) -> ProtocolError:
    return ProtocolError("invalid_request", safe_text(description))


def parse_vp_token(value: str) -> dict[str, list[Any]]:
    """Parse the ``vp_token`` parameter: a JSON object from Credential Query ids to non-empty
    arrays of presentations (objects or strings). Raises ``ProtocolError("invalid_request")``.
    """
    token = strict_json(value, error="invalid_request", what="vp_token")
    if not isinstance(token, dict) or not token:
        raise _invalid("vp_token must be a non-empty JSON object")
    for qid, items in token.items():
        if not isinstance(items, list) or not items or not all(
                isinstance(i, (dict, str)) for i in items):
            raise _invalid(f"vp_token[{qid!r}] must be a non-empty array of presentations")
    return token


def _failed_report(code: str, message: str, now: datetime) -> PresentationReport:
    return blocked_presentation(failed(r.DOCUMENT, code, message), now)


def checked_credential(document: Any) -> dict[str, Any] | None:
    """The credential verification checks when handed ``document``, for showing it: for a
    compact JWT or an ``EnvelopedVerifiableCredential``, the credential the JWT carries (a
    VC-JWT's ``vc`` claim completed from ``iss``, ``jti`` and ``sub``, or the claims of a
    ``vc+jwt``), never the envelope's own members, which nobody signed; a JSON object as it
    is; None for anything else. Nothing is verified here."""
    token = token_from_envelope(document) if isinstance(document, Mapping) else None
    text = document.strip() if isinstance(document, str) else None
    if token is None and looks_like_jwt(text):
        token = text
    if token is None:
        return document if isinstance(document, dict) else None
    view = credential_view(token)
    if view is not None:
        return view[1]
    try:
        return read_jwt_credential(token)
    except VCBadgesError:
        return None


def _signed_by_its_issuer(report: VerificationReport) -> bool:
    """True when a credential's ``proof`` and ``issuer`` checks passed: the issuer it names
    signed it and nothing changed since. Its content is then the issuer's word, worth showing
    even when the badge is revoked, suspended or expired (so the employer sees which badge it
    is), never when anyone could have written it (a valid signature by a key that is not the
    named issuer's). Whether the issuer is one the verifier knows is another question."""
    passed = {c.id for c in report.checks if c.outcome is Outcome.PASSED}
    return {r.PROOF, r.ISSUER} <= passed


def _display(report: VerificationReport, document: Any, describe: Describe
             ) -> dict[str, Any] | None:
    """What ``describe`` makes of the presented ``document`` that ``report`` verified, when
    its issuer signed it. The credential read here must sum up as the one verification
    checked did (its report's ``credential``), or nothing is shown: a reading that drifted
    from the verifier's must not put another credential's words beside this report."""
    if not _signed_by_its_issuer(report):
        return None
    credential = checked_credential(document)
    if credential is None or vcdm.summary(credential) != report.credential:
        return None
    return describe(credential)


def _embedded(presentation: Any) -> list[Any]:
    """The credentials inside a presentation (read, not verified), for the DCQL check."""
    if isinstance(presentation, dict):
        items = presentation.get("verifiableCredential", [])
        return items if isinstance(items, list) else [items]
    try:
        vp = _jws.parse_compact(presentation).claims.get("vp")
    except VCBadgesError:
        return []
    items = vp.get("verifiableCredential") if isinstance(vp, dict) else None
    return items if isinstance(items, list) else []


async def handle_response(
    store: OID4VPStore,
    form: Mapping[str, Any],
    *,
    loader: DocumentLoader | None = None,
    resolver: Any = None,
    fetcher: JSONFetcher | None = None,
    trusted_issuers: Any = None,
    registries: IssuerRegistries | None = None,
    holder_must_be_subject: bool = True,
    skew: timedelta = DEFAULT_SKEW,
    result_lifetime: timedelta = DEFAULT_RESULT_LIFETIME,
    verified_lists: VerifiedListCache | None = None,
    describe: Describe | None = None,
    verify: Verify | None = None,
    now: datetime | None = None,
) -> PresentationResult:
    """Handle one ``direct_post`` Authorization Response; see the module docstring.

    The result is also stored (kind ``vp_result``, for ``result_lifetime``) under the
    request's ``transaction_id``, for :func:`load_result`.

    ``describe`` makes what a page shows of a credential: it is called, once verification is
    over, with each presented credential whose issuer signed it (see
    :func:`checked_credential`), and its answer is that credential report's ``display``.

    ``loader``, ``resolver``, ``fetcher``, ``trusted_issuers``, ``registries`` and
    ``verified_lists`` (a service's memory of status lists it verified) are passed to
    :func:`vcbadges.verify` for every presentation and every credential in it (the defaults
    read bundled contexts only, resolve did:key and did:jwk offline, open a ``SafeFetcher``
    when a status list or did:web document must be read, and check every status list's
    proof). A ``verify`` given instead is called for those (see the module docstring); the
    ``resolver`` still checks the holder's signature of a VP-JWT. Raises
    ``ProtocolError("invalid_request")`` for a malformed response or an unusable ``state``.
    """
    when = current(now)
    params = form_pairs(form)
    state = params.get("state")
    if not state:
        raise _invalid("state is missing")
    error = params.get("error")
    token: dict[str, list[Any]] | None = None
    if error is None:
        raw = params.get("vp_token")
        if raw is None:
            raise _invalid("vp_token is missing")
        token = parse_vp_token(raw)
    pending = await store.consume(VP_STATE, state, now=when)
    request = None if pending is None else await load_request(
        store, str(pending["request_id"]), now=when)
    if request is None:
        raise _invalid("state does not name a pending presentation request (unknown, expired "
                       "or already answered)")
    if token is None:
        result = PresentationResult(
            request_id=request.request_id, transaction_id=request.transaction_id,
            received_at=when, error=error,
            error_description=params.get("error_description"))
    else:
        run = verify or _library_verify(
            loader=loader, resolver=resolver, fetcher=fetcher, trusted_issuers=trusted_issuers,
            skew=skew, verified_lists=verified_lists, registries=registries)
        try:
            result = await _verify_token(
                request, token, when, verify=run, resolver=resolver,
                holder_must_be_subject=holder_must_be_subject, skew=skew, describe=describe)
        except VCBadgesError as exc:
            result = PresentationResult(
                request_id=request.request_id, transaction_id=request.transaction_id,
                received_at=when, problems=(Problem(exc.code, safe_text(exc.message)),))
    await store.save(VP_RESULT, request.transaction_id, result.to_json(),
                     expires_at=when + result_lifetime)
    return result


async def load_result(
    store: OID4VPStore, transaction_id: str, *, now: datetime | None = None
) -> dict[str, Any] | None:
    """The result (``PresentationResult.to_json()``) of the request whose secret
    ``transaction_id`` the verifier page holds; None while no response has arrived (or once
    the result has expired). Only the verifier's own page may know ``transaction_id``."""
    return await store.get(VP_RESULT, transaction_id, now=current(now))


async def _verify_token(
    request: AuthorizationRequest, token: dict[str, list[Any]], when: datetime, *,
    verify: Verify, resolver: Any, holder_must_be_subject: bool, skew: timedelta,
    describe: Describe | None,
) -> PresentationResult:
    queries = {q["id"]: q for q in request.dcql_query["credentials"]}
    problems: list[Problem] = []
    presentations: dict[str, tuple[PresentationReport, ...]] = {}
    displays: dict[Position, dict[str, Any]] = {}

    for qid, items in token.items():
        query = queries.get(qid)
        if query is None:
            problems.append(Problem(UNKNOWN_CREDENTIAL_QUERY,
                                    f"vp_token answers {qid!r}, which the request did not ask"))
            continue
        if len(items) > 1 and not query.get("multiple", False):
            problems.append(Problem(TOO_MANY_PRESENTATIONS,
                                    f"{qid}: several presentations where one was asked for"))
        reports: list[PresentationReport] = []
        for index, item in enumerate(items):
            report, documents = await _verify_presentation(
                item, query["format"], request, when, verify=verify, resolver=resolver,
                holder_must_be_subject=holder_must_be_subject, skew=skew)
            reports.append(report)
            # ``documents`` is empty when they cannot be paired with the reports.
            for position, (credential, document) in enumerate(zip(report.credentials,
                                                                   documents, strict=False)):
                shown = None if describe is None else _display(credential, document, describe)
                if shown is not None:
                    displays[(qid, index, position)] = shown
            credentials = _embedded(item)
            if not credentials or not all(credential_matches(query, c) for c in credentials):
                problems.append(Problem(CREDENTIAL_QUERY_MISMATCH,
                                        f"{qid}: a presented credential does not satisfy the "
                                        "query"))
        presentations[qid] = tuple(reports)
    if not satisfied(request.dcql_query, presentations.keys()):
        problems.append(Problem(QUERY_NOT_SATISFIED,
                                "the presentations do not satisfy the requested credentials"))
    return PresentationResult(
        request_id=request.request_id, transaction_id=request.transaction_id,
        received_at=when, presentations=presentations, problems=tuple(problems),
        displays=displays)


async def _verify_presentation(
    item: Any, fmt: str, request: AuthorizationRequest, when: datetime, *, verify: Verify,
    resolver: Any, holder_must_be_subject: bool, skew: timedelta,
) -> tuple[PresentationReport, list[Any]]:
    """The presentation's report, and the presented document each of its credential reports
    verified, in the same order."""
    if fmt == "jwt_vc_json":
        if not isinstance(item, str):
            return _failed_report(WRONG_PRESENTATION_FORMAT,
                                  "a jwt_vc_json presentation must be a VP-JWT string",
                                  when), []
        verified: list[tuple[Any, Any]] = []

        async def verify_and_note(document: Any) -> Any:
            report = await verify(document, now=when)
            verified.append((document, report))
            return report

        jwt_report = await verify_presentation_jwt(
            item, nonce=request.nonce, audience=request.client_id,
            resolver=resolver if resolver is not None else default_resolver(),
            verify_credential=verify_and_note, holder_must_be_subject=holder_must_be_subject,
            skew=skew, now=when)
        # By identity: the VP-JWT's report leaves out what did not verify as a credential.
        return jwt_report, [next((doc for doc, seen in verified if seen is credential), None)
                            for credential in jwt_report.credentials]
    if fmt != "ldp_vc" or not isinstance(item, dict):
        return _failed_report(WRONG_PRESENTATION_FORMAT,
                              "an ldp_vc presentation must be a JSON object", when), []
    report = await verify(item, now=when, challenge=request.nonce, domain=request.client_id,
                          holder_must_be_subject=holder_must_be_subject)
    if not isinstance(report, PresentationReport):
        return _failed_report(NOT_A_PRESENTATION, "a Verifiable Presentation with the "
                              "holder's proof is required, not a bare credential", when), []
    # A Data Integrity presentation has one credential report per embedded credential.
    embedded = _embedded(item)
    return report, embedded if len(embedded) == len(report.credentials) else []
