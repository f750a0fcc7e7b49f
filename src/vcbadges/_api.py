"""The three verbs: issue, present, verify.

Each takes the document first and everything else by keyword; the loader (bundled contexts
only, by default) and the resolver (did:key and did:jwk, by default) are passed in, so nothing
reaches the network unless the caller builds a loader or resolver that does.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from vcbadges.credentials import vcdm
from vcbadges.credentials.disclosure import default_mandatory_pointers
from vcbadges.credentials.issuable import check_issuable
from vcbadges.credentials.presentation import build_presentation
from vcbadges.credentials.schema import check_ob3, is_open_badge
from vcbadges.dids.resolver import network_resolver
from vcbadges.errors import CredentialError
from vcbadges.jsonld.canon import DEFAULT_MAX_WORK
from vcbadges.jsonld.expansion import to_quads_async
from vcbadges.jsonld.loader import DocumentLoader, StaticLoader
from vcbadges.net.fetcher import JSONFetcher
from vcbadges.net.ondemand import OnDemandFetcher
from vcbadges.primitives.dates import format_datetime, utcnow
from vcbadges.primitives.keys import SigningKey
from vcbadges.proofs.cryptosuites import ecdsa_rdfc_2019, ecdsa_sd_2023, eddsa_rdfc_2022
from vcbadges.proofs.derive import derive_proof
from vcbadges.proofs.di import add_proof
from vcbadges.proofs.jose import sign_vc_jose, sign_vc_jwt
from vcbadges.report import PresentationReport, VerificationReport
from vcbadges.verifier import (
    DEFAULT_SKEW,
    VerifyOptions,
    trust_list_of,
    verify_credential,
    verify_presentation,
)
from vcbadges.verifier.credential import verify_held_credential
from vcbadges.verifier.dispatch import verify_any
from vcbadges.verifier.listcache import VerifiedListCache
from vcbadges.verifier.registry import IssuerRegistries
from vcbadges.verifier.trust import TrustList

__all__ = ["derive", "issue", "issue_jwt", "present", "verify", "verify_credential_document",
           "verify_held", "verify_held_credential_document", "verify_presentation_document"]

_DEFAULT_LOADER = StaticLoader()


def _default_suite(key: SigningKey) -> str:
    return eddsa_rdfc_2022.NAME if key.algorithm == "Ed25519" else ecdsa_rdfc_2019.NAME


def _prepare(credential: Mapping[str, Any], key: SigningKey, when: datetime) -> dict[str, Any]:
    """Fill what an issuer would otherwise have to, and refuse what must not be signed."""
    doc = dict(credential)
    if "proof" in doc:
        raise CredentialError("credential already has a proof; issue takes an unsigned one",
                              code="already_signed")
    check_issuable(doc)
    version = vcdm.version_of(doc)
    doc.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
    issuer = doc.get("issuer")
    if "issuer" not in doc:
        doc["issuer"] = key.controller
    elif isinstance(issuer, dict) and "id" not in issuer:
        doc["issuer"] = {"id": key.controller, **issuer}
    if vcdm.issuer_id(doc) != key.controller:
        raise CredentialError(
            f"the issuer {vcdm.issuer_id(doc)} does not control the signing key "
            f"{key.verification_method}", code="issuer_mismatch")
    doc.setdefault("validFrom" if version == "2.0" else "issuanceDate", format_datetime(when))
    if is_open_badge(doc):
        issues = check_ob3(doc)
        if issues:
            first = issues[0]
            raise CredentialError(
                f"not a valid Open Badges 3.0 credential: {first.path}: {first.message}",
                code="schema_violation")
    return doc


async def issue(
    credential: Mapping[str, Any],
    *,
    key: SigningKey,
    loader: DocumentLoader | None = None,
    cryptosuite: str | None = None,
    mandatory_pointers: Sequence[str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Sign ``credential`` with a Data Integrity proof and return a new, secured copy.

    Fills ``id`` (a ``urn:uuid:``), the issuer (the key's controller, kept as a Profile object
    if one is given without an id) and the start of validity (``validFrom``, or
    ``issuanceDate`` for VCDM 1.1); the input is not modified. Refuses (``CredentialError``)
    what the data model forbids an issuer to sign (see
    :func:`~vcbadges.credentials.issuable.check_issuable`; a ``null`` issuer is refused, not
    filled), an issuer the key does not belong to and an Open Badge that breaks the OB 3.0
    structure; safe-mode JSON-LD refuses undefined terms (``JSONLDError``).

    With ``cryptosuite="ecdsa-sd-2023"`` (a P-256 key) the proof is a base proof for the
    holder, who passes the credential to :func:`derive` before showing it to anyone.
    ``mandatory_pointers`` (JSON pointers) name what every disclosure must show; by default
    the issuer, validity, status, schema and achievement (see
    :mod:`vcbadges.credentials.disclosure`), leaving the learner's name and identity to them.
    """
    when = now or utcnow()
    doc = _prepare(credential, key, when)
    suite = cryptosuite or _default_suite(key)
    if suite == ecdsa_sd_2023.NAME and mandatory_pointers is None:
        mandatory_pointers = default_mandatory_pointers(doc)
    return await add_proof(
        doc, key=key, loader=loader or _DEFAULT_LOADER, suite=suite, purpose="assertionMethod",
        now=when, mandatory_pointers=mandatory_pointers or (), max_work=DEFAULT_MAX_WORK)


async def derive(
    credential: Mapping[str, Any],
    selective_pointers: Sequence[str],
    *,
    loader: DocumentLoader | None = None,
) -> dict[str, Any]:
    """Derive what a holder shows a verifier from a credential with an ecdsa-sd-2023 base proof.

    The result holds the issuer's mandatory claims plus those ``selective_pointers`` (JSON
    pointers such as ``"/credentialSubject/name"``) select, and a derived proof over exactly
    that. Raises ``ProofError`` (``no_base_proof``, ``empty_disclosure``), ``InvalidProof``
    for a base proof that does not fit the credential, and ``JSONLDError``
    (``pointer_mismatch``) for a pointer the credential does not have.
    """
    return await derive_proof(dict(credential), selective_pointers,
                              loader=loader or _DEFAULT_LOADER)


async def issue_jwt(
    credential: Mapping[str, Any],
    *,
    key: SigningKey,
    loader: DocumentLoader | None = None,
    format: Literal["jwt", "vc+jwt"] = "jwt",
    now: datetime | None = None,
) -> str:
    """Sign ``credential`` as a compact JWT and return the token.

    ``"jwt"`` is the Open Badges 3.0 VC-JWT: a VCDM 2.0 credential is the payload itself,
    beside ``iss``, ``sub``, ``nbf``, ``exp`` and ``jti`` (the spec's text as revised for VCDM
    2.0); a VCDM 1.1 credential goes in the ``vc`` claim beside them. ``"vc+jwt"`` is W3C
    VC-JOSE for VCDM 2.0.
    The credential is filled and checked as by :func:`issue`, and run through safe-mode
    JSON-LD, so a JWT never carries terms a Data Integrity proof would refuse.
    """
    when = now or utcnow()
    doc = _prepare(credential, key, when)
    await to_quads_async(doc, loader=loader or _DEFAULT_LOADER)
    if format == "vc+jwt":
        return sign_vc_jose(doc, key=key, now=when)
    return sign_vc_jwt(doc, key=key, now=when)


async def present(
    credentials: Sequence[Mapping[str, Any]],
    *,
    key: SigningKey,
    challenge: str,
    domain: str,
    loader: DocumentLoader | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Return a presentation of ``credentials`` signed by the holder ``key``.

    The proof has purpose ``authentication`` and binds the verifier's ``challenge`` and
    ``domain``, so the presentation cannot be replayed to another verifier or session.
    """
    if not challenge or not domain:
        raise ValueError("a presentation needs the verifier's challenge and domain")
    unsigned = build_presentation([dict(c) for c in credentials], holder=key.controller)
    return await add_proof(
        unsigned, key=key, loader=loader or _DEFAULT_LOADER, suite=_default_suite(key),
        purpose="authentication", now=now, challenge=challenge, domain=domain)


Trusted = Collection[str] | Mapping[str, str] | TrustList | None


@contextlib.asynccontextmanager
async def _options(
    loader: DocumentLoader | None, resolver: Any, now: datetime | None, skew: timedelta,
    trusted_issuers: Trusted, fetcher: JSONFetcher | None,
    verified_lists: VerifiedListCache | None = None,
    registries: IssuerRegistries | None = None,
) -> AsyncIterator[VerifyOptions]:
    """Options for one verification; without a fetcher, one is opened only if needed."""
    source: JSONFetcher = fetcher if fetcher is not None else OnDemandFetcher()
    own = source if fetcher is None and isinstance(source, OnDemandFetcher) else None
    try:
        yield VerifyOptions(
            loader=loader or _DEFAULT_LOADER, resolver=resolver or network_resolver(source),
            now=now, skew=skew, trusted_issuers=trust_list_of(trusted_issuers),
            fetch_json=source.get_json, verified_lists=verified_lists, registries=registries)
    finally:
        if own is not None:
            await own.close()


async def verify_credential_document(
    document: Any,
    *,
    loader: DocumentLoader | None = None,
    resolver: Any = None,
    now: datetime | None = None,
    skew: timedelta = DEFAULT_SKEW,
    trusted_issuers: Trusted = None,
    fetcher: JSONFetcher | None = None,
    verified_lists: VerifiedListCache | None = None,
    registries: IssuerRegistries | None = None,
) -> VerificationReport:
    """Verify a credential (object, or JSON text/bytes) and return its report. Never raises
    for a bad document: every problem is a check with a code."""
    async with _options(loader, resolver, now, skew, trusted_issuers, fetcher,
                        verified_lists, registries) as options:
        return await verify_credential(document, options)


async def verify_held_credential_document(
    document: Any,
    *,
    loader: DocumentLoader | None = None,
    resolver: Any = None,
    now: datetime | None = None,
    skew: timedelta = DEFAULT_SKEW,
    trusted_issuers: Trusted = None,
    fetcher: JSONFetcher | None = None,
    verified_lists: VerifiedListCache | None = None,
    registries: IssuerRegistries | None = None,
) -> VerificationReport:
    """Verify a credential (object, JSON text/bytes, or VC-JWT) as its holder, and return its
    report: :func:`verify_credential_document` but for an ecdsa-sd-2023 base proof, which is
    checked as :func:`verify_held` checks it. Never raises for a bad document."""
    async with _options(loader, resolver, now, skew, trusted_issuers, fetcher,
                        verified_lists, registries) as options:
        return await verify_held_credential(document, options)


async def verify_presentation_document(
    document: Any,
    *,
    challenge: str | None,
    domain: str | None,
    loader: DocumentLoader | None = None,
    resolver: Any = None,
    now: datetime | None = None,
    skew: timedelta = DEFAULT_SKEW,
    trusted_issuers: Trusted = None,
    holder_must_be_subject: bool = True,
    fetcher: JSONFetcher | None = None,
    verified_lists: VerifiedListCache | None = None,
    registries: IssuerRegistries | None = None,
) -> PresentationReport:
    """Verify a presentation, its holder's proof against the expected ``challenge`` and
    ``domain``, and every credential inside it."""
    async with _options(loader, resolver, now, skew, trusted_issuers, fetcher,
                        verified_lists, registries) as options:
        return await verify_presentation(document, options, challenge=challenge, domain=domain,
                                         holder_must_be_subject=holder_must_be_subject)


async def verify(
    document: Any,
    *,
    loader: DocumentLoader | None = None,
    resolver: Any = None,
    now: datetime | None = None,
    skew: timedelta = DEFAULT_SKEW,
    trusted_issuers: Trusted = None,
    challenge: str | None = None,
    domain: str | None = None,
    holder_must_be_subject: bool = True,
    fetcher: JSONFetcher | None = None,
    recipient: str | None = None,
    verified_lists: VerifiedListCache | None = None,
    registries: IssuerRegistries | None = None,
) -> VerificationReport | PresentationReport:
    """Verify whatever ``document`` is: a credential or presentation (object, JSON text or
    bytes), a VC-JWT, a PNG or SVG badge image with a baked credential, or an Open Badges 2.0
    assertion. Never raises for a bad document.

    Status lists, did:web documents, https controller documents and OB 2.0 documents are read
    through ``fetcher`` (a ``SafeFetcher``: https only, no private addresses, bounded); when
    none is given, a default one is opened for the call if anything needs fetching.
    """
    async with _options(loader, resolver, now, skew, trusted_issuers, fetcher,
                        verified_lists, registries) as options:
        return await verify_any(
            document, options, challenge=challenge, domain=domain,
            holder_must_be_subject=holder_must_be_subject, recipient=recipient)


async def verify_held(
    document: Any,
    *,
    loader: DocumentLoader | None = None,
    resolver: Any = None,
    now: datetime | None = None,
    skew: timedelta = DEFAULT_SKEW,
    trusted_issuers: Trusted = None,
    fetcher: JSONFetcher | None = None,
    recipient: str | None = None,
    verified_lists: VerifiedListCache | None = None,
    registries: IssuerRegistries | None = None,
) -> VerificationReport | PresentationReport:
    """Verify a credential as its holder does before keeping it; never raises for a bad
    document.

    Everything :func:`verify` takes, checked as :func:`verify` checks it, but for one thing: a
    credential with an ecdsa-sd-2023 base proof, which :func:`verify` refuses
    (``base_proof_presented``: a base proof is for the holder only), is checked through a
    derivation that discloses every statement: the issuer's key, its signature over the
    mandatory statements and the proof-scoped key's over each other one, the issuer, the
    dates and the status. Its ``proof`` check passes with code
    ``base_proof_checked_by_holder``. A presentation is verified as :func:`verify` verifies
    it, a base proof inside it refused.
    """
    async with _options(loader, resolver, now, skew, trusted_issuers, fetcher,
                        verified_lists, registries) as options:
        return await verify_any(document, options, recipient=recipient, held=True)
