"""Status lists on the issuer side: allocate indexes, flip bits, record who did it.

Allocation. Each credential gets a random index (from :mod:`secrets`) in the tenant's current
list of a purpose, as the Bitstring Status List spec recommends so that an index says
nothing about when or to whom a credential was issued. The index is claimed by inserting a
``status_allocations`` row whose primary key is ``(status_list_id, status_index)``: the
database's unique constraint, not any lock in this process, guarantees that two processes
never get the same index. A taken index is simply tried again with another random one. When
a list fills up (many random tries collide, and a count confirms that no index is left), it
is marked full and a new list is opened. A partial unique index allows one open list per
tenant and purpose, so processes that find the list full at the same moment all move on to
the same new list.

Changes. :func:`set_status` (and :func:`revoke`, :func:`suspend`, :func:`unsuspend`) locks
the list row, flips one bit, bumps the list's ``version`` (which the web layer uses as the
ETag of the signed list credential, re-signed on change) and records a ``status_events``
row: the credential, the action, the actor (``key:<uuid>``, the id of the API key's row, or
``cli``; never any part of a key), the reason and the time. Revocation is permanent, as
the spec defines it; suspension can be lifted.

Bits are raw bytes, bit 0 being the most significant bit of byte 0; the bit operations are
those of :mod:`vcbadges.status.bitstring`.

Nothing here commits: the caller's transaction holds the allocation together with the
credential that uses it, or the bit change together with its event.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from vcbadges.errors import StatusError, StorageError
from vcbadges.issuer.tenants import Tenant
from vcbadges.primitives.dates import utcnow
from vcbadges.status import bitstring
from vcbadges.storage import queries
from vcbadges.storage.db import Session
from vcbadges.storage.records import StatusEventRecord, StatusListRecord

__all__ = [
    "DEFAULT_LIST_SIZE",
    "StatusPurpose",
    "StatusChange",
    "status_list_url",
    "allocate_index",
    "set_status",
    "revoke",
    "suspend",
    "unsuspend",
    "get_status_list",
    "credential_status",
    "status_events",
]

StatusPurpose = Literal["revocation", "suspension"]

#: The spec's minimum list length (131,072 entries, 16 KiB), our default for new lists.
DEFAULT_LIST_SIZE = bitstring.MIN_LIST_ENTRIES

# Random tries before suspecting that the list is nearly full. At 90% occupancy eight tries
# all collide with probability 0.9**8 = 43%; below 50% occupancy, 0.4%.
_RANDOM_TRIES = 8


def status_list_url(base_url: str, list_id: uuid.UUID) -> str:
    """The URL a status list credential is served at: ``{base_url}/issuer/status/{list_id}``.

    ``base_url`` is the service's public origin (and path prefix, if any), without a
    trailing slash; list ids are UUIDs, unique across tenants, so the URL needs no tenant.
    """
    return f"{base_url.rstrip('/')}/issuer/status/{list_id}"


@dataclass(frozen=True)
class StatusChange:
    """The outcome of a status change.

    ``changed`` is False when the credential already had that status: then nothing was
    written, no event recorded, and the list's version is unchanged.
    """

    credential_id: str
    purpose: StatusPurpose
    status_list: StatusListRecord
    index: int
    value: bool
    changed: bool


def _check_purpose(purpose: str) -> StatusPurpose:
    if purpose == "revocation":
        return "revocation"
    if purpose == "suspension":
        return "suspension"
    raise ValueError(f"status purpose must be revocation or suspension, not {purpose!r}")


async def allocate_index(
    session: Session,
    tenant: Tenant,
    purpose: StatusPurpose,
    *,
    credential_id: str | None = None,
    size: int = DEFAULT_LIST_SIZE,
    now: datetime | None = None,
) -> tuple[StatusListRecord, int]:
    """Claim a free random index in the tenant's current list of ``purpose``.

    ``credential_id`` names the credential the index is for; it may be one this transaction
    inserts later (the database checks it at commit), as :func:`issue_for_tenant` does.

    ``size`` is the number of entries of a list opened here when the tenant has no list of
    this purpose with room left (existing lists keep their size). Lists smaller than the
    spec's 131,072 entries are for tests: their list credential would be refused by
    verifiers, and :func:`vcbadges.status.bitstring.status_list_credential` will not build
    one.

    The allocation is only reserved until the caller's transaction ends: committed, it is
    the credential's for good; rolled back, the index is free again.
    """
    purpose = _check_purpose(purpose)
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0 or size % 8:
        raise ValueError("a status list size must be a positive multiple of 8")
    when = now or utcnow()
    # Each pass either returns or marks one list full, and a newly opened list is empty, so
    # a handful of passes always suffices; the bound only guards against a broken database.
    for _ in range(16):
        status_list = await queries.current_status_list(session, tenant.id, purpose)
        if status_list is None:
            # Whether this call or a concurrent one opens it, read the one open list.
            await queries.open_status_list(session, tenant.id, purpose, size, when)
            status_list = await queries.current_status_list(session, tenant.id, purpose)
            if status_list is None:
                continue
        for _ in range(_RANDOM_TRIES):
            index = secrets.randbelow(status_list.size)
            if await queries.claim_index(session, tenant.id, status_list.id, index, when,
                                        credential_id):
                return status_list, index
        # Many collisions: the list is nearly full. Choose among the indexes still free.
        taken = await queries.allocated_indexes(session, status_list.id)
        free = [i for i in range(status_list.size) if i not in taken]
        while free:
            index = free.pop(secrets.randbelow(len(free)))
            if await queries.claim_index(session, tenant.id, status_list.id, index, when,
                                        credential_id):
                return status_list, index
        await queries.mark_full(session, status_list.id, when)
    raise StorageError("could not allocate a status list index", code="allocation_failed")


async def set_status(
    session: Session,
    tenant: Tenant,
    credential_id: str,
    *,
    purpose: StatusPurpose,
    value: bool,
    actor: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> StatusChange:
    """Set the credential's ``purpose`` bit to ``value`` and record the change.

    Only the tenant's own credentials are found: another tenant's credential id gives the
    same ``StorageError`` (code ``not_found``) as an id that does not exist, so the call
    reveals nothing about other tenants. Raises ``StatusError`` with code
    ``no_status_entry`` when the credential was issued without an entry for ``purpose``,
    and ``revocation_is_permanent`` for an attempt to clear a revocation.
    """
    purpose = _check_purpose(purpose)
    if not actor or len(actor) > 64:
        raise ValueError("actor must be 1 to 64 characters (an API key id, or 'cli')")
    if purpose == "revocation" and not value:
        raise StatusError("a revocation is permanent and cannot be undone",
                          code="revocation_is_permanent")
    when = now or utcnow()
    allocations = await queries.allocations_of(session, tenant.id, credential_id)
    if not allocations and await queries.get_credential(session, tenant.id, credential_id) is None:
        raise StorageError("no such credential", code="not_found")
    match = [(a, lst) for a, lst in allocations if lst.purpose == purpose]
    if not match:
        raise StatusError(f"the credential was issued without a {purpose} status entry",
                          code="no_status_entry")
    allocation, _ = match[0]
    status_list = await queries.lock_status_list(session, tenant.id, allocation.status_list_id)
    if status_list is None:  # The foreign key makes this impossible; keep the types honest.
        raise StorageError("the credential's status list is missing", code="not_found")
    index = allocation.status_index
    bits = bytearray(status_list.bits)
    if bool(bitstring.get_status(bits, index)) == value:
        return StatusChange(credential_id, purpose, status_list, index, value, changed=False)
    bitstring.set_status(bits, index, int(value))
    status_list = replace(status_list, bits=bytes(bits), version=status_list.version + 1,
                          updated_at=when)
    await queries.write_status_bits(session, status_list.id, status_list.bits,
                                    status_list.version, when)
    action = "unsuspend" if not value else ("revoke" if purpose == "revocation" else "suspend")
    await queries.add_status_event(session, StatusEventRecord(
        tenant_id=tenant.id, credential_id=credential_id, purpose=purpose, action=action,
        actor=actor, reason=reason, at=when))
    return StatusChange(credential_id, purpose, status_list, index, value, changed=True)


async def revoke(
    session: Session, tenant: Tenant, credential_id: str, *, actor: str,
    reason: str | None = None, now: datetime | None = None,
) -> StatusChange:
    """Revoke the tenant's credential for good (see :func:`set_status`)."""
    return await set_status(session, tenant, credential_id, purpose="revocation", value=True,
                            actor=actor, reason=reason, now=now)


async def suspend(
    session: Session, tenant: Tenant, credential_id: str, *, actor: str,
    reason: str | None = None, now: datetime | None = None,
) -> StatusChange:
    """Suspend the tenant's credential until :func:`unsuspend` (see :func:`set_status`)."""
    return await set_status(session, tenant, credential_id, purpose="suspension", value=True,
                            actor=actor, reason=reason, now=now)


async def unsuspend(
    session: Session, tenant: Tenant, credential_id: str, *, actor: str,
    reason: str | None = None, now: datetime | None = None,
) -> StatusChange:
    """Lift a suspension (see :func:`set_status`)."""
    return await set_status(session, tenant, credential_id, purpose="suspension", value=False,
                            actor=actor, reason=reason, now=now)


async def get_status_list(session: Session, list_id: uuid.UUID) -> StatusListRecord | None:
    """A status list by id, for serving its credential.

    Not filtered by tenant, on purpose: status lists are public documents that verifiers
    fetch without credentials. Sign the list with the key of ``status_list.tenant_id``.
    """
    return await queries.get_status_list(session, list_id)


async def credential_status(
    session: Session, tenant: Tenant, credential_id: str
) -> dict[StatusPurpose, bool] | None:
    """The current bit of each of the credential's status entries, or None if the tenant
    has no such credential."""
    allocations = await queries.allocations_of(session, tenant.id, credential_id)
    if not allocations and await queries.get_credential(session, tenant.id, credential_id) is None:
        return None
    return {_check_purpose(lst.purpose): bool(bitstring.get_status(lst.bits, a.status_index))
            for a, lst in allocations}


async def status_events(
    session: Session, tenant: Tenant, credential_id: str
) -> list[StatusEventRecord]:
    """The tenant's recorded status changes of one credential, oldest first."""
    return await queries.status_events(session, tenant.id, credential_id)
