"""Typed Ed25519, P-256 and RSA keys over ``cryptography``, with Multikey encodings.

Keys are objects, never dicts: each public key verifies raw signatures; Ed25519 and P-256 keys
also encode themselves as Multikeys, and each signing key signs and knows the
verification-method id that proofs will name (by default the did:key one, since did:key is
only an encoding of the public key). RSA keys only verify: Open Badges 3.0 names RS256 as the
minimum a VC-JWT verifier accepts, but nothing here issues with RSA.
``verify`` raises :class:`~vcbadges.errors.InvalidProof` and never returns a bool.
"""

from __future__ import annotations

from typing import Literal, Union

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from vcbadges.errors import InvalidProof, KeyFormatError
from vcbadges.primitives import multibase, multicodec

__all__ = [
    "Algorithm",
    "Ed25519PublicKey",
    "P256PublicKey",
    "RSAPublicKey",
    "RSAScheme",
    "Ed25519SigningKey",
    "P256SigningKey",
    "PublicKey",
    "SigningPublicKey",
    "SigningKey",
    "MIN_RSA_BITS",
    "MAX_RSA_BITS",
    "WEAK_RSA_KEY",
    "generate_key",
    "public_key_from_multikey",
    "signing_key_from_multikey",
]

Algorithm = Literal["Ed25519", "P-256"]


def _did_key_vm(multikey: str) -> str:
    return f"did:key:{multikey}#{multikey}"


class Ed25519PublicKey:
    """An Ed25519 public key (32 raw bytes)."""

    algorithm: Algorithm = "Ed25519"
    jose_alg = "EdDSA"
    __slots__ = ("_key", "raw")

    def __init__(self, raw: bytes) -> None:
        if len(raw) != 32:
            raise KeyFormatError("Ed25519 public key must be 32 bytes", code="invalid_key_length")
        self.raw = bytes(raw)
        self._key = ed25519.Ed25519PublicKey.from_public_bytes(self.raw)

    def verify(self, signature: bytes, message: bytes) -> None:
        """Raise ``InvalidProof`` unless ``signature`` is a valid Ed25519 signature of ``message``."""
        try:
            self._key.verify(signature, message)
        except InvalidSignature as exc:
            raise InvalidProof("Ed25519 signature does not verify") from exc

    def to_multikey(self) -> str:
        return multibase.encode(multicodec.add_prefix(multicodec.ED25519_PUB, self.raw))

    @property
    def did_key(self) -> str:
        return "did:key:" + self.to_multikey()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ed25519PublicKey) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash((self.algorithm, self.raw))

    def __repr__(self) -> str:
        return f"Ed25519PublicKey({self.to_multikey()})"


class P256PublicKey:
    """A NIST P-256 public key; ``raw`` is the 33-byte compressed point."""

    algorithm: Algorithm = "P-256"
    jose_alg = "ES256"
    __slots__ = ("_key", "raw")

    def __init__(self, raw: bytes) -> None:
        try:
            self._key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), bytes(raw))
        except ValueError as exc:
            raise KeyFormatError("not a valid P-256 public point", code="invalid_key") from exc
        self.raw = self._key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )

    @property
    def numbers(self) -> ec.EllipticCurvePublicNumbers:
        return self._key.public_numbers()

    def verify(self, signature: bytes, message: bytes) -> None:
        """Verify an IEEE P1363 ``r||s`` ECDSA signature over SHA-256(message); raise ``InvalidProof``."""
        if len(signature) != 64:
            raise InvalidProof("P-256 signature must be 64 bytes (r||s)")
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        try:
            self._key.verify(der, message, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature as exc:
            raise InvalidProof("P-256 signature does not verify") from exc

    def to_multikey(self) -> str:
        return multibase.encode(multicodec.add_prefix(multicodec.P256_PUB, self.raw))

    @property
    def did_key(self) -> str:
        return "did:key:" + self.to_multikey()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, P256PublicKey) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash((self.algorithm, self.raw))

    def __repr__(self) -> str:
        return f"P256PublicKey({self.to_multikey()})"


RSAScheme = Literal["RS256", "PS256"]

# Open Badges 3.0 requires RSA keys of at least 2048 bits. The upper bounds only limit the
# work an attacker-chosen key can cause: real moduli stop at 4096 bits and real exponents are
# 65537 or 3 (BoringSSL refuses exponents beyond 33 bits for the same reason).
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 8192
_MAX_RSA_EXPONENT_BITS = 33
WEAK_RSA_KEY = "weak_rsa_key"
# PKCS #1 v1.5 and PSS, both over SHA-256; PSS with a salt as long as the hash (RFC 7518 §3.5).
_RSA_PADDINGS: dict[str, padding.AsymmetricPadding] = {
    "RS256": padding.PKCS1v15(),
    "PS256": padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
}


class RSAPublicKey:
    """An RSA public key of 2048 to 8192 bits, for RS256 and PS256 signatures.

    Built from the modulus and exponent, so that two encodings of one key (a JWK, a PEM) give
    equal objects and a key can be compared with the one a DID document lists.
    """

    algorithm: Literal["RSA"] = "RSA"
    jose_alg = "RS256"
    __slots__ = ("_key", "e", "n")

    def __init__(self, n: int, e: int) -> None:
        bits = n.bit_length()
        if bits < MIN_RSA_BITS:
            raise KeyFormatError(f"RSA key has {bits} bits, at least {MIN_RSA_BITS} are required",
                                 code=WEAK_RSA_KEY)
        if bits > MAX_RSA_BITS or e.bit_length() > _MAX_RSA_EXPONENT_BITS:
            raise KeyFormatError(f"RSA key has a {bits}-bit modulus or a {e.bit_length()}-bit "
                                 "exponent, beyond what real keys use", code="invalid_key")
        try:
            self._key = rsa.RSAPublicNumbers(e, n).public_key()
        except ValueError as exc:
            raise KeyFormatError("not a valid RSA public key", code="invalid_key") from exc
        self.n = n
        self.e = e

    @classmethod
    def from_pem(cls, pem: bytes) -> RSAPublicKey:
        """Decode a PEM ``PUBLIC KEY`` (SubjectPublicKeyInfo) holding an RSA key."""
        try:
            key = serialization.load_pem_public_key(pem)
        except (ValueError, TypeError) as exc:
            raise KeyFormatError("not a PEM public key", code="invalid_key") from exc
        if not isinstance(key, rsa.RSAPublicKey):
            raise KeyFormatError("the PEM public key is not an RSA key",
                                 code="unsupported_key_type")
        numbers = key.public_numbers()
        return cls(numbers.n, numbers.e)

    @property
    def bits(self) -> int:
        return self.n.bit_length()

    def verify(self, signature: bytes, message: bytes, *, scheme: RSAScheme = "RS256") -> None:
        """Raise ``InvalidProof`` unless ``signature`` is a valid ``scheme`` signature of
        ``message`` (RS256: PKCS #1 v1.5, PS256: PSS, both over SHA-256)."""
        try:
            self._key.verify(signature, message, _RSA_PADDINGS[scheme], hashes.SHA256())
        except (InvalidSignature, ValueError) as exc:
            raise InvalidProof(f"{scheme} signature does not verify") from exc

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RSAPublicKey) and (other.n, other.e) == (self.n, self.e)

    def __hash__(self) -> int:
        return hash((self.algorithm, self.n, self.e))

    def __repr__(self) -> str:
        return f"RSAPublicKey({self.bits} bits, e={self.e}, n=…{self.n & 0xFFFFFFFF:08x})"


#: The public keys of our signing keys: the ones with Multikey and did:key forms.
SigningPublicKey = Union[Ed25519PublicKey, P256PublicKey]
#: Every public key a signature can be checked with.
PublicKey = Union[Ed25519PublicKey, P256PublicKey, RSAPublicKey]


class _SigningKeyBase:
    """Shared behaviour: the verification method a proof names, and a repr that hides secrets."""

    public_key: SigningPublicKey
    verification_method: str

    @property
    def algorithm(self) -> Algorithm:
        return self.public_key.algorithm

    @property
    def jose_alg(self) -> str:
        return self.public_key.jose_alg

    @property
    def controller(self) -> str:
        """The DID (or URL) that controls this key: the verification method without its fragment."""
        return self.verification_method.split("#", 1)[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(verification_method={self.verification_method!r})"


class Ed25519SigningKey(_SigningKeyBase):
    """An Ed25519 private key and the verification method that names its public half."""

    __slots__ = ("_key", "public_key", "verification_method")

    def __init__(
        self, key: ed25519.Ed25519PrivateKey, *, verification_method: str | None = None
    ) -> None:
        self._key = key
        self.public_key: Ed25519PublicKey = Ed25519PublicKey(key.public_key().public_bytes_raw())
        self.verification_method = verification_method or _did_key_vm(self.public_key.to_multikey())

    @classmethod
    def generate(cls) -> Ed25519SigningKey:
        return cls(ed25519.Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes, *, verification_method: str | None = None) -> Ed25519SigningKey:
        if len(seed) != 32:
            raise KeyFormatError("Ed25519 seed must be 32 bytes", code="invalid_key_length")
        return cls(ed25519.Ed25519PrivateKey.from_private_bytes(seed),
                   verification_method=verification_method)

    def with_verification_method(self, verification_method: str) -> Ed25519SigningKey:
        """Return the same key naming another verification method (e.g. a did:web one)."""
        return Ed25519SigningKey(self._key, verification_method=verification_method)

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def private_bytes(self) -> bytes:
        """The 32-byte seed. Hazardous: for key files and Multikey export only."""
        return self._key.private_bytes_raw()

    def to_secret_multikey(self) -> str:
        return multibase.encode(multicodec.add_prefix(multicodec.ED25519_PRIV, self.private_bytes()))

    @property
    def cryptography_key(self) -> ed25519.Ed25519PrivateKey:
        return self._key


class P256SigningKey(_SigningKeyBase):
    """A P-256 private key; signatures are IEEE P1363 ``r||s`` over SHA-256."""

    __slots__ = ("_key", "public_key", "verification_method")

    def __init__(
        self, key: ec.EllipticCurvePrivateKey, *, verification_method: str | None = None
    ) -> None:
        if not isinstance(key.curve, ec.SECP256R1):
            raise KeyFormatError("key is not on the P-256 curve", code="invalid_key")
        self._key = key
        self.public_key: P256PublicKey = P256PublicKey(
            key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
            )
        )
        self.verification_method = verification_method or _did_key_vm(self.public_key.to_multikey())

    @classmethod
    def generate(cls) -> P256SigningKey:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_scalar(cls, scalar: bytes, *, verification_method: str | None = None) -> P256SigningKey:
        if len(scalar) != 32:
            raise KeyFormatError("P-256 private scalar must be 32 bytes", code="invalid_key_length")
        try:
            key = ec.derive_private_key(int.from_bytes(scalar, "big"), ec.SECP256R1())
        except ValueError as exc:
            raise KeyFormatError("P-256 private scalar out of range", code="invalid_key") from exc
        return cls(key, verification_method=verification_method)

    def with_verification_method(self, verification_method: str) -> P256SigningKey:
        """Return the same key naming another verification method (e.g. a did:web one)."""
        return P256SigningKey(self._key, verification_method=verification_method)

    def sign(self, message: bytes) -> bytes:
        der = self._key.sign(message, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def private_bytes(self) -> bytes:
        """The 32-byte private scalar. Hazardous: for key files and Multikey export only."""
        return self._key.private_numbers().private_value.to_bytes(32, "big")

    def to_secret_multikey(self) -> str:
        return multibase.encode(multicodec.add_prefix(multicodec.P256_PRIV, self.private_bytes()))

    @property
    def cryptography_key(self) -> ec.EllipticCurvePrivateKey:
        return self._key


SigningKey = Union[Ed25519SigningKey, P256SigningKey]


def generate_key(algorithm: Algorithm = "Ed25519") -> SigningKey:
    """Generate a new signing key whose verification method is its did:key."""
    if algorithm == "Ed25519":
        return Ed25519SigningKey.generate()
    if algorithm == "P-256":
        return P256SigningKey.generate()
    raise ValueError(f"unsupported key algorithm {algorithm!r}")


def public_key_from_multikey(text: str) -> SigningPublicKey:
    """Decode a ``publicKeyMultibase`` value (Ed25519 ``z6Mk…`` or P-256 ``zDna…``)."""
    code, raw = multicodec.split_prefix(multibase.decode(text))
    if code == multicodec.ED25519_PUB:
        return Ed25519PublicKey(raw)
    if code == multicodec.P256_PUB:
        return P256PublicKey(raw)
    raise KeyFormatError(f"multikey type 0x{code:x} is not a supported public key",
                         code="unsupported_key_type")


def signing_key_from_multikey(text: str, *, verification_method: str | None = None) -> SigningKey:
    """Decode a ``secretKeyMultibase`` value (Ed25519 ``z3u2…`` or P-256 ``z42t…``)."""
    code, raw = multicodec.split_prefix(multibase.decode(text))
    if code == multicodec.ED25519_PRIV:
        return Ed25519SigningKey.from_seed(raw, verification_method=verification_method)
    if code == multicodec.P256_PRIV:
        return P256SigningKey.from_scalar(raw, verification_method=verification_method)
    raise KeyFormatError(f"multikey type 0x{code:x} is not a supported private key",
                         code="unsupported_key_type")
