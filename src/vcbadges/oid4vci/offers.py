"""Credential Offers for the pre-authorized code flow (OpenID4VCI 1.0, "Credential Offer").

An offer is made for an **award**: a JSON object the caller defines (for example the tenant
and the unsigned credential, or the id of a pending award row). The protocol core never looks
inside it; it hands it back to the caller's ``issue_fn`` when the wallet asks for the
credential (see :mod:`vcbadges.oid4vci.credential`).

Two steps, so that a pre-authorized code exists only once someone has fetched the offer:

1. :func:`create_offer` records the offer (and, on request, a 4-6 digit Transaction Code, the
   PIN the holder receives over a second channel) and returns its id, its
   ``openid-credential-offer://?credential_offer_uri=...`` URI for the QR code, and the PIN.
2. :func:`serve_offer` answers the wallet's GET on the ``credential_offer_uri``: it consumes
   the offer (an offer URL works once, so only one party ever sees its code), mints a
   high-entropy pre-authorized code that is short lived and single use ("Credential Offer
   Parameters"), and returns the Credential Offer object.

An offer may also describe what it offers, for the wallet's consent screen: ``display``
becomes the offer's ``credential_display`` parameter, ``{configuration id: [display
object, ...]}``, each object shaped as the ``credential_metadata.display`` entries of the
issuer metadata (``name``, ``description``, ``logo: {"uri", "alt_text"?}``, ``locale``). The
metadata describes a *kind* of credential ("Open Badge"), once for every offer; this
describes the one badge offered ("Data Literacy 101"). It is an additional Credential Offer
parameter, which the spec allows ("Credential Offer Parameters": "Additional Credential
Offer parameters MAY be defined and used. The Wallet MUST ignore any unrecognized
parameters."), so other wallets show the metadata's display instead. It is a preview
only: what the holder keeps is what the signed credential says.

The store never holds the code itself, only its SHA-256. The PIN is stored as a SHA-256 too;
six digits are no secret against someone who can read the store, so the PIN's protection is
the attempt limit ("Transaction Code Guessing"), enforced by the token endpoint.

What became of an offer (:func:`offer_progress`) is read, never written as it happens: the
fetch that opens an offer is the atomic consumption of its entry, and an offer record kept
beside it (never consumed, kept :data:`RECORD_RETENTION` past the offer's expiry) tells
that consumption apart from an offer that never existed or expired. A state written by a
second step could lag behind the step, or be lost with its process; a state read off the
step itself cannot, in any number of processes.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote, urlencode

from vcbadges.errors import ProtocolError
from vcbadges.oauth.common import current, digest, from_timestamp, new_secret, timestamp
from vcbadges.oid4vci.metadata import (
    PRE_AUTHORIZED_GRANT,
    credential_offer_url,
    issuer_identifier,
)
from vcbadges.oid4vci.store import (
    OFFER,
    OFFER_RECORD,
    PRE_AUTHORIZED_CODE,
    TX_CODE_ATTEMPT,
    OID4VCIStore,
)

__all__ = [
    "OFFER_SCHEME",
    "CREDENTIAL_DISPLAY",
    "RECORD_RETENTION",
    "CreatedOffer",
    "OfferState",
    "OfferProgress",
    "create_offer",
    "serve_offer",
    "offer_progress",
    "offer_uri",
    "offer_uri_by_value",
    "tx_code_digest",
    "attempt_key",
]

OFFER_SCHEME = "openid-credential-offer://"
#: The additional Credential Offer parameter describing the credentials offered.
CREDENTIAL_DISPLAY = "credential_display"
DEFAULT_OFFER_LIFETIME = timedelta(minutes=15)
DEFAULT_CODE_LIFETIME = timedelta(minutes=5)
DEFAULT_TX_CODE_ATTEMPTS = 3
#: How long an offer's record outlives the offer. Longer than an access token obtained just
#: before the offer expired lives (10 minutes), so that a late delivery is still told.
RECORD_RETENTION = timedelta(minutes=30)
_MAX_DESCRIPTION = 300  # "tx_code": "The length of the string MUST NOT exceed 300 characters."
# An offer URI longer than this makes a QR code too dense to scan reliably from a screen.
MAX_QR_URI = 400


@dataclass(frozen=True)
class CreatedOffer:
    """A recorded offer: show ``uri`` as a QR code, send ``tx_code`` by another channel."""

    offer_id: str
    uri: str
    credential_offer_uri: str
    tx_code: str | None
    expires_at: datetime


#: What the protocol can tell of an offer (see :class:`OfferProgress`).
OfferState = Literal["pending", "opened", "expired"]


@dataclass(frozen=True)
class OfferProgress:
    """How far an offer got, as far as the protocol can tell.

    ``state`` is ``pending`` until a wallet fetches the offer, ``opened`` from then on (the
    fetch mints the only pre-authorized code, so a redeemed code means an opened offer), and
    ``expired`` once ``expires_at`` has passed. Delivery is not the protocol's to tell: the
    credential is stored by the caller's ``issue_fn``, which ``award`` lets the caller find.
    """

    offer_id: str
    state: OfferState
    expires_at: datetime
    award: dict[str, Any]


def tx_code_digest(offer_id: str, tx_code: str) -> str:
    """The stored form of a Transaction Code, salted with its offer id."""
    return hashlib.sha256(f"{offer_id}\x00{tx_code}".encode()).hexdigest()


def attempt_key(code_key: str, index: int) -> str:
    """The store key of the ``index``-th Transaction Code attempt allowed for a code."""
    return f"{code_key}.{index}"


def offer_uri(base_url: str, offer_id: str) -> str:
    """``openid-credential-offer://?credential_offer_uri=<the offer's https URL, encoded>``.

    Raises ``ValueError`` when the result would not fit a QR code comfortably (400 characters),
    which only a very long base URL can cause.
    """
    url = credential_offer_url(base_url, offer_id)
    uri = f"{OFFER_SCHEME}?credential_offer_uri={quote(url, safe='')}"
    if len(uri) >= MAX_QR_URI:
        raise ValueError(f"the offer URI is {len(uri)} characters; use a shorter base URL")
    return uri


def offer_uri_by_value(offer: Mapping[str, Any]) -> str:
    """``openid-credential-offer://?credential_offer=<the offer JSON, encoded>`` ("Sending
    Credential Offer by Value Using credential_offer Parameter"), for same-device links."""
    text = json.dumps(offer, separators=(",", ":"))
    return f"{OFFER_SCHEME}?{urlencode({'credential_offer': text})}"


def _new_tx_code(length: int) -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(length))


async def create_offer(
    store: OID4VCIStore,
    *,
    base_url: str,
    award: Mapping[str, Any],
    configuration_ids: Sequence[str],
    tx_code_length: int | None = None,
    tx_code_description: str | None = None,
    max_tx_code_attempts: int = DEFAULT_TX_CODE_ATTEMPTS,
    lifetime: timedelta = DEFAULT_OFFER_LIFETIME,
    display: Sequence[Mapping[str, Any]] | None = None,
    now: datetime | None = None,
) -> CreatedOffer:
    """Record an offer of ``configuration_ids`` for ``award`` and return how to deliver it.

    ``tx_code_length`` (4 to 6) asks for a numeric Transaction Code; the returned
    ``tx_code`` is then the PIN, to be sent to the holder over another channel (it is
    shown nowhere else and cannot be recovered). ``award`` must be JSON-serializable.
    ``display`` (display objects, see the module docstring) describes the credential
    offered, under every configuration offered. Raises ``ValueError`` for bad arguments.
    """
    when = current(now)
    if not configuration_ids or len(set(configuration_ids)) != len(configuration_ids):
        raise ValueError("configuration_ids must be a non-empty list of unique ids")
    if tx_code_length is not None and not 4 <= tx_code_length <= 6:
        raise ValueError("tx_code_length must be 4, 5 or 6")
    if tx_code_description is not None and len(tx_code_description) > _MAX_DESCRIPTION:
        raise ValueError("tx_code_description must not exceed 300 characters")
    if max_tx_code_attempts < 1 or lifetime <= timedelta(0):
        raise ValueError("max_tx_code_attempts and lifetime must be positive")
    if display is not None and (not display or not all(
            isinstance(d, Mapping) and isinstance(d.get("name"), str) for d in display)):
        raise ValueError("display must be a non-empty list of display objects with a name")
    identifier = issuer_identifier(base_url)
    offer_id = new_secret(16)
    uri = offer_uri(identifier, offer_id)
    tx_code = _new_tx_code(tx_code_length) if tx_code_length is not None else None
    tx: dict[str, Any] | None = None
    if tx_code is not None:
        tx = {"digest": tx_code_digest(offer_id, tx_code), "length": len(tx_code),
              "max_attempts": max_tx_code_attempts}
        if tx_code_description:
            tx["description"] = tx_code_description
    expires_at = when + lifetime
    record: dict[str, Any] = {
        "credential_issuer": identifier,
        "credential_configuration_ids": list(configuration_ids),
        "award": dict(award),
        "tx_code": tx,
        "expires_at": timestamp(expires_at),
    }
    if display is not None:
        shown = [dict(d) for d in display]
        record[CREDENTIAL_DISPLAY] = {cid: shown for cid in configuration_ids}
    # The lasting record first: an offer entry without it would be an offer whose progress
    # cannot be told, while a record without its offer names an id nobody was given.
    await store.save(OFFER_RECORD, offer_id,
                     {"award": dict(award), "expires_at": record["expires_at"]},
                     expires_at=expires_at + RECORD_RETENTION)
    await store.save(OFFER, offer_id, record, expires_at=expires_at)
    return CreatedOffer(offer_id=offer_id, uri=uri,
                        credential_offer_uri=credential_offer_url(identifier, offer_id),
                        tx_code=tx_code, expires_at=expires_at)


async def serve_offer(
    store: OID4VCIStore,
    offer_id: str,
    *,
    code_lifetime: timedelta = DEFAULT_CODE_LIFETIME,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Consume the offer ``offer_id`` and return its Credential Offer object (JSON).

    Serve it as ``application/json`` with ``Cache-Control: no-store``. The pre-authorized
    code in it expires after ``code_lifetime`` or with the offer, whichever comes first.
    Raises ``ProtocolError("not_found", status=404)`` for an offer that is unknown, expired
    or already fetched (the spec defines no error for this endpoint).
    """
    when = current(now)
    offer = await store.consume(OFFER, offer_id, now=when)
    if offer is None:
        raise ProtocolError("not_found", "this credential offer is unknown, expired or "
                            "already used", status=404)
    code = new_secret(32)
    code_key = digest(code)
    # The code lives no longer than the offer it came from.
    offer_expiry = min(when + code_lifetime, from_timestamp(offer["expires_at"]))
    tx = offer.get("tx_code")
    await store.save(PRE_AUTHORIZED_CODE, code_key, {
        "offer_id": offer_id,
        "credential_issuer": offer["credential_issuer"],
        "credential_configuration_ids": offer["credential_configuration_ids"],
        "award": offer["award"],
        "tx_code": tx,
    }, expires_at=offer_expiry)
    grant: dict[str, Any] = {"pre-authorized_code": code}
    if isinstance(tx, dict):
        # One stored ticket per allowed attempt: the token endpoint consumes one per try,
        # so the limit holds across processes with nothing but atomic consume.
        for index in range(int(tx["max_attempts"])):
            await store.save(TX_CODE_ATTEMPT, attempt_key(code_key, index), {},
                             expires_at=offer_expiry)
        tx_object: dict[str, Any] = {"input_mode": "numeric", "length": tx["length"]}
        if tx.get("description"):
            tx_object["description"] = tx["description"]
        grant["tx_code"] = tx_object
    served: dict[str, Any] = {
        "credential_issuer": offer["credential_issuer"],
        "credential_configuration_ids": offer["credential_configuration_ids"],
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }
    if isinstance(offer.get(CREDENTIAL_DISPLAY), dict):
        served[CREDENTIAL_DISPLAY] = offer[CREDENTIAL_DISPLAY]
    return served


async def offer_progress(
    store: OID4VCIStore, offer_id: str, *, now: datetime | None = None
) -> OfferProgress | None:
    """What became of the offer ``offer_id``; None when it is unknown, or its record lapsed
    (:data:`RECORD_RETENTION` after it expired).

    Nothing is consumed: this only reads. An offer whose entry is gone before its expiry was
    consumed, which only :func:`serve_offer` does. An offer opened but not delivered before
    its expiry is ``expired``: its PIN and QR code are of no use any more, though a wallet
    that redeemed the code in time may still obtain the credential with its access token.
    """
    when = current(now)
    record = await store.get(OFFER_RECORD, offer_id, now=when)
    if record is None:
        return None
    expires_at = from_timestamp(record["expires_at"])
    state: OfferState
    if await store.get(OFFER, offer_id, now=when) is not None:
        state = "pending"
    elif when >= expires_at:
        state = "expired"
    else:
        state = "opened"
    return OfferProgress(offer_id=offer_id, state=state, expires_at=expires_at,
                         award=dict(record["award"]))
