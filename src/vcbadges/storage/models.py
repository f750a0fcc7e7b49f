"""The tables of the issuer service, declared once for SQLite and PostgreSQL.

Portable column types keep the two dialects equal: :class:`UTCDateTime` refuses naive
datetimes and always returns aware UTC values (SQLite has no time zones),
:class:`JSONDocument` is JSONB on PostgreSQL and JSON text elsewhere, and UUIDs use
SQLAlchemy's ``Uuid`` (native on PostgreSQL, 32 hex characters on SQLite). Enumerations are
strings with named CHECK constraints rather than database enums, so that migrations stay
simple on both dialects (SQLite batch mode recreates tables; PostgreSQL enums need their own
DDL).

Tenant isolation is part of the schema, not only of the queries: a credential's primary key
is ``(tenant_id, id)``, so two tenants may issue the same credential id without either
learning that the other exists; a status allocation points at its list and at its credential
through foreign keys that include ``tenant_id``, so the database itself refuses a credential
of one tenant in another tenant's status list.

The migrations in ``migrations/versions/`` are written by hand from these classes and never
import them (a migration must keep meaning what it meant when it was written);
``tests/storage/test_migrations.py`` checks that the two agree.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

__all__ = [
    "NAMING_CONVENTION",
    "PURPOSES",
    "FORMATS",
    "ACTIONS",
    "ALGORITHMS",
    "UTCDateTime",
    "JSONDocument",
    "Base",
    "Tenant",
    "ApiKey",
    "SigningKeyRecord",
    "Achievement",
    "Credential",
    "StatusList",
    "StatusAllocation",
    "StatusEvent",
    "Challenge",
    "BulkRowRecord",
    "BULK_JOB_KINDS",
    "BULK_JOB_STATES",
    "BulkJob",
    "BulkJobRow",
    "WALLET_RECORD_KINDS",
    "WalletAccount",
    "WalletRecord",
    "ProtocolState",
    "WalletSession",
]

#: Every constraint and index gets a predictable name, which Alembic needs to alter or drop
#: it later (and which SQLite batch migrations need to recreate a table faithfully).
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Bitstring Status List purposes that the issuer allocates.
PURPOSES = ("revocation", "suspension")
#: How a stored credential is secured: a Data Integrity proof or a VC-JWT.
FORMATS = ("di", "jwt")
#: What a status event did.
ACTIONS = ("revoke", "suspend", "unsuspend")
#: Signing key algorithms (the names of :data:`vcbadges.primitives.keys.Algorithm`).
ALGORITHMS = ("Ed25519", "P-256")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC.

    Naive datetimes are refused (``ValueError``) because their meaning depends on the
    server's clock settings. SQLite stores the UTC wall time as text, which sorts correctly;
    PostgreSQL stores ``timestamptz``. Values read back are always aware and in UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: give a timezone-aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class JSONDocument(TypeDecorator[Any]):
    """A JSON value: JSONB on PostgreSQL (indexable, validated), JSON text elsewhere.

    Use it for data we own, such as achievement templates. Issued credentials are not stored
    with it: JSONB normalizes key order and whitespace, and a signed document must be kept
    byte for byte as issued.
    """

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


# An auto-incrementing 64-bit key. SQLite only auto-increments a column declared exactly
# INTEGER PRIMARY KEY (a rowid alias), and SQLite's INTEGER is 64-bit anyway.
_BigIntKey = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """The declarative base of every vcbadges table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
        dict[str, Any]: JSONDocument(),
    }


class Tenant(Base):
    """An issuing organisation: its name (a slug, also used in did:web paths), its DID, and
    the display name people see (its badges' ``issuer.name``; the name when there is none)."""

    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    did: Mapped[str] = mapped_column(String(500), unique=True)
    did_web_host: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=_utcnow)

    def __repr__(self) -> str:
        return f"Tenant(name={self.name!r}, did={self.did!r})"


class ApiKey(Base):
    """A tenant's API key, stored as its prefix (for lookup and audit) and a SHA-256 hash."""

    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(default=_utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:
        return f"ApiKey(prefix={self.prefix!r}, revoked={self.revoked_at is not None})"


class SigningKeyRecord(Base):
    """A tenant's signing key: the public half in clear, the private half wrapped by a KeyStore."""

    __tablename__ = "signing_keys"
    __table_args__ = (CheckConstraint(_in("algorithm", ALGORITHMS), name="algorithm"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"), index=True)
    verification_method: Mapped[str] = mapped_column(String(600), unique=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    public_key_multibase: Mapped[str] = mapped_column(String(200))
    encrypted_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=_utcnow)

    def __repr__(self) -> str:
        return f"SigningKeyRecord(verification_method={self.verification_method!r})"


class Achievement(Base):
    """A tenant's reusable achievement template, named by a slug unique within the tenant."""

    __tablename__ = "achievements"
    __table_args__ = (UniqueConstraint("tenant_id", "slug"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    slug: Mapped[str] = mapped_column(String(100))
    document: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=_utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=_utcnow)


class Credential(Base):
    """An issued credential, kept exactly as issued (JSON text, or the compact JWT).

    ``recipient_email_sealed`` is the e-mail address an award was made to, sealed by the
    issuer's key store (the credential carries it only as a salted hash): the issuer can
    show whom it awarded the badge to without the address lying in the database in clear.
    """

    __tablename__ = "credentials"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "id"),
        CheckConstraint(_in("format", FORMATS), name="format"),
        Index(None, "tenant_id", "issued_at"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    id: Mapped[str] = mapped_column(String(1000))
    subject: Mapped[str | None] = mapped_column(String(1000))
    format: Mapped[str] = mapped_column(String(8))
    document: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(default=_utcnow)
    recipient_email_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)


class StatusList(Base):
    """One Bitstring Status List: ``size`` bits for one purpose, as raw bytes.

    Bit order follows the Bitstring Status List spec: index 0 is the most significant bit of
    byte 0. ``version`` grows with every change (an ETag for the signed list credential);
    ``full`` is set once every index has been allocated, and a new list is opened.
    """

    __tablename__ = "status_lists"
    __table_args__ = (
        CheckConstraint(_in("purpose", PURPOSES), name="purpose"),
        CheckConstraint("size > 0 AND size % 8 = 0", name="size"),
        # The target of the allocations' (status_list_id, tenant_id) foreign key.
        UniqueConstraint("id", "tenant_id"),
        Index(None, "tenant_id", "purpose", "full"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    purpose: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(Integer, default=1)
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=_utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=_utcnow)

    def __repr__(self) -> str:
        return f"StatusList(id={self.id}, purpose={self.purpose!r}, size={self.size})"


# At most one open (not full) list per tenant and purpose: processes that find no open list
# at the same moment try to open one each, and this index lets only the first succeed, so
# they all fill the same list instead of scattering a few credentials over many lists
# (fewer credentials per list would mean less herd privacy for them).
Index("uq_status_lists_open_list", StatusList.tenant_id, StatusList.purpose, unique=True,
      sqlite_where=StatusList.full.is_(False), postgresql_where=StatusList.full.is_(False))


class StatusAllocation(Base):
    """One allocated index of a status list.

    The primary key ``(status_list_id, status_index)`` is the unique constraint that makes
    allocation safe across processes: an index can be inserted once, whoever tries second
    gets nothing and picks another. ``credential_id`` names the credential that uses the
    index; its foreign key is checked at commit, since the credential is stored after the
    index is claimed (it must be signed with its status entry first).
    """

    __tablename__ = "status_allocations"
    __table_args__ = (
        PrimaryKeyConstraint("status_list_id", "status_index"),
        CheckConstraint("status_index >= 0", name="status_index"),
        ForeignKeyConstraint(
            ["status_list_id", "tenant_id"], ["status_lists.id", "status_lists.tenant_id"]
        ),
        # Deferred to the commit: issuance claims the index (naming the credential) before
        # the signed credential exists, and inserts the credential in the same transaction.
        ForeignKeyConstraint(
            ["tenant_id", "credential_id"], ["credentials.tenant_id", "credentials.id"],
            deferrable=True, initially="DEFERRED",
        ),
        Index(None, "tenant_id", "credential_id"),
    )

    status_list_id: Mapped[uuid.UUID] = mapped_column()
    status_index: Mapped[int] = mapped_column(Integer)
    tenant_id: Mapped[uuid.UUID] = mapped_column()
    credential_id: Mapped[str | None] = mapped_column(String(1000))
    allocated_at: Mapped[datetime] = mapped_column(default=_utcnow)


class StatusEvent(Base):
    """One status change: which credential, what was done, by whom, why and when."""

    __tablename__ = "status_events"
    __table_args__ = (
        CheckConstraint(_in("purpose", PURPOSES), name="purpose"),
        CheckConstraint(_in("action", ACTIONS), name="action"),
        ForeignKeyConstraint(
            ["tenant_id", "credential_id"], ["credentials.tenant_id", "credentials.id"]
        ),
        Index(None, "tenant_id", "credential_id"),
    )

    id: Mapped[int] = mapped_column(_BigIntKey, primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column()
    credential_id: Mapped[str] = mapped_column(String(1000))
    purpose: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=_utcnow)


class BulkRowRecord(Base):
    """One issued row of a bulk issuance job: the record that makes a rerun skip the row.

    It is written in the transaction that stores the row's credential, so a row is either
    issued and recorded or neither. The key is the tenant, the job (a key the caller
    chooses) and the row's own id; ``row_digest`` fingerprints the row's data, so that a
    rerun can tell a row that changed since it was issued.
    """

    __tablename__ = "bulk_rows"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "job_key", "row_id"),
        # Deferred to the commit: a job records its rows before it inserts their credentials.
        ForeignKeyConstraint(
            ["tenant_id", "credential_id"], ["credentials.tenant_id", "credentials.id"],
            deferrable=True, initially="DEFERRED",
        ),
        # Without it SQLite scans the whole table for every credential inserted while the
        # foreign key above is pending (issuance would slow down as the table grows).
        Index(None, "tenant_id", "credential_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column()
    job_key: Mapped[str] = mapped_column(String(200))
    row_id: Mapped[str] = mapped_column(String(200))
    credential_id: Mapped[str] = mapped_column(String(1000))
    row_digest: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(default=_utcnow)


#: What a bulk job of the service does.
BULK_JOB_KINDS = ("issue", "revoke")
#: A bulk job's recorded state (a running job whose heartbeat stopped reads as interrupted).
BULK_JOB_STATES = ("running", "done", "failed", "cancelled", "interrupted")


class BulkJob(Base):
    """A bulk issuance or revocation job submitted over HTTP, and its progress.

    The process running the job updates the counts and ``heartbeat_at`` as it goes, so any
    process of the service can answer for it; ``cancel_requested`` is how another process
    asks the running one to stop. ``job_key`` is the key of the issuance rows
    (:class:`BulkRowRecord`): submitting the same key again resumes where a job stopped.
    """

    __tablename__ = "bulk_jobs"
    __table_args__ = (
        CheckConstraint(_in("kind", BULK_JOB_KINDS), name="kind"),
        CheckConstraint(_in("state", BULK_JOB_STATES), name="state"),
        Index(None, "tenant_id", "created_at"),
        Index(None, "tenant_id", "job_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id"))
    kind: Mapped[str] = mapped_column(String(16))
    job_key: Mapped[str] = mapped_column(String(200))
    achievement: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    succeeded: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=_utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=_utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class BulkJobRow(Base):
    """The outcome of one row of a bulk job, numbered in the order rows were settled."""

    __tablename__ = "bulk_job_rows"
    __table_args__ = (PrimaryKeyConstraint("job_id", "seq"),)

    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bulk_jobs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    row_id: Mapped[str] = mapped_column(String(1000))
    credential_id: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)


class Challenge(Base):
    """A verifier's challenge (VC-API ``POST /challenges``): valid until ``expires_at`` and
    usable once; ``used_at`` is set by the one verification that consumes it."""

    __tablename__ = "challenges"

    challenge: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=_utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None] = mapped_column()


#: What a wallet record holds: a credential, or the account's holder key.
WALLET_RECORD_KINDS = ("credential", "holder_key")


class WalletAccount(Base):
    """A holder's wallet: its username and DID (public), the Argon2id parameters and salt of
    its passphrase, and its data key wrapped by the key derived from the passphrase."""

    __tablename__ = "wallet_accounts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    did: Mapped[str] = mapped_column(String(500))
    kdf: Mapped[str] = mapped_column(String(100))
    kdf_salt: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_data_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=_utcnow)

    def __repr__(self) -> str:
        return f"WalletAccount(username={self.username!r}, did={self.did!r})"


class WalletRecord(Base):
    """One sealed wallet record (AES-256-GCM under the account's data key); only its ids,
    kind and time are in clear. The key includes the account, as for issued credentials, so
    a backup restored twice on one instance keeps its record ids in both accounts."""

    __tablename__ = "wallet_records"
    __table_args__ = (
        PrimaryKeyConstraint("account_id", "id"),
        CheckConstraint(_in("kind", WALLET_RECORD_KINDS), name="kind"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("wallet_accounts.id", ondelete="CASCADE"))
    id: Mapped[uuid.UUID] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=_utcnow)


class ProtocolState(Base):
    """A short-lived, single-use OpenID4VC entry (an offer, a pre-authorized code, a
    ``c_nonce``, a pending presentation request, ...): a JSON payload under ``(kind, key)``,
    usable while ``expires_at`` is ahead and ``used_at`` is null. Secrets appear only as
    their SHA-256 in ``key``; ``used_at`` is set by one conditional ``UPDATE``, so an entry
    is consumed once across processes."""

    __tablename__ = "protocol_state"
    __table_args__ = (PrimaryKeyConstraint("kind", "key"),)

    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None] = mapped_column()


class WalletSession(Base):
    """A signed-in wallet session: the SHA-256 of its cookie value, the account, the
    account's data key wrapped under a key derived from the service master key (never in
    clear), and the SHA-256 of its CSRF token."""

    __tablename__ = "wallet_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("wallet_accounts.id", ondelete="CASCADE"), index=True)
    wrapped_data_key: Mapped[bytes] = mapped_column(LargeBinary)
    csrf_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=_utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
