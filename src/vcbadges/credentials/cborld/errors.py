"""The one error CBOR-LD raises, with a code per kind of refusal.

:class:`CborldError` is a :class:`~vcbadges.errors.CredentialError`: a CBOR-LD payload is a
credential or presentation in another wire form, and a payload that cannot be read is a
malformed credential to whoever holds it. The codes are stable and appear in problem
responses:

- ``cborld_malformed``: not CBOR-LD at all (wrong tag, bad CBOR, trailing bytes, a CBOR item
  that has no JSON meaning such as a tag inside the payload);
- ``cborld_too_large``: more bytes, items or nesting than a QR code can carry;
- ``cborld_unknown_context``: a context id outside the registry, or a context URL that is not
  bundled (decoding never fetches anything);
- ``cborld_unknown_term``: a key or term id that no active context defines;
- ``cborld_bad_value``: a compressed value that does not decode (a UUID that is not 16
  bytes, a date out of range, an unknown multibase or URL scheme).
"""

from __future__ import annotations

from vcbadges.errors import CredentialError

__all__ = ["CborldError"]


class CborldError(CredentialError):
    """A document that cannot be compressed, or bytes that cannot be decompressed."""

    code = "cborld_malformed"
