"""Where the issuer side of OpenID4VCI keeps its short-lived state: a
:class:`~vcbadges.oauth.store.ProtocolStore` (single-use, expiring JSON entries by
``(kind, key)``), under the kinds below.
"""

from __future__ import annotations

from vcbadges.oauth.store import MemoryStore, ProtocolStore

__all__ = [
    "OID4VCIStore",
    "MemoryStore",
    "OFFER",
    "OFFER_RECORD",
    "PRE_AUTHORIZED_CODE",
    "TX_CODE_ATTEMPT",
    "ACCESS_TOKEN",
    "C_NONCE",
]

#: The store the issuer side needs.
OID4VCIStore = ProtocolStore

# The kinds of entry the protocol core writes.
OFFER = "offer"
#: An offer's lasting record, never consumed: it outlives the offer's single-use entry, so
#: that what became of the offer can still be told (:func:`~vcbadges.oid4vci.offers.
#: offer_progress`).
OFFER_RECORD = "offer_record"
PRE_AUTHORIZED_CODE = "pre-authorized_code"
TX_CODE_ATTEMPT = "tx_code_attempt"
ACCESS_TOKEN = "access_token"
C_NONCE = "c_nonce"
