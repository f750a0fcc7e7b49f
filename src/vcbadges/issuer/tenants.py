"""Tenants: issuing organisations, their API keys, signing keys and DIDs.

A tenant is created with one signing key and one API key. The API key is returned once and
only its SHA-256 hash is stored; the signing key is stored wrapped by a
:class:`~vcbadges.issuer.keystore.KeyStore`.

DIDs. By default a tenant's DID is the did:key of its signing key (nothing to host). With
``did_web_host`` the DID is ``did:web:<host>:<name>``, resolved from
``https://<host>/<name>/did.json``, and the key is ``<did>#key-1``. The tenant name is
always in the DID so that one host serves any number of tenants, each with its own document
(the bare ``did:web:<host>``, served at ``/.well-known/did.json``, could name only one
tenant per host). A port in the host is percent-encoded as did:web requires
(``localhost:8080`` gives ``did:web:localhost%3A8080:<name>``).

Tenant names are slugs (lowercase letters, digits and inner hyphens, at most 63
characters), because they appear in did:web identifiers and URL paths. What people see is
the tenant's **display name** ("Riverside College", at most 200 characters): the
``issuer.name`` (Open Badges ``Profile.name``) of the badges it awards and the issuer name
in its OpenID4VCI metadata. A tenant without one shows its name (:func:`display_name_of`).

:class:`Tenant` is storage's frozen :class:`~vcbadges.storage.records.TenantRecord`: a value
that can be held after its transaction ends, and changed only through these functions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from datetime import datetime
from typing import Any

from vcbadges.errors import StorageError
from vcbadges.issuer.keystore import KeyStore
from vcbadges.primitives.dates import utcnow
from vcbadges.primitives.keys import Algorithm, SigningKey, generate_key
from vcbadges.storage import queries
from vcbadges.storage.db import Session
from vcbadges.storage.records import StoredSigningKey, TenantRecord as Tenant

__all__ = [
    "Tenant",
    "API_KEY_MARKER",
    "MAX_DISPLAY_NAME",
    "is_tenant_name",
    "display_name_of",
    "create_tenant",
    "create_api_key",
    "revoke_api_key",
    "authenticate",
    "api_key_prefix",
    "api_key_digest",
    "tenant_by_name",
    "signing_key",
    "did_web",
    "did_web_path",
    "did_document",
]

#: Every API key starts with this, so secret scanners and people can recognise one.
API_KEY_MARKER = "vcb_"
# The marker plus 12 base64url characters (72 random bits): public, unique, used to find
# the key's row and to name the key in audit records.
_PREFIX_LENGTH = len(API_KEY_MARKER) + 12
_SECRET_BYTES = 32
_API_KEY_LENGTH = len(API_KEY_MARKER) + 43  # 32 bytes in unpadded base64url

_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_HOST = re.compile(
    r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::[0-9]{1,5})?$"
)
_DID_WEB_KEY_FRAGMENT = "key-1"
#: The longest display name a tenant may have.
MAX_DISPLAY_NAME = 200


def is_tenant_name(name: object) -> bool:
    """True when ``name`` is a well-formed tenant name (a slug). Check a name taken from a
    URL with this before looking it up: anything else names no tenant, and some values (a
    NUL character) cannot even be sent to PostgreSQL."""
    return isinstance(name, str) and _NAME.fullmatch(name) is not None


def display_name_of(tenant: Tenant) -> str:
    """The name to show people for ``tenant``: its display name, else its name."""
    return tenant.display_name or tenant.name


def _display_name(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else ""
    if not 0 < len(text) <= MAX_DISPLAY_NAME or not text.isprintable():
        raise ValueError(f"a display name is 1 to {MAX_DISPLAY_NAME} printable characters")
    return text


def api_key_digest(api_key: str) -> bytes:
    """SHA-256 of the whole key.

    A fast hash is enough here, unlike for passwords: the key holds 256 random bits (at
    least 184 of them outside the public prefix), so nobody can search for a key that
    matches a leaked hash, however fast the hash. A slow password hash (Argon2, bcrypt)
    would only add tens of milliseconds to every authenticated request.
    """
    return hashlib.sha256(api_key.encode("ascii")).digest()


def _new_api_key() -> tuple[str, str, bytes]:
    secret = base64.urlsafe_b64encode(secrets.token_bytes(_SECRET_BYTES)).rstrip(b"=")
    api_key = API_KEY_MARKER + secret.decode("ascii")
    return api_key, api_key[:_PREFIX_LENGTH], api_key_digest(api_key)


def api_key_prefix(api_key: str) -> str | None:
    """The public prefix of a well-formed API key (for audit records), else None."""
    if (len(api_key) != _API_KEY_LENGTH or not api_key.startswith(API_KEY_MARKER)
            or not api_key.isascii()):
        return None
    return api_key[:_PREFIX_LENGTH]


def did_web(host: str, name: str) -> str:
    """The did:web of tenant ``name`` on ``host`` (``host[:port]``, lower-cased)."""
    host = host.lower()
    if len(host) > 253 or not _HOST.match(host):
        raise ValueError(f"{host!r} is not a host name (with an optional port) for did:web")
    if not is_tenant_name(name):
        raise ValueError(f"{name!r} is not a tenant name")
    return f"did:web:{host.replace(':', '%3A')}:{name}"


def did_web_path(tenant: Tenant) -> str | None:
    """The URL path at which the tenant's did:web document must be served, or None.

    ``did:web:<host>:<name>`` resolves to ``https://<host>/<name>/did.json``.
    """
    if tenant.did_web_host is None:
        return None
    return f"/{tenant.name}/did.json"


async def create_tenant(
    session: Session,
    name: str,
    *,
    keystore: KeyStore,
    algorithm: Algorithm = "Ed25519",
    did_web_host: str | None = None,
    display_name: str | None = None,
    now: datetime | None = None,
) -> tuple[Tenant, str]:
    """Create a tenant with a new signing key and API key; return both, the key in clear.

    ``display_name`` (1 to 200 printable characters, trimmed) is what people see of the
    tenant; without one they see ``name``. The API key is shown only here: the database
    keeps its hash. Nothing is committed (the caller's transaction decides). Raises
    ``ValueError`` for a name that is not a slug, a bad display name, an unknown algorithm
    or a bad host, and ``StorageError`` (``conflict``) when the name is taken.
    """
    if not is_tenant_name(name):
        raise ValueError(
            f"{name!r} is not a tenant name: use lowercase letters, digits and inner hyphens, "
            "at most 63 characters")
    shown = _display_name(display_name)
    if algorithm not in ("Ed25519", "P-256"):
        raise ValueError(f"unsupported key algorithm {algorithm!r}")
    when = now or utcnow()
    if await queries.tenant_by_name(session, name) is not None:
        raise StorageError(f"a tenant named {name!r} already exists", code="conflict")
    tenant_id = uuid.uuid4()
    key = generate_key(algorithm)
    host: str | None = None
    if did_web_host is not None:
        host = did_web_host.lower()
        did = did_web(host, name)
        key = key.with_verification_method(f"{did}#{_DID_WEB_KEY_FRAGMENT}")
    else:
        did = key.controller
    tenant = Tenant(id=tenant_id, name=name, display_name=shown, did=did, did_web_host=host,
                    created_at=when)
    await queries.add_tenant(session, tenant)
    await queries.add_signing_key(session, await _stored_key(key, tenant_id, keystore, when))
    api_key = await _add_api_key(session, tenant_id, when)
    return tenant, api_key


async def _stored_key(
    key: SigningKey, tenant_id: uuid.UUID, keystore: KeyStore, when: datetime
) -> StoredSigningKey:
    return StoredSigningKey(
        tenant_id=tenant_id,
        verification_method=key.verification_method,
        algorithm=key.algorithm,
        public_key_multibase=key.public_key.to_multikey(),
        encrypted_private_key=await keystore.wrap(key, tenant_id=str(tenant_id)),
        created_at=when,
    )


async def _add_api_key(session: Session, tenant_id: uuid.UUID, when: datetime) -> str:
    api_key, prefix, digest = _new_api_key()
    await queries.add_api_key(session, tenant_id, prefix, digest, when)
    return api_key


async def create_api_key(session: Session, tenant: Tenant, *, now: datetime | None = None) -> str:
    """Add another API key to the tenant (for rotation) and return it in clear, once."""
    return await _add_api_key(session, tenant.id, now or utcnow())


async def revoke_api_key(
    session: Session, tenant: Tenant, prefix: str, *, now: datetime | None = None
) -> bool:
    """Revoke the tenant's key with this prefix; False if the tenant has no such live key."""
    return await queries.revoke_api_key(session, tenant.id, prefix, now or utcnow())


async def authenticate(session: Session, api_key: str) -> Tenant | None:
    """The tenant whose live API key this is, or None (unknown, malformed or revoked).

    The key's row is found by its public prefix; the hash is then compared in constant
    time, so response times say nothing about how much of a guessed secret was right.
    """
    prefix = api_key_prefix(api_key)
    if prefix is None:
        return None
    record = await queries.api_key_by_prefix(session, prefix)
    digest = api_key_digest(api_key)
    expected = record.hash if record is not None else bytes(len(digest))
    if not hmac.compare_digest(expected, digest):
        return None
    if record is None or record.revoked_at is not None:
        return None
    return await queries.get_tenant(session, record.tenant_id)


async def tenant_by_name(session: Session, name: str) -> Tenant | None:
    """The tenant with this name (for did:web hosting and the CLI), or None (also for a
    string that is not a tenant name, which is never looked up)."""
    if not is_tenant_name(name):
        return None
    return await queries.tenant_by_name(session, name)


async def signing_key(session: Session, tenant: Tenant, keystore: KeyStore) -> SigningKey:
    """The tenant's current signing key, unwrapped; ``StorageError`` if it has none or the
    key store refuses the stored blob."""
    records = await queries.signing_keys(session, tenant.id)
    if not records:
        raise StorageError(f"tenant {tenant.name!r} has no signing key", code="no_signing_key")
    record = records[0]
    key = await keystore.unwrap(record.encrypted_private_key, tenant_id=str(tenant.id),
                                verification_method=record.verification_method)
    if key.public_key.to_multikey() != record.public_key_multibase:
        raise StorageError("the stored signing key does not match its public key",
                           code="key_unwrap_failed")
    return key


async def did_document(session: Session, tenant: Tenant) -> dict[str, Any] | None:
    """The DID document to serve for a did:web tenant, or None for a did:key tenant.

    Every signing key of the tenant is listed as a ``Multikey`` verification method, for
    ``assertionMethod`` (signing credentials and status lists) and ``authentication``.
    """
    if tenant.did_web_host is None:
        return None
    records = await queries.signing_keys(session, tenant.id)
    methods = [
        {"id": r.verification_method, "type": "Multikey", "controller": tenant.did,
         "publicKeyMultibase": r.public_key_multibase}
        for r in records
    ]
    ids = [m["id"] for m in methods]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": tenant.did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": list(ids),
    }
