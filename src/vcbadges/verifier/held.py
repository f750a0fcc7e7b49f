"""The holder's check of an ecdsa-sd-2023 base proof.

A base proof is the issuer's message to the holder (VC DI ECDSA §3.3): a verifier refuses it
(``base_proof_presented``), yet the holder must know that what they were given is genuine
before they keep it. The holder can find that out with what any verifier has: derive from
the base proof a proof that discloses every statement (the empty JSON pointer selects the
whole document), and verify that derived proof over the credential exactly as held. It holds
only if the issuer's key signed the mandatory statements with the proof configuration and
the proof-scoped key, and that key signed each other statement; so nothing the holder would
later disclose or withhold can have been changed. A statement added or removed since
issuance already stops the derivation (``base_proof_mismatch``); a changed value, a changed
HMAC key (which renames the blank nodes) or another key fails the signatures
(``invalid_signature``). The issuer, the dates and the status are checked as for any
credential, on the credential as held.

Only the credential the holder keeps is checked this way: a base proof inside a
presentation, an endorsement or a status list is still refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vcbadges import report as r
from vcbadges.errors import VCBadgesError
from vcbadges.proofs.derive import base_proof_of, derive_proof
from vcbadges.proofs.di import verify_proofs
from vcbadges.proofs.sd_proof_value import is_base_proof_value
from vcbadges.report import Check, Outcome
from vcbadges.verifier.checks import from_error
from vcbadges.verifier.options import VerifyOptions

__all__ = ["FULL_DISCLOSURE", "held_base_proof", "held_proof_check"]

#: The selective pointer of a derivation that discloses every statement.
FULL_DISCLOSURE = ""


def held_base_proof(document: dict[str, Any]) -> dict[str, Any] | None:
    """The ecdsa-sd-2023 base proof of ``document``, or None when it has none (a plain or a
    derived proof is verified as a verifier verifies it). Raises ``ProofError``
    (``ambiguous_base_proof``) and ``InvalidProof`` (``malformed_proof_value``)."""
    proof = base_proof_of(document)
    if proof is None or not is_base_proof_value(proof.get("proofValue")):
        return None
    return proof


def _with_proof_replaced(document: dict[str, Any], old: dict[str, Any],
                         new: dict[str, Any]) -> dict[str, Any]:
    """``document`` with ``new`` in place of its proof ``old`` (in a proof set, in place)."""
    proof = document["proof"]
    replaced = [new if p is old else p for p in proof] if isinstance(proof, list) else new
    return {**document, "proof": replaced}


async def held_proof_check(
    document: dict[str, Any], base: dict[str, Any], options: VerifyOptions, now: datetime
) -> tuple[Check, list[str]]:
    """The ``proof`` check of a credential its holder keeps with the base proof ``base``,
    and the controllers of the keys that signed (for the ``issuer`` check)."""
    try:
        full = await derive_proof(document, [FULL_DISCLOSURE], loader=options.loader,
                                  max_work=options.max_work)
        # The derived proof is checked over the credential as held, not over the copy the
        # derivation made of it: what verifies is what the holder keeps.
        proofs = await verify_proofs(
            _with_proof_replaced(document, base, full["proof"]),
            resolver=options.resolver, loader=options.loader, purpose="assertionMethod",
            now=now, skew=options.skew, max_work=options.max_work)
    except VCBadgesError as exc:
        return from_error(r.PROOF, exc), []
    names = ", ".join(p.suite.name for p in proofs)
    return Check(r.PROOF, Outcome.PASSED, r.BASE_PROOF_CHECKED_BY_HOLDER,
                 f"{len(proofs)} proof(s) verified ({names}); the ecdsa-sd-2023 base proof "
                 "through a derivation disclosing every statement, as its holder checks it",
                 {"verification_methods": [p.method.id for p in proofs]}), [
        p.method.controller for p in proofs]
