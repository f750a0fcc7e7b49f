"""The Token Endpoint for the pre-authorized code grant (OpenID4VCI 1.0, "Token Endpoint").

:func:`handle_token_request` takes the form parameters of the POST and returns the Token
Response body, or raises ``ProtocolError`` with the code the spec assigns ("Token Error
Response", RFC 6749 §5.2), always with HTTP status 400:

========================  =================================================================
``invalid_request``       no ``grant_type`` or ``pre-authorized_code``; a repeated
                          parameter; a ``tx_code`` the offer did not ask for, or none when
                          it did
``unsupported_grant_type`` any grant type other than
                          ``urn:ietf:params:oauth:grant-type:pre-authorized_code``
``invalid_grant``         an unknown, expired or already used code, or one another
                          Credential Issuer offered; a wrong ``tx_code``; a code
                          invalidated after too many wrong ``tx_code`` values
========================  =================================================================

Clients are anonymous ("Token Request": client authentication is optional for this grant
type), so ``client_id`` is ignored, as are ``authorization_details`` and other parameters
this issuer does not use. The access token is an opaque bearer token, valid only for the
credential configurations of its offer and consumed by the one credential it obtains.

Transaction Code attempts are limited per code ("Transaction Code Guessing"): every request
carrying a ``tx_code`` first uses up one of the attempts :func:`~vcbadges.oid4vci.offers.
serve_offer` stored, and the code is invalidated with the last wrong one.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from vcbadges.errors import ProtocolError
from vcbadges.oauth.common import current, digest, form_pairs, new_secret
from vcbadges.oid4vci.metadata import PRE_AUTHORIZED_GRANT
from vcbadges.oid4vci.offers import attempt_key, tx_code_digest
from vcbadges.oid4vci.store import (
    ACCESS_TOKEN,
    PRE_AUTHORIZED_CODE,
    TX_CODE_ATTEMPT,
    OID4VCIStore,
)

__all__ = ["DEFAULT_TOKEN_LIFETIME", "handle_token_request"]

DEFAULT_TOKEN_LIFETIME = timedelta(minutes=10)


def _invalid_request(description: str) -> ProtocolError:
    return ProtocolError("invalid_request", description)


def _invalid_grant(description: str) -> ProtocolError:
    return ProtocolError("invalid_grant", description)


async def _check_tx_code(
    store: OID4VCIStore, code_key: str, entry: Mapping[str, Any], tx_code: str, when: datetime
) -> None:
    """Use up one attempt and compare the Transaction Code; invalidate the code with the last
    wrong attempt. Raises ``invalid_grant`` for a wrong code or when no attempt is left."""
    tx = entry["tx_code"]
    attempts = int(tx["max_attempts"])
    used: int | None = None
    for index in range(attempts):
        ticket = await store.consume(TX_CODE_ATTEMPT, attempt_key(code_key, index), now=when)
        if ticket is not None:
            used = index
            break
    if used is None:
        await store.consume(PRE_AUTHORIZED_CODE, code_key, now=when)
        raise _invalid_grant("too many wrong transaction codes; the offer is no longer valid")
    expected = str(tx["digest"])
    if not hmac.compare_digest(tx_code_digest(str(entry["offer_id"]), tx_code), expected):
        if used == attempts - 1:
            await store.consume(PRE_AUTHORIZED_CODE, code_key, now=when)
            raise _invalid_grant("wrong transaction code; no attempts are left")
        raise _invalid_grant("wrong transaction code")


async def handle_token_request(
    store: OID4VCIStore,
    form: Mapping[str, Any],
    *,
    credential_issuer: str,
    lifetime: timedelta = DEFAULT_TOKEN_LIFETIME,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Exchange a pre-authorized code (and its Transaction Code) for an access token.

    ``form`` holds the ``application/x-www-form-urlencoded`` parameters (a multidict is
    welcome: a repeated parameter is refused). ``credential_issuer`` is the identifier of
    the issuer whose Token Endpoint this is: a code another issuer offered (another tenant's,
    in one service) is ``invalid_grant`` as an unknown one, and is neither consumed nor
    charged a ``tx_code`` attempt, so no issuer can spend or probe another's codes. Returns
    ``{"access_token", "token_type": "Bearer", "expires_in"}``, to be served with
    ``Cache-Control: no-store``. Raises ``ProtocolError`` as listed in the module docstring.
    """
    when = current(now)
    params = form_pairs(form)
    grant_type = params.get("grant_type")
    if not grant_type:
        raise _invalid_request("grant_type is missing")
    if grant_type != PRE_AUTHORIZED_GRANT:
        raise ProtocolError("unsupported_grant_type",
                            f"only the {PRE_AUTHORIZED_GRANT} grant type is supported")
    code = params.get("pre-authorized_code")
    if not code:
        raise _invalid_request("pre-authorized_code is missing")
    code_key = digest(code)
    entry = await store.get(PRE_AUTHORIZED_CODE, code_key, now=when)
    if entry is None or entry.get("credential_issuer") != credential_issuer:
        raise _invalid_grant("the pre-authorized code is unknown, expired or already used")
    tx_code = params.get("tx_code")
    if entry.get("tx_code") is None:
        if tx_code is not None:
            raise _invalid_request("this offer does not use a transaction code")
    else:
        if tx_code is None:
            raise _invalid_request("this offer requires a transaction code (tx_code)")
        await _check_tx_code(store, code_key, entry, tx_code, when)
    # Consuming is the single-use guarantee: of two concurrent requests, one gets None here.
    grant = await store.consume(PRE_AUTHORIZED_CODE, code_key, now=when)
    if grant is None:
        raise _invalid_grant("the pre-authorized code is unknown, expired or already used")
    token = new_secret(32)
    await store.save(ACCESS_TOKEN, digest(token), {
        "offer_id": grant["offer_id"],
        "credential_issuer": grant["credential_issuer"],
        "credential_configuration_ids": grant["credential_configuration_ids"],
        "award": grant["award"],
    }, expires_at=when + lifetime)
    return {"access_token": token, "token_type": "Bearer",
            "expires_in": int(lifetime.total_seconds())}
