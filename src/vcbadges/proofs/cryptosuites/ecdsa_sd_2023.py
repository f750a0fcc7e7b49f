"""ecdsa-sd-2023 (W3C vc-di-ecdsa §3.3-3.5): selective disclosure with P-256.

The issuer signs once (the *base proof*): the canonical statements that must always be shown
(chosen by *mandatory pointers*) are hashed together with the proof configuration and a fresh
proof-scoped public key, and that is signed with the issuer's key; every other statement is
signed on its own with the proof-scoped key. The base proof goes to the holder only, with the
HMAC key that renames blank nodes.

The holder *derives* a proof for each verifier: it keeps the mandatory statements plus those
its *selective pointers* choose, only their signatures, and the map from the verifier's
canonical blank node labels to the issuer's HMAC names. The verifier canonicalizes what it
received, renames blank nodes through that map, and checks the base signature over the
mandatory statements and one signature per other statement. It cannot learn what was
withheld beyond how much: statement count is visible, content is not.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from itertools import pairwise
from typing import Any, Final

from vcbadges.errors import InvalidProof, JSONLDError, KeyFormatError, ProofError
from vcbadges.jsonld.canon import issue_canonical_labels
from vcbadges.jsonld.expansion import Getter, to_quads
from vcbadges.jsonld.grouping import canonicalize_and_group
from vcbadges.jsonld.labels import (
    hmac_label_map,
    label_replacement_canonicalize,
    verifier_label_map,
)
from vcbadges.jsonld.pointers import select_json_ld
from vcbadges.primitives import multicodec
from vcbadges.primitives.keys import P256PublicKey, P256SigningKey, SigningKey
from vcbadges.proofs import sd_proof_value as pv
from vcbadges.proofs.suite import Cryptosuite

__all__ = ["NAME", "SUITE", "base_proof_value", "derive_document", "refuse_base_proof",
           "verify_derived"]

NAME: Final = "ecdsa-sd-2023"
SUITE = Cryptosuite(name=NAME, proof_type="DataIntegrityProof", cryptosuite=NAME,
                    key_algorithm="P-256", canonicalization="rdfc")


def _sha256(lines: Sequence[str]) -> bytes:
    return hashlib.sha256("".join(lines).encode("utf-8")).digest()


def base_proof_value(
    document: dict[str, Any], proof: dict[str, Any], key: SigningKey, *,
    mandatory_pointers: Sequence[str], get: Getter, max_work: int,
) -> str:
    """The base ``proofValue`` for ``proof`` (its options, without value) over ``document``."""
    hmac_key = secrets.token_bytes(32)
    grouping = canonicalize_and_group(
        document, hmac_label_map(hmac_key), {"mandatory": list(mandatory_pointers)},
        get=get, max_work=max_work)
    group = grouping.groups["mandatory"]
    proof_hash = SUITE.config_hash(proof, document, get, max_work=max_work)
    scoped = P256SigningKey.generate()
    public_key = multicodec.add_prefix(multicodec.P256_PUB, scoped.public_key.raw)
    signatures = [scoped.sign(nq.encode("utf-8")) for nq in group.non_matching.values()]
    base_signature = key.sign(proof_hash + public_key + _sha256(list(group.matching.values())))
    return pv.serialize_base(pv.BaseProofValue(base_signature, public_key, hmac_key,
                                               signatures, list(mandatory_pointers)))


def derive_document(
    document: dict[str, Any], proof: dict[str, Any], selective_pointers: Sequence[str], *,
    get: Getter, max_work: int,
) -> dict[str, Any]:
    """The reveal document for ``selective_pointers``, with its derived proof.

    ``document`` is the credential without ``proof`` and ``proof`` its base proof. Raises
    ``InvalidProof`` for a malformed base proof value or one whose statement count does not
    match the document (it was changed since issuance), ``JSONLDError`` for a pointer that
    does not match, and ``ProofError`` when nothing at all would be disclosed.
    """
    base = pv.parse_base(proof.get("proofValue"))
    combined = [*base.mandatory_pointers, *selective_pointers]
    if not combined:
        raise ProofError("nothing is selected for disclosure", code="empty_disclosure")
    grouping = canonicalize_and_group(
        document, hmac_label_map(base.hmac_key),
        {"mandatory": base.mandatory_pointers, "selective": list(selective_pointers),
         "combined": combined}, get=get, max_work=max_work)
    mandatory = grouping.groups["mandatory"].matching
    selective = grouping.groups["selective"].matching
    revealed = grouping.groups["combined"]
    non_mandatory = [i for i in range(len(grouping.nquads)) if i not in mandatory]
    if len(non_mandatory) != len(base.signatures):
        raise InvalidProof("the base proof signs a different number of statements than the "
                           "credential holds", code="base_proof_mismatch")
    mandatory_indexes = [relative for relative, absolute in enumerate(revealed.matching)
                         if absolute in mandatory]
    signatures = [sig for sig, index in zip(base.signatures, non_mandatory, strict=True)
                  if index in selective]
    canonical = issue_canonical_labels(revealed.deskolemized, max_work=max_work)
    labels = {c14n: grouping.label_map[node] for node, c14n in canonical.items()}
    reveal = select_json_ld(document, combined)
    assert reveal is not None  # combined is not empty
    derived = {k: v for k, v in proof.items() if k != "@context"}
    derived["proofValue"] = pv.serialize_derived(pv.DerivedProofValue(
        base.base_signature, base.public_key, signatures, labels, mandatory_indexes))
    reveal["proof"] = derived
    return reveal


def refuse_base_proof(proof: dict[str, Any]) -> None:
    """Refuse a base proof shown to a verifier (``ProofError``, ``base_proof_presented``).

    It is the issuer's message to the holder, with the HMAC key and every signature; a
    verifier that accepted it would let anyone demand the whole credential.
    """
    if pv.is_base_proof_value(proof.get("proofValue")):
        raise ProofError("an ecdsa-sd-2023 base proof is for the holder; a verifier needs a "
                         "derived proof", code="base_proof_presented")


def verify_derived(
    document: dict[str, Any], proof: dict[str, Any], public_key: Any, *,
    get: Getter, max_work: int,
) -> None:
    """Verify a derived proof over the reveal ``document`` (without ``proof``); raise if not.

    Raises ``InvalidProof`` (``malformed_proof_value``, ``label_map_mismatch``,
    ``signature_count_mismatch``, ``invalid_signature``) and ``ProofError``
    (``base_proof_presented``, see :func:`refuse_base_proof`).
    """
    refuse_base_proof(proof)
    value = pv.parse_derived(proof.get("proofValue"))
    proof_hash = SUITE.config_hash(proof, document, get, max_work=max_work)
    try:
        nquads, _ = label_replacement_canonicalize(
            to_quads(document, get=get), verifier_label_map(value.label_map), max_work=max_work)
    except JSONLDError as exc:
        if exc.code != "label_map_mismatch":
            raise
        raise InvalidProof(exc.message, code="label_map_mismatch") from exc
    indexes = value.mandatory_indexes
    if any(b <= a for a, b in pairwise(indexes)) or any(
            not 0 <= i < len(nquads) for i in indexes):
        raise InvalidProof("mandatoryIndexes must increase and point at revealed statements",
                           code="malformed_proof_value")
    chosen = set(indexes)
    mandatory = [nq for i, nq in enumerate(nquads) if i in chosen]
    others = [nq for i, nq in enumerate(nquads) if i not in chosen]
    if len(others) != len(value.signatures):
        raise InvalidProof(f"{len(value.signatures)} signature(s) for {len(others)} "
                           "non-mandatory statement(s)", code="signature_count_mismatch")
    try:
        scoped = P256PublicKey(value.public_key[2:])
    except KeyFormatError as exc:
        raise InvalidProof("the proof-scoped key is not a P-256 point",
                           code="malformed_proof_value") from exc
    public_key.verify(value.base_signature, proof_hash + value.public_key + _sha256(mandatory))
    for signature, nquad in zip(value.signatures, others, strict=True):
        scoped.verify(signature, nquad.encode("utf-8"))
