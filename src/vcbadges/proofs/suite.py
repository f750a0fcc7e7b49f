"""The shape shared by our cryptosuites: canonicalize, hash, sign, encode.

Every suite we implement hashes the same way: SHA-256 of the canonical proof configuration,
followed by SHA-256 of the canonical document, and signs those 64 bytes. Suites differ only in
the proof's type and ``cryptosuite`` name, the canonicalization (RDFC-1.0 over safe-mode
JSON-LD, or JCS), and the key algorithm they accept, so each suite is a small descriptor.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal

from vcbadges.errors import ProofError
from vcbadges.jsonld.canon import canonicalize
from vcbadges.jsonld.expansion import Getter, to_quads
from vcbadges.jsonld.jcs import canonicalize_json
from vcbadges.primitives.keys import Algorithm

__all__ = ["Cryptosuite"]


@dataclass(frozen=True)
class Cryptosuite:
    """A Data Integrity cryptosuite (or legacy proof type) described by its parameters.

    ``name`` is what users pass to choose the suite; ``cryptosuite`` is the proof's
    ``cryptosuite`` value (``None`` for legacy proof types identified by ``type`` alone).
    """

    name: str
    proof_type: str
    cryptosuite: str | None
    key_algorithm: Algorithm
    canonicalization: Literal["rdfc", "jcs"]

    def canonicalize(self, document: dict[str, Any], get: Getter, *, max_work: int) -> bytes:
        """Canonical bytes of a document or proof configuration."""
        if self.canonicalization == "jcs":
            return canonicalize_json(document)
        return canonicalize(to_quads(document, get=get), max_work=max_work).encode("utf-8")

    @property
    def proof_carries_context(self) -> bool:
        """JCS proofs keep the document's ``@context`` in the proof itself (vc-di-eddsa §3.3)."""
        return self.canonicalization == "jcs"

    def proof_config(self, proof: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
        """The proof options without ``proofValue``, carrying the document's ``@context``.

        A proof that carries its own ``@context`` must name a prefix of the document's
        contexts, so that it cannot change what the document's terms mean.
        """
        config = {k: v for k, v in proof.items() if k != "proofValue"}
        doc_context = document.get("@context")
        if "@context" in proof:
            ours = proof["@context"] if isinstance(proof["@context"], list) else [proof["@context"]]
            theirs = doc_context if isinstance(doc_context, list) else [doc_context]
            if theirs[: len(ours)] != ours:
                raise ProofError("the proof's @context is not a prefix of the document's",
                                 code="proof_context_mismatch")
        elif doc_context is not None:
            config["@context"] = doc_context
        return config

    def document_hash(self, document: dict[str, Any], get: Getter, *, max_work: int) -> bytes:
        """SHA-256 of the canonical document (the part a proof set shares)."""
        return hashlib.sha256(self.canonicalize(document, get, max_work=max_work)).digest()

    def config_hash(
        self, proof: dict[str, Any], document: dict[str, Any], get: Getter, *, max_work: int
    ) -> bytes:
        """SHA-256 of the canonical proof configuration."""
        config = self.proof_config(proof, document)
        return hashlib.sha256(self.canonicalize(config, get, max_work=max_work)).digest()

    def hash_data(
        self, proof: dict[str, Any], document: dict[str, Any], get: Getter, *, max_work: int
    ) -> bytes:
        """The 64 bytes that get signed: H(canonical proof config) || H(canonical document)."""
        return (self.config_hash(proof, document, get, max_work=max_work)
                + self.document_hash(document, get, max_work=max_work))
