"""Canonicalization with blank node label replacement (VC DI ECDSA §3.4.1-3.4.2, §3.4.8).

RDFC-1.0 labels blank nodes ``c14n0``, ``c14n1``... in an order that depends on the whole
dataset. A selectively disclosed dataset is smaller, so its canonical labels would shift and
tell the verifier nothing stable; worse, they leak the shape of what was withheld. The
issuer therefore replaces every canonical label with ``u`` + base64url(HMAC-SHA-256(key,
label)), a name that is stable for the credential and meaningless without the key; the
holder gives the verifier the map from the verifier's own canonical labels to those names.

A *label map factory* turns RDFC-1.0's issued identifiers map (input label -> canonical
label, both without ``_:``) into the replacement map (input label -> new label).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping

from vcbadges.errors import JSONLDError
from vcbadges.jsonld.canon import Quad, issue_canonical_labels
from vcbadges.primitives.multibase import b64url_encode

__all__ = [
    "LabelMapFactory",
    "hmac_label_map",
    "label_replacement_canonicalize",
    "relabel",
    "serialize_quad",
    "verifier_label_map",
]

LabelMapFactory = Callable[[Mapping[str, str]], dict[str, str]]


def hmac_label_map(key: bytes) -> LabelMapFactory:
    """The issuer's and holder's factory: each canonical label becomes its HMAC name."""

    def factory(canonical: Mapping[str, str]) -> dict[str, str]:
        return {node: "u" + b64url_encode(hmac.new(key, label.encode(), hashlib.sha256).digest())
                for node, label in canonical.items()}

    return factory


def verifier_label_map(labels: Mapping[str, str]) -> LabelMapFactory:
    """The verifier's factory: the holder's map from canonical label to HMAC name.

    It must name every blank node and give no two the same name: two nodes sharing a name
    would be one node to the signatures and two to the verifier reading the JSON.
    """

    def factory(canonical: Mapping[str, str]) -> dict[str, str]:
        missing = sorted(label for label in canonical.values() if label not in labels)
        if missing:
            raise JSONLDError(f"the label map does not name blank node _:{missing[0]}",
                              code="label_map_mismatch")
        out = {node: labels[label] for node, label in canonical.items()}
        if len(set(out.values())) != len(out):
            raise JSONLDError("the label map gives two blank nodes the same name",
                              code="label_map_mismatch")
        return out

    return factory


def relabel(quads: Iterable[Quad], labels: Mapping[str, str]) -> list[Quad]:
    """``quads`` with each blank node ``_:x`` renamed ``_:labels[x]`` (all must be named)."""

    def term(t: str) -> str:
        if t.startswith("_:"):
            new = labels.get(t[2:])
            if new is None:
                raise JSONLDError(f"blank node {t} has no replacement label",
                                  code="label_map_mismatch")
            return "_:" + new
        return t

    return [(term(s), p, term(o), term(g) if g else g) for s, p, o, g in quads]


def serialize_quad(quad: Quad) -> str:
    """One canonical N-Quads line, with its newline."""
    s, p, o, g = quad
    return f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n"


def label_replacement_canonicalize(
    quads: Iterable[Quad], factory: LabelMapFactory, *, max_work: int
) -> tuple[list[str], dict[str, str]]:
    """Canonicalize ``quads``, rename the canonical labels through ``factory``.

    Returns the N-Quads lines in code point order and the replacement map (input label ->
    new label). Raises as :func:`~vcbadges.jsonld.canon.canonicalize` does.
    """
    unique = list(dict.fromkeys(quads))
    canonical = issue_canonical_labels(unique, max_work=max_work)
    labels = factory(canonical)
    lines = sorted(serialize_quad(q) for q in relabel(unique, labels))
    return lines, labels
