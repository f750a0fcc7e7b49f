"""The Open Badges 3.0 API (1EdTech, section "Open Badges API"), both sides, with no web
framework.

As a host, vcbadges serves it for its wallet's holders: a learner connects another badge
host (or any application) to their wallet, which may then read their badges, add badges and
read or update their profile, each under the scope the learner allowed.

- :mod:`~vcbadges.obapi.discovery`: the Service Description Document.
- :mod:`~vcbadges.obapi.registration`: dynamic client registration (RFC 7591).
- :mod:`~vcbadges.obapi.server`: consent, codes with PKCE ``S256``, tokens, refresh,
  revocation, and the bearer check of the resource endpoints.
- :mod:`~vcbadges.obapi.credentials` and :mod:`~vcbadges.obapi.profile`: ``getCredentials``,
  ``upsertCredential``, ``getProfile`` and ``putProfile`` on an open wallet.
- :mod:`~vcbadges.obapi.status`: ``Imsx_StatusInfo``, the error shape of those endpoints.
- :mod:`~vcbadges.obapi.client`: the wallet as a client of another host's API.
"""

from vcbadges.obapi.discovery import API_PATH, Endpoints, service_description
from vcbadges.obapi.scopes import (
    CREDENTIAL_READONLY,
    CREDENTIAL_UPSERT,
    PROFILE_READONLY,
    PROFILE_UPDATE,
    SCOPES,
)
from vcbadges.obapi.server import Grant, OBAuthorizationServer, token_key
from vcbadges.obapi.status import ResourceError, status_info

__all__ = [
    "API_PATH",
    "Endpoints",
    "service_description",
    "CREDENTIAL_READONLY",
    "CREDENTIAL_UPSERT",
    "PROFILE_READONLY",
    "PROFILE_UPDATE",
    "SCOPES",
    "Grant",
    "OBAuthorizationServer",
    "token_key",
    "ResourceError",
    "status_info",
]
