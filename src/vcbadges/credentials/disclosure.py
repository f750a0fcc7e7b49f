"""What a selectively disclosable Open Badge must always show, as JSON pointers.

With ecdsa-sd-2023 the issuer names the statements every derived proof must disclose. A
verifier of a badge needs to know who issued it, when it is valid, whether it was revoked,
which schema it follows and what was achieved; so those are mandatory. The learner's
name, e-mail identity (``identifier``) and any other subject claims stay theirs to disclose
or withhold. The credential's and the subject's ``id`` and ``type`` come along with any value
selected inside them: a subject ``id`` (a DID, say) is therefore always disclosed, and an
issuer who wants learners to be able to stay anonymous identifies them by ``identifier``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["default_mandatory_pointers", "pointer_to"]

# Top-level members a verifier always needs, when the credential has them.
_ALWAYS_SHOWN = ("issuer", "name", "validFrom", "validUntil", "issuanceDate", "expirationDate",
                 "credentialStatus", "credentialSchema")


def pointer_to(*path: str | int) -> str:
    """The JSON pointer (RFC 6901) of ``path``, each token escaped."""
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in path)


def default_mandatory_pointers(credential: dict[str, Any]) -> list[str]:
    """The mandatory pointers for ``credential``: issuer, validity, status, achievement(s)."""
    pointers = [pointer_to(name) for name in _ALWAYS_SHOWN if name in credential]
    subject = credential.get("credentialSubject")
    subjects = [(i, s) for i, s in enumerate(subject)] if isinstance(subject, list) else \
        [(None, subject)]
    for index, node in subjects:
        if not isinstance(node, dict):
            continue
        prefix: tuple[str | int, ...] = ("credentialSubject",) if index is None else \
            ("credentialSubject", index)
        for name in ("achievement", "type"):
            if name in node:
                pointers.append(pointer_to(*prefix, name))
    return pointers
