"""Whether an unsigned credential may be signed: the data model's MUSTs an issuer must meet.

A signature makes a credential final: whatever is wrong in it can no longer be fixed, and a
verifier that follows the data model refuses it (vcbadges' own verifier refuses a validity
date that is not an ``xsd:dateTimeStamp``, for one). :func:`check_issuable` therefore refuses,
before anything is signed, what Verifiable Credentials Data Model 2.0 forbids:

- §4.3 and §4.5: the base context first (VCDM 1.1's for 1.1 documents), and a ``type`` that
  includes ``VerifiableCredential``.
- §4.4: every ``id`` (of the credential, a subject, and each object below) a single URL.
- §4.6: ``name`` and ``description`` (of the credential and of its issuer) strings or language
  value objects (``@value`` with optional ``@language`` and ``@direction``, nothing else).
- §4.7: ``issuer`` a URL or an object whose ``id`` is a URL. An absent issuer (or issuer
  ``id``) is not refused here: the signer fills in the key's controller. A present ``null``
  is refused, never replaced.
- §4.8: ``credentialSubject`` present, each subject a non-empty object.
- §4.9: ``validFrom`` and ``validUntil`` (VCDM 1.1: ``issuanceDate`` and ``expirationDate``)
  ``xsd:dateTimeStamp`` values, the start no later than the end.
- §4.5, §4.10, §4.11, §5.4 to §5.6: each ``credentialStatus``, ``credentialSchema``,
  ``refreshService``, ``termsOfUse`` and ``evidence`` object has a ``type``; a
  ``credentialSchema`` also an ``id``.
- §5.3: each ``relatedResource`` an object with a unique URL ``id`` and a well-formed
  ``digestSRI`` or ``digestMultibase``; and where the resource is a context bundled with
  vcbadges, every digest that can be computed for it matches the bytes published at its URL
  (not the bundled copy, which may differ in formatting: see
  :func:`vcbadges.jsonld.contexts.published_sha256`).

Each refusal is a :class:`~vcbadges.errors.CredentialError` whose ``code`` names the rule
(the constants below) and whose message names the field. Pure: nothing is fetched, and a
digest of a resource that is not bundled is only checked for its form. Undefined terms and
redefined protected terms are left to safe-mode JSON-LD, which signing runs anyway.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator, Mapping
from typing import Any

from vcbadges.credentials import vcdm
from vcbadges.errors import CredentialError, KeyFormatError, LoaderError
from vcbadges.jsonld import contexts
from vcbadges.primitives import multibase
from vcbadges.primitives.dates import parse_datetime

__all__ = [
    "check_issuable",
    "MISSING_TYPE",
    "INVALID_ID",
    "INVALID_ISSUER",
    "MISSING_CREDENTIAL_SUBJECT",
    "EMPTY_CREDENTIAL_SUBJECT",
    "INVALID_DATE",
    "INVALID_VALIDITY_PERIOD",
    "INVALID_LANGUAGE_VALUE",
    "INVALID_CREDENTIAL_SCHEMA",
    "INVALID_RELATED_RESOURCE",
    "RELATED_RESOURCE_DIGEST_MISMATCH",
]

#: ``type`` missing where the data model requires it (or without ``VerifiableCredential``).
MISSING_TYPE = "missing_type"
#: An ``id`` that is not a single URL.
INVALID_ID = "invalid_id"
#: ``issuer`` (or its ``id``) that is not a URL, including ``null``.
INVALID_ISSUER = "invalid_issuer"
#: No ``credentialSubject``, or an empty array of them.
MISSING_CREDENTIAL_SUBJECT = "missing_credential_subject"
#: A subject that is not an object, or an object with no claim at all.
EMPTY_CREDENTIAL_SUBJECT = "empty_credential_subject"
#: A validity date that is not an ``xsd:dateTimeStamp``.
INVALID_DATE = "invalid_date"
#: A validity period that ends before it starts.
INVALID_VALIDITY_PERIOD = "invalid_validity_period"
#: ``name`` or ``description`` that is neither a string nor language value objects.
INVALID_LANGUAGE_VALUE = "invalid_language_value"
#: A ``credentialSchema`` object without an ``id``.
INVALID_CREDENTIAL_SCHEMA = "invalid_credential_schema"
#: A ``relatedResource`` that is not an object with a unique URL id and a well-formed digest.
INVALID_RELATED_RESOURCE = "invalid_related_resource"
#: A ``relatedResource`` digest that differs from the published bytes of a bundled context.
RELATED_RESOURCE_DIGEST_MISMATCH = "related_resource_digest_mismatch"

_VERIFIABLE_CREDENTIAL = "VerifiableCredential"
# A URL as the data model means it: a scheme, a colon, and no white space (the same shape
# the OB 3.0 check asks of URI fields; JSON-LD drops relative IRIs when signing).
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
_LANGUAGE_KEYS = frozenset({"@value", "@language", "@direction"})
# The properties whose objects must have a type (§4.5 "Types", and §5.4 to §5.6).
_TYPED = ("credentialStatus", "credentialSchema", "refreshService", "termsOfUse", "evidence")
# Subresource Integrity hash-expression: one of its three algorithms, base64 (standard
# alphabet, padded), and optional "?" options.
_SRI = re.compile(r"^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})(\?[\x21-\x7e]*)?$")
_SRI_LENGTHS = {"sha256": 32, "sha384": 48, "sha512": 64}
# Multihash codes of the digests that can be recomputed here.
_MULTIHASH = {0x12: "sha256", 0x20: "sha384", 0x13: "sha512"}


def _refuse(code: str, message: str) -> CredentialError:
    return CredentialError(f"cannot issue this credential: {message}", code=code)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and _URL.match(value) is not None


def _check_id(node: Mapping[str, Any], path: str) -> None:
    if "id" in node and not _is_url(node["id"]):
        raise _refuse(INVALID_ID, f"{path}.id must be a single URL")


def _check_type(document: Mapping[str, Any]) -> None:
    names = _as_list(document.get("type"))
    if _VERIFIABLE_CREDENTIAL not in names:
        raise _refuse(MISSING_TYPE, "type must include VerifiableCredential")
    if not all(isinstance(name, str) and name for name in names):
        raise _refuse(MISSING_TYPE, "every type must be a non-empty string")


def _check_language_value(value: Any, path: str) -> None:
    for item in _as_list(value):
        if isinstance(item, str):
            continue
        if (not isinstance(item, dict) or not isinstance(item.get("@value"), str)
                or not set(item) <= _LANGUAGE_KEYS
                or any(not isinstance(item[k], str) for k in item)):
            raise _refuse(INVALID_LANGUAGE_VALUE,
                          f"{path} must be a string or language value objects (@value, "
                          "@language, @direction)")


def _check_names(node: Mapping[str, Any], path: str) -> None:
    for name in ("name", "description"):
        if name in node:
            _check_language_value(node[name], f"{path}.{name}" if path else name)


def _check_issuer(document: Mapping[str, Any]) -> None:
    if "issuer" not in document:
        return  # Filled in by the signer with the key's controller.
    issuer = document["issuer"]
    if isinstance(issuer, dict):
        if "id" in issuer and not _is_url(issuer["id"]):
            raise _refuse(INVALID_ISSUER, "issuer.id must be a URL")
        _check_names(issuer, "issuer")
    elif not _is_url(issuer):
        raise _refuse(INVALID_ISSUER, "issuer must be a URL or an object with a URL id")


def _check_subjects(document: Mapping[str, Any]) -> None:
    value = document.get("credentialSubject")
    if value is None or value == []:
        raise _refuse(MISSING_CREDENTIAL_SUBJECT, "credentialSubject is required")
    for i, subject in enumerate(_as_list(value)):
        path = "credentialSubject" if not isinstance(value, list) else f"credentialSubject[{i}]"
        if not isinstance(subject, dict) or not subject:
            raise _refuse(EMPTY_CREDENTIAL_SUBJECT,
                          f"{path} must be an object with at least one claim")
        _check_id(subject, path)


def _check_dates(document: Mapping[str, Any], version: vcdm.Version) -> None:
    start, end = ("validFrom", "validUntil") if version == "2.0" else (
        "issuanceDate", "expirationDate")
    parsed = {}
    for name in (start, end):
        if name in document:
            try:
                parsed[name] = parse_datetime(document[name])
            except ValueError as exc:
                raise _refuse(INVALID_DATE, f"{name} must be an XML Schema dateTimeStamp "
                                            "(a date-time with a time zone)") from exc
    if start in parsed and end in parsed and parsed[start] > parsed[end]:
        raise _refuse(INVALID_VALIDITY_PERIOD, f"{start} is later than {end}")


def _check_typed_objects(document: Mapping[str, Any]) -> None:
    for name in _TYPED:
        if name not in document:
            continue
        value = document[name]
        items = _as_list(value)
        if not items:
            raise _refuse(MISSING_TYPE, f"{name} must hold at least one object")
        for i, item in enumerate(items):
            path = name if not isinstance(value, list) else f"{name}[{i}]"
            if not isinstance(item, dict):
                raise _refuse(MISSING_TYPE, f"{path} must be an object with a type")
            if not any(isinstance(t, str) and t for t in _as_list(item.get("type"))):
                raise _refuse(MISSING_TYPE, f"{path} has no type")
            _check_id(item, path)
            if name == "credentialSchema" and "id" not in item:
                raise _refuse(INVALID_CREDENTIAL_SCHEMA, f"{path} has no id")


# --- relatedResource ---------------------------------------------------------------------


def _published_digest(url: str, algorithm: str) -> bytes | None:
    """The ``algorithm`` digest of the bytes published at ``url`` when vcbadges can know it:
    the url is a bundled context, and either the algorithm is sha256 (recorded for every
    context) or the bundled file is the published bytes. None when it cannot be known."""
    try:
        published = bytes.fromhex(contexts.published_sha256(url))
        data = contexts.context_bytes(url)
    except LoaderError:
        return None
    if algorithm == "sha256":
        return published
    if hashlib.sha256(data).digest() != published:
        return None  # The bundled copy differs in formatting: its digest proves nothing.
    return hashlib.new(algorithm, data).digest()


def _sri_digests(value: Any, path: str) -> Iterator[tuple[str, bytes]]:
    if not isinstance(value, str) or not value.split():
        raise _refuse(INVALID_RELATED_RESOURCE,
                      f"{path}.digestSRI must be Subresource Integrity hash expressions")
    for expression in value.split():
        match = _SRI.match(expression)
        digest = None
        if match is not None:
            try:
                digest = base64.b64decode(match.group(2), validate=True)
            except (binascii.Error, ValueError):
                digest = None
        if match is None or digest is None or len(digest) != _SRI_LENGTHS[match.group(1)]:
            raise _refuse(INVALID_RELATED_RESOURCE,
                          f"{path}.digestSRI {expression!r} is not a sha256, sha384 or "
                          "sha512 hash expression")
        yield match.group(1), digest


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """An unsigned varint at ``at``: (value, next offset); ``ValueError`` if cut short."""
    value = shift = 0
    while at < len(data) and shift < 63:
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if not byte & 0x80:
            return value, at
        shift += 7
    raise ValueError("truncated varint")


def _multibase_digests(value: Any, path: str) -> Iterator[tuple[str | None, bytes]]:
    values = _as_list(value)
    if not values:
        raise _refuse(INVALID_RELATED_RESOURCE, f"{path}.digestMultibase is empty")
    for text in values:
        try:
            raw = multibase.decode(text)
            code, at = _varint(raw, 0)
            length, at = _varint(raw, at)
        except (KeyFormatError, ValueError):
            raw, code, length, at = b"", 0, -1, 0
        if length <= 0 or len(raw) - at != length:
            raise _refuse(INVALID_RELATED_RESOURCE,
                          f"{path}.digestMultibase {text!r} is not a multibase-encoded "
                          "multihash")
        algorithm = _MULTIHASH.get(code)
        if algorithm is not None and length != _SRI_LENGTHS[algorithm]:
            raise _refuse(INVALID_RELATED_RESOURCE,
                          f"{path}.digestMultibase {text!r} has the wrong {algorithm} length")
        yield algorithm, raw[at:]


def _check_related_resources(document: Mapping[str, Any]) -> None:
    if "relatedResource" not in document:
        return
    value = document["relatedResource"]
    items = _as_list(value)
    if not items:
        raise _refuse(INVALID_RELATED_RESOURCE, "relatedResource must hold at least one object")
    seen: set[str] = set()
    for i, item in enumerate(items):
        path = "relatedResource" if not isinstance(value, list) else f"relatedResource[{i}]"
        if not isinstance(item, dict):
            raise _refuse(INVALID_RELATED_RESOURCE, f"{path} must be an object")
        url = item.get("id")
        if not isinstance(url, str) or not _is_url(url):
            raise _refuse(INVALID_RELATED_RESOURCE, f"{path}.id must be a URL")
        if url in seen:
            raise _refuse(INVALID_RELATED_RESOURCE, f"{path}.id {url} appears twice")
        seen.add(url)
        if "mediaType" in item and not isinstance(item["mediaType"], str):
            raise _refuse(INVALID_RELATED_RESOURCE, f"{path}.mediaType must be a string")
        if "digestSRI" not in item and "digestMultibase" not in item:
            raise _refuse(INVALID_RELATED_RESOURCE,
                          f"{path} needs a digestSRI or a digestMultibase")
        digests: list[tuple[str | None, bytes]] = []
        if "digestSRI" in item:
            digests.extend(_sri_digests(item["digestSRI"], path))
        if "digestMultibase" in item:
            digests.extend(_multibase_digests(item["digestMultibase"], path))
        for algorithm, digest in digests:
            expected = None if algorithm is None else _published_digest(url, algorithm)
            if expected is not None and digest != expected:
                raise _refuse(RELATED_RESOURCE_DIGEST_MISMATCH,
                              f"{path}: the {algorithm} digest does not match {url} as "
                              "published")


# --- the check ---------------------------------------------------------------------------


def check_issuable(credential: Mapping[str, Any]) -> None:
    """Raise :class:`~vcbadges.errors.CredentialError` if ``credential`` must not be signed.

    ``credential`` is unsigned, before the signer fills in what it may (``id``, the issuer,
    the start of validity): those may be absent, never present and malformed. The error's
    ``code`` is one of this module's constants, or ``missing_context`` when the first
    ``@context`` is not a VC base context. Returns None for a credential that may be signed.
    """
    document = dict(credential)
    version = vcdm.version_of(document)
    _check_type(document)
    _check_id(document, "credential")
    _check_names(document, "")
    _check_issuer(document)
    _check_subjects(document)
    _check_dates(document, version)
    _check_typed_objects(document)
    _check_related_resources(document)
