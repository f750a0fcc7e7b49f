"""The exception tree of vcbadges.

Every error a caller may want to handle derives from :class:`VCBadgesError` and carries a
stable snake_case ``code`` that also appears in verification reports::

    VCBadgesError
    ├── KeyFormatError            bad multibase, multicodec header, JWK or key file
    ├── JSONInputError            JSON refused before use: malformed, too large or too deep
    ├── FetchError                an outbound HTTP read refused or failed (SSRF policy, size, time)
    ├── LoaderError               a JSON-LD context or document that is not bundled
    ├── JSONLDError               safe-mode expansion refused the document (undefined term, bad value)
    │   └── CanonicalizationError RDFC-1.0 refused the dataset (work or size limit reached)
    ├── DIDResolutionError        .code: invalid_did | not_found | method_not_supported | ...
    ├── ProofError                a proof that is malformed or cannot be used
    │   ├── InvalidProof          the proof value does not verify
    │   └── UnsupportedCryptosuite
    ├── CredentialError           a malformed VCDM / Open Badges document
    ├── StatusError               a status list unreachable, unverifiable, or an index out of range
    ├── ProtocolError             OpenID4VCI / OpenID4VP; .error (spec code) and .status (HTTP)
    └── StorageError              persistence

Low-level functions raise these; the high-level ``verify`` catches them per check and turns
them into report entries, so a bad document never escapes as an exception from ``verify``.
"""

from __future__ import annotations

__all__ = [
    "VCBadgesError",
    "KeyFormatError",
    "JSONInputError",
    "FetchError",
    "LoaderError",
    "JSONLDError",
    "CanonicalizationError",
    "DIDResolutionError",
    "ProofError",
    "InvalidProof",
    "UnsupportedCryptosuite",
    "CredentialError",
    "StatusError",
    "ProtocolError",
    "StorageError",
]


class VCBadgesError(Exception):
    """Base of every vcbadges error; ``code`` is the report code for this failure."""

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class KeyFormatError(VCBadgesError):
    """A key, multibase string, multicodec header or JWK could not be decoded."""

    code = "invalid_key"


class JSONInputError(VCBadgesError):
    """Untrusted JSON refused before anything reads it.

    ``code`` is ``malformed_json`` (not strict JSON, or a value JSON cannot carry),
    ``document_too_large`` or ``document_too_deep``: the same codes a verification report
    gives, so a refusal reads the same whether it came from text, bytes or a parsed object.
    """

    code = "malformed_json"


class FetchError(VCBadgesError):
    """An outbound read that the fetch policy refused or that did not complete.

    A failed fetch is never evidence that a credential is valid: callers report it as an
    ``error`` outcome (could not decide), not as a pass.
    """

    code = "fetch_failed"


class LoaderError(VCBadgesError):
    """A document URL that the loader will not serve (never fetched by default)."""

    code = "unknown_context"


class JSONLDError(VCBadgesError):
    """JSON-LD processing in safe mode refused the document."""

    code = "invalid_jsonld"


class CanonicalizationError(JSONLDError):
    """RDFC-1.0 stopped because the dataset needs more work than the configured limit."""

    code = "canonicalization_limit"


class DIDResolutionError(VCBadgesError):
    """A DID or DID URL that could not be resolved or dereferenced."""

    code = "did_resolution_failed"


class ProofError(VCBadgesError):
    """A proof is malformed, or cannot be checked with the keys and suites at hand."""

    code = "invalid_proof"


class InvalidProof(ProofError):
    """The proof is well formed but its signature does not verify."""

    code = "invalid_signature"


class UnsupportedCryptosuite(ProofError):
    """The proof names a type or cryptosuite that vcbadges does not implement."""

    code = "unsupported_cryptosuite"


class CredentialError(VCBadgesError):
    """A credential or presentation that is not a well-formed VCDM / Open Badges document."""

    code = "malformed_credential"


class StatusError(VCBadgesError):
    """A status list that is unreachable, unverifiable, or an index out of range."""

    code = "status_error"


class ProtocolError(VCBadgesError):
    """An OpenID4VCI / OpenID4VP protocol error with the spec's ``error`` code and HTTP status."""

    code = "protocol_error"

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description, code=error)
        self.error = error
        self.status = status


class StorageError(VCBadgesError):
    """Persistence failed or found inconsistent data."""

    code = "storage_error"
