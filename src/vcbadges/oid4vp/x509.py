"""X.509 certificates for the ``x509_san_dns`` Client Identifier Prefix (OpenID4VP 1.0).

A verifier known by a DNS name signs its Request Objects with the key of a certificate whose
``subjectAltName`` lists that name, and puts the chain in the JOSE ``x5c`` header (RFC 7515
§4.1.6: base64 DER, leaf first). A wallet checks three things before it believes the name:
the chain leads to a certificate it trusts, the leaf lists the name as a ``dNSName``, and the
Request Object is signed by the leaf's key.

Chains are checked with ``cryptography``'s path builder against the wallet's own trust
anchors, at the wallet's ``now``: the CA certificates under the Web PKI rules for CAs (a CA
must be one, by its basic constraints and key usage), the leaf with no extension demanded of
it, since a verifier certificate is not a TLS server certificate and need not carry the
extensions CAs put in those. Whatever the policy accepts, the name check is made here on the
leaf's ``dNSName`` entries, exactly (DNS names compare case-insensitively).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.verification import (
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from vcbadges.errors import KeyFormatError, ProtocolError
from vcbadges.oauth.common import safe_text
from vcbadges.primitives.keys import (
    Ed25519PublicKey,
    Ed25519SigningKey,
    P256PublicKey,
    P256SigningKey,
    PublicKey,
    SigningKey,
)

__all__ = [
    "MAX_CHAIN_LENGTH",
    "load_chain",
    "load_signing_key",
    "dns_names",
    "x5c_header",
    "check_key_matches",
    "verified_leaf_key",
]

#: The longest ``x5c`` chain a wallet reads; real verifier chains have two or three.
MAX_CHAIN_LENGTH = 5


def _invalid(description: str) -> ProtocolError:
    return ProtocolError("invalid_request", description)


def load_chain(pem: bytes) -> list[x509.Certificate]:
    """The certificates of a PEM file, leaf first; ``ValueError`` when it holds none."""
    chain = x509.load_pem_x509_certificates(pem)
    if not chain:
        raise ValueError("the certificate file holds no certificate")
    return chain


def load_signing_key(pem: bytes) -> SigningKey:
    """An unencrypted PEM private key (PKCS#8 or SEC1) as a signing key: Ed25519 or P-256,
    the two key types a Request Object is signed with here (EdDSA, ES256)."""
    key = serialization.load_pem_private_key(pem, password=None)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return Ed25519SigningKey(key)
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return P256SigningKey(key)
    raise ValueError("the certificate key must be an Ed25519 or P-256 private key")


def _public_key(certificate: x509.Certificate) -> PublicKey:
    key = certificate.public_key()
    if isinstance(key, ed25519.Ed25519PublicKey):
        return Ed25519PublicKey(key.public_bytes_raw())
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return P256PublicKey(key.public_bytes(serialization.Encoding.X962,
                                              serialization.PublicFormat.CompressedPoint))
    raise KeyFormatError("the certificate's key is neither Ed25519 nor P-256",
                         code="unsupported_key_type")


def dns_names(certificate: x509.Certificate) -> list[str]:
    """The ``dNSName`` entries of the certificate's subjectAltName, lowercased."""
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return [name.lower() for name in extension.value.get_values_for_type(x509.DNSName)]


def x5c_header(chain: Sequence[x509.Certificate]) -> list[str]:
    """The ``x5c`` header value: each certificate's DER in standard base64, leaf first."""
    return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii")
            for c in chain]


def check_key_matches(chain: Sequence[x509.Certificate], key: SigningKey) -> None:
    """``ValueError`` unless ``key`` is the private key of the chain's leaf certificate."""
    try:
        leaf_key = _public_key(chain[0])
    except KeyFormatError as exc:
        raise ValueError(exc.message) from exc
    if leaf_key != key.public_key:
        raise ValueError("the key is not the key of the leaf certificate")


def _parse_x5c(x5c: object) -> list[x509.Certificate]:
    if not isinstance(x5c, list) or not 0 < len(x5c) <= MAX_CHAIN_LENGTH:
        raise _invalid(f"x5c must be a list of 1 to {MAX_CHAIN_LENGTH} certificates")
    chain = []
    for item in x5c:
        if not isinstance(item, str):
            raise _invalid("each x5c entry is a base64 DER certificate")
        try:
            chain.append(x509.load_der_x509_certificate(base64.b64decode(item, validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise _invalid("an x5c entry is not a base64 DER certificate") from exc
    return chain


def verified_leaf_key(
    x5c: object, *, dns_name: str, trust_anchors: Sequence[x509.Certificate], now: datetime
) -> PublicKey:
    """The public key of the ``x5c`` leaf, once the chain is trusted and names ``dns_name``.

    Raises ``ProtocolError("invalid_request")`` for a malformed ``x5c``, a chain that does
    not lead to one of ``trust_anchors`` (or has expired at ``now``), a leaf whose
    ``dNSName`` entries do not include ``dns_name``, or a leaf key of another type.
    """
    chain = _parse_x5c(x5c)
    if not trust_anchors:
        raise _invalid("this wallet trusts no certificate authority for x509_san_dns")
    leaf = chain[0]
    if dns_name.lower() not in dns_names(leaf):
        raise _invalid(f"the certificate does not name {dns_name} (subjectAltName dNSName)")
    verifier = (PolicyBuilder().store(Store(list(trust_anchors))).time(now)
                .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                                    ee_policy=ExtensionPolicy.permit_all())
                .build_client_verifier())
    try:
        verifier.verify(leaf, chain[1:])
    except VerificationError as exc:
        raise _invalid(safe_text(f"the certificate chain is not trusted: {exc}")) from exc
    try:
        return _public_key(leaf)
    except KeyFormatError as exc:
        raise _invalid(exc.message) from exc
