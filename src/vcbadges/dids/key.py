"""did:key: a DID that is only an encoding of one public key, resolved offline.

The document is built by the did:key spec's "Document Creation Algorithm"
(https://w3c-ccg.github.io/did-key-spec/), steered by its resolution options
(:class:`KeyOptions`). The defaults give the Multikey form with the multikey/v1 context,
which is what the Digital Bazaar driver the W3C suites use returns;
:data:`ED25519_2020` gives the Ed25519VerificationKey2020 form with its derived
X25519KeyAgreementKey2020 key, which older issuers and verifiers still expect.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import base58

from vcbadges.dids.base import DIDDocument, split_did_url, x25519_from_ed25519, x25519_multikey
from vcbadges.errors import DIDResolutionError, KeyFormatError
from vcbadges.primitives.jwk import public_key_to_jwk
from vcbadges.primitives.keys import (
    Ed25519PublicKey,
    SigningPublicKey,
    public_key_from_multikey,
)
from vcbadges.primitives.multibase import b64url_encode

__all__ = [
    "ED25519_2020",
    "KeyDriver",
    "KeyOptions",
    "did_key_document",
    "public_key_from_did_key",
]

_VERIFICATION = ("authentication", "assertionMethod", "capabilityDelegation",
                 "capabilityInvocation")
DID_V1 = "https://www.w3.org/ns/did/v1"


#: How a key that cannot be decoded is reported, in the did:key spec's terms (its "Create"
#: algorithm: ``invalidPublicKeyLength``, ``invalidPublicKey``, ``invalidPublicKeyType``).
#: A multicodec prefix that is unknown or not minimal is an ``invalid_did``: the identifier
#: is then no did:key spelling of any key.
_KEY_ERRORS = {
    "invalid_key_length": "invalid_public_key_length",
    "invalid_key": "invalid_public_key",
    "unsupported_key_type": "invalid_public_key_type",
}


@dataclass(frozen=True)
class _Format:
    """How one ``publicKeyFormat`` writes a signing key, and the key agreement key derived
    from an Ed25519 one: the verification method types, how each carries its key
    (``publicKeyMultibase``, ``publicKeyJwk`` or ``publicKeyBase58``) and the context that
    defines each type (the spec's "Context Creation Algorithm")."""

    signing: str | None
    agreement: str
    material: str
    signing_context: str
    agreement_context: str
    ed25519_only: bool
    experimental: bool


_MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
_JWK_CONTEXT = "https://w3id.org/security/jwk/v1"
_ED2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
_X2020 = "https://w3id.org/security/suites/x25519-2020/v1"
_ED2018 = "https://w3id.org/security/suites/ed25519-2018/v1"
_X2019 = "https://w3id.org/security/suites/x25519-2019/v1"

#: The formats this implementation knows. The spec names ``Multikey``, ``JsonWebKey`` and
#: ``Ed25519VerificationKey2020`` (and ``X25519KeyAgreementKey2020`` for key agreement) as
#: the ones a resolver gives without ``enableExperimentalPublicKeyTypes``;
#: ``Ed25519VerificationKey2018`` (with ``X25519KeyAgreementKey2019``) is the form of the
#: CCG test vectors and of earlier drivers, so it is known but experimental. The 2020 and
#: 2018 signature types have a key agreement counterpart defined by their suites: one
#: ``publicKeyFormat`` names the pair, as the spec's 2020 example document (ed25519-2020
#: and x25519-2020 contexts) shows. The key agreement types alone name no signing key, and
#: every did:key resolved here is one, so asking for them is an ``invalidPublicKeyType``.
_FORMATS: dict[str, _Format] = {
    "Multikey": _Format("Multikey", "Multikey", "publicKeyMultibase",
                        _MULTIKEY_CONTEXT, _MULTIKEY_CONTEXT, False, False),
    "JsonWebKey": _Format("JsonWebKey", "JsonWebKey", "publicKeyJwk",
                          _JWK_CONTEXT, _JWK_CONTEXT, False, False),
    "Ed25519VerificationKey2020": _Format(
        "Ed25519VerificationKey2020", "X25519KeyAgreementKey2020", "publicKeyMultibase",
        _ED2020, _X2020, True, False),
    "X25519KeyAgreementKey2020": _Format(
        None, "X25519KeyAgreementKey2020", "publicKeyMultibase", _X2020, _X2020, True, False),
    "Ed25519VerificationKey2018": _Format(
        "Ed25519VerificationKey2018", "X25519KeyAgreementKey2019", "publicKeyBase58",
        _ED2018, _X2019, True, True),
    "X25519KeyAgreementKey2019": _Format(
        None, "X25519KeyAgreementKey2019", "publicKeyBase58", _X2019, _X2019, True, True),
}


@dataclass(frozen=True)
class KeyOptions:
    """The did:key spec's resolution options, with the defaults it recommends.

    ``public_key_format`` is the verification method type to write; an experimental one is
    refused unless ``enable_experimental_public_key_types``. With
    ``enable_encryption_key_derivation`` an Ed25519 key also gets the X25519 key agreement
    key derived from it. ``default_context`` starts the document's ``@context``; the
    contexts of the types used follow it.
    """

    public_key_format: str = "Multikey"
    enable_experimental_public_key_types: bool = False
    enable_encryption_key_derivation: bool = False
    default_context: tuple[str, ...] = (DID_V1,)

    #: The option names, as resolution options (query parameters) spell them.
    NAMES = ("publicKeyFormat", "enableExperimentalPublicKeyTypes",
             "enableEncryptionKeyDerivation", "defaultContext")

    @classmethod
    def from_strings(cls, values: Mapping[str, Sequence[str]]) -> KeyOptions:
        """Options from their string forms (``defaultContext`` may be given several times,
        the others once); ``invalid_options`` for a value that is not one."""
        def single(name: str) -> str | None:
            given = values.get(name, ())
            if len(given) > 1:
                raise DIDResolutionError(f"{name} is given more than once", code="invalid_options")
            return given[0] if given else None

        def boolean(name: str) -> bool:
            value = single(name)
            if value not in (None, "true", "false"):
                raise DIDResolutionError(f"{name} must be true or false", code="invalid_options")
            return value == "true"

        public_key_format = single("publicKeyFormat")
        if public_key_format == "":
            raise DIDResolutionError("publicKeyFormat is empty", code="invalid_options")
        contexts = tuple(values.get("defaultContext", ())) or (DID_V1,)
        for context in contexts:
            parts = urlsplit(context)
            if parts.scheme not in ("https", "http") or not parts.netloc or len(context) > 2048:
                raise DIDResolutionError(f"defaultContext {context!r} is not an absolute URL",
                                         code="invalid_options")
        return cls(
            public_key_format=public_key_format or "Multikey",
            enable_experimental_public_key_types=boolean("enableExperimentalPublicKeyTypes"),
            enable_encryption_key_derivation=boolean("enableEncryptionKeyDerivation"),
            default_context=contexts,
        )


#: The Ed25519VerificationKey2020 form with its X25519KeyAgreementKey2020 key.
ED25519_2020 = KeyOptions(public_key_format="Ed25519VerificationKey2020",
                          enable_encryption_key_derivation=True)


def public_key_from_did_key(did: str) -> SigningPublicKey:
    """Decode the key a did:key encodes; raise ``DIDResolutionError`` if it cannot.

    ``invalid_did`` for an identifier that is not a did:key's (no ``z`` multibase value,
    digits that are not base58btc, a version segment, an unknown or non-minimal multicodec
    prefix, not the canonical spelling), and the did:key spec's distinctions for a key of
    a known type that is not usable: ``invalid_public_key_length`` and
    ``invalid_public_key`` (not a point on the curve). Only the one
    canonical spelling of a key is a did:key of it: the identifier must be what the key
    encodes to, so no two DIDs (two issuers, to a trust list) share one key.
    """
    did, _ = split_did_url(did)
    method_id = did[len("did:key:"):]
    if not did.startswith("did:key:") or not method_id.startswith("z"):
        raise DIDResolutionError(f"{did} is not a did:key", code="invalid_did")
    try:
        key = public_key_from_multikey(method_id)
    except KeyFormatError as exc:
        raise DIDResolutionError(f"{did} does not encode a supported key: {exc.message}",
                                 code=_KEY_ERRORS.get(exc.code, "invalid_did")) from exc
    if key.to_multikey() != method_id:
        raise DIDResolutionError(f"{did} is not the canonical did:key of its key",
                                 code="invalid_did")
    return key


def _format(options: KeyOptions, key: SigningPublicKey) -> _Format:
    """The format ``options`` asks for, in the order of the spec's checks."""
    name = options.public_key_format
    found = _FORMATS.get(name)
    if found is None:
        raise DIDResolutionError(f"publicKeyFormat {name!r} is not known here",
                                 code="unsupported_public_key_type")
    if found.experimental and not options.enable_experimental_public_key_types:
        raise DIDResolutionError(
            f"publicKeyFormat {name!r} is experimental and enableExperimentalPublicKeyTypes "
            "is not set", code="invalid_public_key_type")
    if found.signing is None:
        raise DIDResolutionError(f"{name} is a key agreement type; a did:key is a signing key",
                                 code="invalid_public_key_type")
    if found.ed25519_only and not isinstance(key, Ed25519PublicKey):
        raise DIDResolutionError(f"{name} cannot hold a {key.algorithm} key",
                                 code="invalid_public_key_type")
    return found


def _material(form: _Format, multikey: str, raw: bytes, jwk: dict[str, str]) -> dict[str, Any]:
    if form.material == "publicKeyMultibase":
        return {"publicKeyMultibase": multikey}
    if form.material == "publicKeyBase58":
        return {"publicKeyBase58": base58.b58encode(raw).decode("ascii")}
    return {"publicKeyJwk": jwk}


@functools.lru_cache(maxsize=1024)
def did_key_document(did: str, options: KeyOptions = KeyOptions()) -> DIDDocument:
    """Build the DID document of a did:key as ``options`` ask.

    Raises ``DIDResolutionError`` with the spec's error for a DID that is not a did:key
    (``invalid_did``), a key that is not usable (``invalid_public_key_length``,
    ``invalid_public_key``, ``invalid_public_key_type``), a format not known here
    (``unsupported_public_key_type``) or one not allowed by the options or not able to hold
    the key (``invalid_public_key_type``).

    The document is a pure function of its inputs, so it is cached: callers must not
    mutate it. The key agreement method is embedded under ``keyAgreement``, as the Digital
    Bazaar driver writes it; the spec's algorithm lists it under ``verificationMethod`` and
    refers to it, which DID Core treats as the same.
    """
    did, _ = split_did_url(did)
    key = public_key_from_did_key(did)
    form = _format(options, key)
    multikey = did[len("did:key:"):]
    signing: dict[str, Any] = {
        "id": f"{did}#{multikey}", "type": form.signing, "controller": did,
        **_material(form, multikey, key.raw, public_key_to_jwk(key)),
    }
    contexts = list(options.default_context)
    used = [form.signing_context]
    raw: dict[str, Any] = {
        "id": did,
        "verificationMethod": [signing],
        **{rel: [signing["id"]] for rel in _VERIFICATION},
    }
    if options.enable_encryption_key_derivation and isinstance(key, Ed25519PublicKey):
        x25519 = x25519_from_ed25519(key)
        x_multikey = x25519_multikey(key)
        raw["keyAgreement"] = [{
            "id": f"{did}#{x_multikey}", "type": form.agreement, "controller": did,
            **_material(form, x_multikey, x25519,
                        {"kty": "OKP", "crv": "X25519", "x": b64url_encode(x25519)}),
        }]
        used.append(form.agreement_context)
    contexts.extend(c for c in dict.fromkeys(used) if c not in contexts)
    return DIDDocument(id=did, raw={"@context": contexts, **raw})


class KeyDriver:
    """did:key driver for ``MethodResolver``: the default form; needs no network."""

    method = "key"

    async def resolve(self, did: str) -> DIDDocument:
        return did_key_document(did)
