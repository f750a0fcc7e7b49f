"""Where the verifier side of OpenID4VP keeps its pending requests: a
:class:`~vcbadges.oauth.store.ProtocolStore` (single-use, expiring JSON entries by
``(kind, key)``). The kinds written here are ``vp_request`` (by request id, read while the
request is pending), ``vp_state`` (by ``state``, consumed by the one response a request may
get) and ``vp_result`` (by the request's secret ``transaction_id``, read by the verifier
page).
"""

from __future__ import annotations

from vcbadges.oauth.store import MemoryStore, ProtocolStore

__all__ = ["OID4VPStore", "MemoryStore", "VP_REQUEST", "VP_STATE", "VP_RESULT"]

#: The store the verifier side needs.
OID4VPStore = ProtocolStore

VP_REQUEST = "vp_request"
VP_STATE = "vp_state"
VP_RESULT = "vp_result"
