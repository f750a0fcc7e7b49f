"""Deriving a selective-disclosure proof: what a holder shows a verifier.

A credential issued with an ecdsa-sd-2023 base proof is never shown as it is: the holder
derives, for each verifier, a document holding the issuer's mandatory statements plus those
the holder chooses, with a derived proof that verifies over exactly that.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vcbadges.errors import ProofError
from vcbadges.jsonld.canon import DEFAULT_MAX_WORK
from vcbadges.jsonld.expansion import getter_for
from vcbadges.jsonld.loader import DocumentLoader
from vcbadges.proofs.cryptosuites import ecdsa_sd_2023

__all__ = ["base_proof_of", "derive_proof"]


def base_proof_of(document: Any) -> dict[str, Any] | None:
    """The one ecdsa-sd-2023 proof of ``document``, or None if it has none.

    Raises ``ProofError`` (``ambiguous_base_proof``) for a document with several: which one
    to derive from would be a guess.
    """
    if not isinstance(document, dict):
        return None
    proof = document.get("proof")
    proofs = proof if isinstance(proof, list) else [proof] if proof is not None else []
    found = [p for p in proofs if isinstance(p, dict) and p.get("type") == "DataIntegrityProof"
             and p.get("cryptosuite") == ecdsa_sd_2023.NAME]
    if len(found) > 1:
        raise ProofError("the credential has more than one ecdsa-sd-2023 proof",
                         code="ambiguous_base_proof")
    return found[0] if found else None


async def derive_proof(
    document: dict[str, Any],
    selective_pointers: Sequence[str],
    *,
    loader: DocumentLoader,
    max_work: int = DEFAULT_MAX_WORK,
) -> dict[str, Any]:
    """The reveal document of ``document`` for ``selective_pointers``, with a derived proof.

    Raises ``ProofError`` (``no_base_proof``, ``ambiguous_base_proof``, ``empty_disclosure``),
    ``InvalidProof`` for a base proof that is malformed or does not fit the document, and
    ``JSONLDError`` (``pointer_mismatch``, ``invalid_pointer``, safe-mode codes).
    """
    base = base_proof_of(document)
    if base is None:
        raise ProofError("the credential has no ecdsa-sd-2023 base proof to derive from",
                         code="no_base_proof")
    if not isinstance(selective_pointers, Sequence) or isinstance(selective_pointers, str) \
            or not all(isinstance(p, str) for p in selective_pointers):
        raise ProofError("selective pointers must be a list of JSON pointer strings",
                         code="invalid_pointer")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    get = await getter_for(unsecured, loader)
    return ecdsa_sd_2023.derive_document(unsecured, base, selective_pointers, get=get,
                                         max_work=max_work)
