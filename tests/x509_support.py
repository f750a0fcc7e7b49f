"""Self-signed X.509 certificates for the ``x509_san_dns`` tests, made fresh by each test.

``authority()`` is a root CA; ``leaf()`` a verifier certificate with a ``dNSName``, issued by
a CA or self-signed. PEM helpers write what the service reads from its settings.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _builder(key: ec.EllipticCurvePrivateKey, name: str, issuer: x509.Name | None,
             not_before: datetime, days: int) -> x509.CertificateBuilder:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer or subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before - timedelta(days=1))
            .not_valid_after(not_before + timedelta(days=days)))


def authority(not_before: datetime = NOW) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    usage = x509.KeyUsage(digital_signature=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          key_cert_sign=True, crl_sign=True, encipher_only=False,
                          decipher_only=False)
    cert = (_builder(key, "Test Root CA", None, not_before, 3650)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def leaf(dns_name: str, *, ca: tuple[ec.EllipticCurvePrivateKey, x509.Certificate] | None = None,
         not_before: datetime = NOW, days: int = 365
         ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A verifier certificate for ``dns_name``, issued by ``ca`` or else self-signed."""
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (_builder(key, dns_name, ca[1].subject if ca else None, not_before, days)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]),
                              critical=False))
    return key, builder.sign(ca[0] if ca else key, hashes.SHA256())


def pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def pem_certs(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
