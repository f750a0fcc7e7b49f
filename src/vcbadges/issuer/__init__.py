"""The issuing service core: tenants, keys, status lists and issuance, with no web framework.

:class:`~vcbadges.issuer.service.IssuerService` is the front ends' way in: it owns its
transactions (issuance signs first, then shares commits with concurrent requests; status
changes commit, then tell the status list publisher) and returns dataclasses. The
functions listed below take an async session (see :mod:`vcbadges.storage`) and never
commit, for callers that compose their own transaction. Tenant data is always read
through the tenant, so one tenant cannot see, sign as or change another's. What they read
from storage (a :class:`~vcbadges.issuer.tenants.Tenant`, a status list, a job) is a frozen
value of :mod:`vcbadges.storage.records`, never an ORM row.

- :mod:`~vcbadges.issuer.keystore`: :class:`KeyStore` and the AES-GCM :class:`MasterKeyStore`.
- :mod:`~vcbadges.issuer.tenants`: :func:`create_tenant`, :func:`authenticate`,
  :func:`signing_key`, :func:`did_document`.
- :mod:`~vcbadges.issuer.status`: :func:`allocate_index`, :func:`set_status`,
  :func:`revoke`, :func:`suspend`, :func:`unsuspend`.
- :mod:`~vcbadges.issuer.issuance`: :func:`issue_for_tenant`, :func:`get_credential`.
- :mod:`~vcbadges.issuer.allocator`: the status-index allocator of the service and of bulk
  issuance (:mod:`~vcbadges.issuer.bulk`); :mod:`~vcbadges.issuer.commits`: commit batching.
"""

from vcbadges.issuer.issuance import (
    StoredCredential,
    get_credential,
    issue_for_tenant,
    list_credentials,
)
from vcbadges.issuer.keystore import KeyStore, MasterKeyStore, load_or_create_master_key
from vcbadges.issuer.status import (
    DEFAULT_LIST_SIZE,
    StatusChange,
    allocate_index,
    credential_status,
    get_status_list,
    revoke,
    set_status,
    status_events,
    status_list_url,
    suspend,
    unsuspend,
)
from vcbadges.issuer.tenants import (
    api_key_prefix,
    authenticate,
    create_api_key,
    create_tenant,
    did_document,
    revoke_api_key,
    signing_key,
    tenant_by_name,
)

__all__ = [
    "KeyStore",
    "MasterKeyStore",
    "load_or_create_master_key",
    "create_tenant",
    "create_api_key",
    "revoke_api_key",
    "authenticate",
    "api_key_prefix",
    "tenant_by_name",
    "signing_key",
    "did_document",
    "DEFAULT_LIST_SIZE",
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
    "StoredCredential",
    "issue_for_tenant",
    "get_credential",
    "list_credentials",
]
