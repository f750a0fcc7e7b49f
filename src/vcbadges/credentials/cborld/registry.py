"""The fixed tables of CBOR-LD as the Digital Credentials Consortium's wallets use it.

These are the tables of the CBOR-LD "legacy" registry (tag ``0x0501``), as implemented by
``@digitalcredentials/cborld`` 4.3, which ``@digitalcredentials/vpqr`` 2.2 (the Learner
Credential Wallet and VerifierPlus) reads and writes. Later ``@digitalbazaar/cborld``
releases added entries (0x21 for the VCDM 2.0 context, 0x33 for Data Integrity v2) that the
4.3 decoders refuse, so the encoder here uses only the entries below: a newer context is
written as its URL, which every version reads.

The values come from the CBOR-LD specification's term codec registry
(https://digitalbazaar.github.io/cbor-ld-spec/#term-codec-registry) and the released
package; they are data, and each table says where it is used.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CBORLD_TAG_HIGH",
    "COMPRESSED",
    "UNCOMPRESSED",
    "KEYWORD_IDS",
    "FIRST_TERM_ID",
    "CONTEXT_IDS",
    "CONTEXTS_BY_ID",
    "URL_SCHEME_IDS",
]

#: A CBOR-LD payload starts with the three bytes ``d9 05 MM``: a 16-bit CBOR tag 0x05MM,
#: where MM is the compression mode.
CBORLD_TAG_HIGH: Final = 0x05
UNCOMPRESSED: Final = 0x00
COMPRESSED: Final = 0x01

#: JSON-LD keywords have fixed even ids; the id + 1 marks a key whose value is an array.
KEYWORD_IDS: Final[dict[str, int]] = {
    "@context": 0, "@type": 2, "@id": 4, "@value": 6, "@direction": 8, "@graph": 10,
    "@included": 12, "@index": 14, "@json": 16, "@language": 18, "@list": 20, "@nest": 22,
    "@reverse": 24, "@base": 26, "@container": 28, "@default": 30, "@embed": 32,
    "@explicit": 34, "@none": 36, "@omitDefault": 38, "@prefix": 40, "@preserve": 42,
    "@protected": 44, "@requireAll": 46, "@set": 48, "@version": 50, "@vocab": 52,
}

#: Terms of the contexts get ids from here on, two apart, in the order they are first met.
FIRST_TERM_ID: Final = 100

#: Context URLs written as one small integer.
CONTEXT_IDS: Final[dict[str, int]] = {
    "https://www.w3.org/ns/activitystreams": 0x10,
    "https://www.w3.org/2018/credentials/v1": 0x11,
    "https://www.w3.org/ns/did/v1": 0x12,
    "https://w3id.org/security/suites/ed25519-2018/v1": 0x13,
    "https://w3id.org/security/suites/ed25519-2020/v1": 0x14,
    "https://w3id.org/cit/v1": 0x15,
    "https://w3id.org/age/v1": 0x16,
    "https://w3id.org/security/suites/x25519-2020/v1": 0x17,
    "https://w3id.org/veres-one/v1": 0x18,
    "https://w3id.org/webkms/v1": 0x19,
    "https://w3id.org/zcap/v1": 0x1A,
    "https://w3id.org/security/suites/hmac-2019/v1": 0x1B,
    "https://w3id.org/security/suites/aes-2019/v1": 0x1C,
    "https://w3id.org/vaccination/v1": 0x1D,
    "https://w3id.org/vc-revocation-list-2020/v1": 0x1E,
    "https://w3id.org/dcc/v1": 0x1F,
    "https://w3id.org/vc/status-list/v1": 0x20,
    "https://w3id.org/security/data-integrity/v1": 0x30,
    "https://w3id.org/security/multikey/v1": 0x31,
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": 0x32,
}
CONTEXTS_BY_ID: Final[dict[int, str]] = {v: k for k, v in CONTEXT_IDS.items()}

#: URL prefixes written as an integer followed by the rest (see :mod:`.codecs`).
URL_SCHEME_IDS: Final[dict[str, int]] = {
    "http://": 1, "https://": 2, "urn:uuid:": 3, "did:v1:nym:": 1024, "did:key:": 1025,
}
