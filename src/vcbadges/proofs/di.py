"""Data Integrity proofs: add a proof, verify a proof set or chain.

Both functions raise on failure (``ProofError`` and subclasses, ``DIDResolutionError``,
``JSONLDError``, ``KeyFormatError``), each with a report code; they never return a bool.
Proof sets and chains follow VC Data Integrity 1.0 §4: every proof in a set is computed over
the document without ``proof``; a proof with ``previousProof`` is computed over the document
whose ``proof`` is exactly the proof (or list of proofs) it names. All proofs must verify.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from vcbadges.dids.base import VerificationMethod
from vcbadges.dids.resolver import resolve_verification_method
from vcbadges.errors import InvalidProof, KeyFormatError, ProofError, UnsupportedCryptosuite
from vcbadges.jsonld.canon import DEFAULT_MAX_WORK
from vcbadges.jsonld.expansion import Getter, getter_for
from vcbadges.jsonld.loader import DocumentLoader
from vcbadges.primitives import multibase
from vcbadges.primitives.dates import (
    format_datetime,
    is_after,
    is_before,
    parse_datetime,
    utcnow,
)
from vcbadges.primitives.keys import SigningKey
from vcbadges.proofs.cryptosuites import (
    ecdsa_rdfc_2019,
    ecdsa_sd_2023,
    ed25519_signature_2020,
    eddsa_jcs_2022,
    eddsa_rdfc_2022,
)
from vcbadges.proofs.suite import Cryptosuite

__all__ = [
    "SUITES",
    "DEFAULT_SUITE",
    "VerifiedProof",
    "suite_for_proof",
    "add_proof",
    "verify_proofs",
]

SUITES: dict[str, Cryptosuite] = {
    s.name: s
    for s in (eddsa_rdfc_2022.SUITE, eddsa_jcs_2022.SUITE, ecdsa_rdfc_2019.SUITE,
              ecdsa_sd_2023.SUITE, ed25519_signature_2020.SUITE)
}
DEFAULT_SUITE = eddsa_rdfc_2022.NAME
VC_V2 = "https://www.w3.org/ns/credentials/v2"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
_BY_CRYPTOSUITE = {s.cryptosuite: s for s in SUITES.values() if s.cryptosuite}
# "eddsa-2022" is the pre-Recommendation name of eddsa-rdfc-2022; badges signed under it are
# still in circulation and hash identically (the proof's own cryptosuite value is hashed).
_BY_CRYPTOSUITE["eddsa-2022"] = eddsa_rdfc_2022.SUITE
_BY_TYPE = {s.proof_type: s for s in SUITES.values() if s.cryptosuite is None}


@dataclass(frozen=True)
class VerifiedProof:
    """A proof whose signature verified, with the verification method it was checked with."""

    proof: dict[str, Any]
    method: VerificationMethod
    suite: Cryptosuite


def suite_for_proof(proof: Any) -> Cryptosuite:
    """Choose the suite a proof names; raise ``UnsupportedCryptosuite`` for unknown ones."""
    if not isinstance(proof, dict):
        raise ProofError("proof must be a JSON object", code="malformed_proof")
    proof_type = proof.get("type")
    if proof_type == "DataIntegrityProof":
        name = proof.get("cryptosuite")
        suite = _BY_CRYPTOSUITE.get(name) if isinstance(name, str) else None
        if suite is None:
            raise UnsupportedCryptosuite(
                f"cryptosuite {proof.get('cryptosuite')!r} is not supported")
        return suite
    legacy = _BY_TYPE.get(proof_type) if isinstance(proof_type, str) else None
    if legacy is None:
        raise UnsupportedCryptosuite(f"proof type {proof_type!r} is not supported")
    return legacy


def _proofs_of(document: dict[str, Any]) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


def _chain_document(
    unsecured: dict[str, Any], previous: Any, by_id: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The document a chained proof signs: ``proof`` set to the proof(s) it names."""
    ids = previous if isinstance(previous, list) else [previous]
    if not ids or not all(isinstance(i, str) for i in ids):
        raise ProofError("previousProof must be a proof id or a list of them",
                         code="malformed_proof")
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise ProofError(f"previousProof names a proof that is not present: {missing[0]}",
                         code="previous_proof_missing")
    chained = dict(unsecured)
    chained["proof"] = by_id[previous] if isinstance(previous, str) else [by_id[i] for i in ids]
    return chained


async def add_proof(
    document: dict[str, Any],
    *,
    key: SigningKey,
    loader: DocumentLoader,
    suite: str = DEFAULT_SUITE,
    purpose: str = "assertionMethod",
    now: datetime | None = None,
    challenge: str | None = None,
    domain: str | None = None,
    expires: datetime | None = None,
    previous_proof: str | list[str] | None = None,
    proof_id: str | None = None,
    mandatory_pointers: Sequence[str] = (),
    max_work: int = DEFAULT_MAX_WORK,
) -> dict[str, Any]:
    """Return a copy of ``document`` with one more proof, signed by ``key``.

    Existing proofs are kept (a proof set); ``previous_proof`` makes the new proof part of a
    chain. For ecdsa-sd-2023 the proof is a base proof, and ``mandatory_pointers`` (JSON
    pointers) name what every derived proof must disclose. Raises
    ``UnsupportedCryptosuite``, ``ValueError`` for a key the suite cannot use, and
    ``JSONLDError``/``LoaderError`` for a document safe mode refuses or a pointer that does
    not match.
    """
    chosen = SUITES.get(suite)
    if chosen is None:
        raise UnsupportedCryptosuite(f"cryptosuite {suite!r} is not supported")
    if key.algorithm != chosen.key_algorithm:
        raise ValueError(f"{suite} needs a {chosen.key_algorithm} key, not {key.algorithm}")
    selective = chosen is ecdsa_sd_2023.SUITE
    if selective and previous_proof is not None:
        raise ValueError("an ecdsa-sd-2023 proof cannot be part of a proof chain")
    if mandatory_pointers and not selective:
        raise ValueError(f"{suite} does not take mandatory pointers")
    result = dict(document)
    needed = _context_for(chosen, result.get("@context"))
    if needed is not None:
        result["@context"] = _with_context(result.get("@context"), needed)
    existing = _proofs_of(result)
    unsecured = {k: v for k, v in result.items() if k != "proof"}
    signed_over = unsecured
    if previous_proof is not None:
        by_id = {p["id"]: p for p in existing if isinstance(p, dict) and isinstance(p.get("id"), str)}
        signed_over = _chain_document(unsecured, previous_proof, by_id)

    proof: dict[str, Any] = {"type": chosen.proof_type}
    if proof_id is not None:
        proof["id"] = proof_id
    if chosen.cryptosuite is not None:
        proof["cryptosuite"] = chosen.cryptosuite
    proof["created"] = format_datetime(now or utcnow())
    if expires is not None:
        proof["expires"] = format_datetime(expires)
    proof["verificationMethod"] = key.verification_method
    proof["proofPurpose"] = purpose
    if challenge is not None:
        proof["challenge"] = challenge
    if domain is not None:
        proof["domain"] = domain
    if previous_proof is not None:
        proof["previousProof"] = previous_proof
    if chosen.proof_carries_context and "@context" in signed_over:
        proof["@context"] = signed_over["@context"]

    get = await getter_for(signed_over, loader)
    if selective:
        proof["proofValue"] = ecdsa_sd_2023.base_proof_value(
            signed_over, proof, key, mandatory_pointers=mandatory_pointers, get=get,
            max_work=max_work)
    else:
        data = chosen.hash_data(proof, signed_over, get, max_work=max_work)
        proof["proofValue"] = multibase.encode(key.sign(data))
    result["proof"] = [*existing, proof] if existing else proof
    return result


def _context_for(suite: Cryptosuite, context: Any) -> str | None:
    """The context that defines the proof's terms, when the document lacks it.

    VCDM 2.0's context defines DataIntegrityProof; a VCDM 1.1 document needs the Data
    Integrity context added, and Ed25519Signature2020 always needs its own.
    """
    if suite is ed25519_signature_2020.SUITE:
        return ed25519_signature_2020.CONTEXT
    items = context if isinstance(context, list) else [context]
    if VC_V2 in items or DATA_INTEGRITY_V2 in items:
        return None
    return DATA_INTEGRITY_V2


def _with_context(context: Any, extra: str) -> Any:
    items = context if isinstance(context, list) else [context] if context is not None else []
    return items if extra in items else [*items, extra]


# The members a proof may have (VC Data Integrity 1.0 §2.1, and the legacy suites' subset).
# The proof's values are read from these JSON names; any other member, a JSON-LD keyword
# such as ``@nest`` or an alias or IRI spelling of one of these, could carry a signed value
# (an expiry, say) that the checks would not see, so it makes the proof malformed.
PROOF_MEMBERS = frozenset({
    "@context", "id", "type", "cryptosuite", "created", "expires", "verificationMethod",
    "proofPurpose", "proofValue", "challenge", "domain", "nonce", "previousProof",
})


def _check_members(proof: dict[str, Any]) -> None:
    unknown = sorted(k for k in proof if k not in PROOF_MEMBERS)
    if unknown:
        raise ProofError(f"proof has a member this verifier does not interpret: {unknown[0]!r}",
                         code="malformed_proof")
    for name in ("created", "expires", "challenge", "domain", "nonce", "cryptosuite"):
        if name in proof and not isinstance(proof[name], str):
            raise ProofError(f"proof {name} must be a string", code="malformed_proof")


def _check_times(proof: dict[str, Any], now: datetime, skew: timedelta) -> None:
    try:
        created = parse_datetime(proof["created"]) if "created" in proof else None
        expires = parse_datetime(proof["expires"]) if "expires" in proof else None
    except (ValueError, OverflowError) as exc:
        raise ProofError(f"proof date is malformed: {exc}", code="malformed_proof") from exc
    # Compared as differences: both the clock and a document date may sit at the edge of
    # the representable range, where adding the skew overflows.
    if created is not None and is_before(now, created, skew):
        raise ProofError("proof was created in the future", code="proof_created_in_future")
    if expires is not None and is_after(now, expires, skew):
        raise ProofError("proof has expired", code="proof_expired")


def _method_for(method: VerificationMethod, suite: Cryptosuite) -> None:
    if method.public_key.algorithm != suite.key_algorithm:
        raise ProofError(
            f"{suite.name} needs a {suite.key_algorithm} key, the method has "
            f"{method.public_key.algorithm}",
            code="key_type_mismatch",
        )


async def _verify_derived(
    proof: dict[str, Any], unsecured: dict[str, Any], resolver: Any, purpose: str, get: Getter,
    max_work: int,
) -> VerifiedProof:
    """An ecdsa-sd-2023 proof: a derived one verifies, a base one is refused before any lookup."""
    if "previousProof" in proof:
        raise ProofError("an ecdsa-sd-2023 proof cannot be part of a proof chain",
                         code="malformed_proof")
    ecdsa_sd_2023.refuse_base_proof(proof)
    method = await resolve_verification_method(resolver, proof["verificationMethod"],
                                               purpose=purpose)
    _method_for(method, ecdsa_sd_2023.SUITE)
    ecdsa_sd_2023.verify_derived(unsecured, proof, method.public_key, get=get, max_work=max_work)
    return VerifiedProof(proof=proof, method=method, suite=ecdsa_sd_2023.SUITE)


async def verify_proofs(
    document: Any,
    *,
    resolver: Any,
    loader: DocumentLoader,
    purpose: str,
    now: datetime | None = None,
    skew: timedelta = timedelta(minutes=5),
    max_work: int = DEFAULT_MAX_WORK,
    doc_hashes: Mapping[str, bytes] | None = None,
) -> list[VerifiedProof]:
    """Verify every proof on ``document`` for ``purpose``; return them or raise on the first failure.

    Raises ``ProofError`` (``missing_proof``, ``malformed_proof``, ``wrong_proof_purpose``,
    ``proof_expired``, ``key_type_mismatch``, ...), ``InvalidProof`` (``invalid_signature``),
    ``UnsupportedCryptosuite``, ``DIDResolutionError`` and ``KeyFormatError``.
    ``doc_hashes`` may carry the document hash by canonicalization (``"rdfc"``) when the
    caller has already computed it over the document without ``proof``.
    """
    if not isinstance(document, dict):
        raise ProofError("document must be a JSON object", code="malformed_proof")
    proofs = _proofs_of(document)
    if not proofs:
        raise ProofError("document has no proof", code="missing_proof")
    when = now or utcnow()
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    by_id = {p["id"]: p for p in proofs if isinstance(p, dict) and isinstance(p.get("id"), str)}
    get: Getter = await getter_for(document, loader)
    # Proofs of a set sign the same document: hash it once per canonicalization.
    hashes: dict[str, bytes] = dict(doc_hashes or {})
    verified = []
    for proof in proofs:
        suite = suite_for_proof(proof)
        _check_members(proof)
        for field in ("verificationMethod", "proofPurpose", "proofValue"):
            if not isinstance(proof.get(field), str):
                raise ProofError(f"proof has no {field}", code="malformed_proof")
        if proof["proofPurpose"] != purpose:
            raise ProofError(
                f"proof purpose is {proof['proofPurpose']!r}, expected {purpose!r}",
                code="wrong_proof_purpose",
            )
        _check_times(proof, when, skew)
        if suite is ecdsa_sd_2023.SUITE:
            verified.append(await _verify_derived(proof, unsecured, resolver, purpose, get,
                                                  max_work))
            continue
        try:
            signature = multibase.decode(proof["proofValue"])
        except KeyFormatError as exc:
            raise InvalidProof("proofValue is not valid multibase",
                               code="malformed_proof_value") from exc
        method = await resolve_verification_method(resolver, proof["verificationMethod"],
                                                   purpose=purpose)
        _method_for(method, suite)
        if "previousProof" in proof:
            signed_over = _chain_document(unsecured, proof["previousProof"], by_id)
            doc_hash = suite.document_hash(signed_over, get, max_work=max_work)
        else:
            signed_over = unsecured
            if suite.canonicalization not in hashes:
                hashes[suite.canonicalization] = suite.document_hash(
                    unsecured, get, max_work=max_work)
            doc_hash = hashes[suite.canonicalization]
        data = suite.config_hash(proof, signed_over, get, max_work=max_work) + doc_hash
        method.public_key.verify(signature, data)
        verified.append(VerifiedProof(proof=proof, method=method, suite=suite))
    return verified
