"""``c_nonce`` values for key proofs (OpenID4VCI 1.0, "Nonce Endpoint").

The Nonce Endpoint is not a protected resource: anyone may POST to it and get a fresh,
unpredictable ``c_nonce`` ("Nonce Response"). Each value is accepted in one key proof only and
only until it expires, which is the issuer's defence against replayed proofs ("Proof
replay"); a proof's ``iat`` is then checked only loosely, since the nonce already bounds its
age by the server's own clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from vcbadges.oauth.common import current, digest, new_secret
from vcbadges.oid4vci.store import C_NONCE, OID4VCIStore

__all__ = ["DEFAULT_NONCE_LIFETIME", "create_nonce", "consume_nonce"]

DEFAULT_NONCE_LIFETIME = timedelta(minutes=5)


async def create_nonce(
    store: OID4VCIStore,
    *,
    lifetime: timedelta = DEFAULT_NONCE_LIFETIME,
    now: datetime | None = None,
) -> dict[str, str]:
    """Mint a ``c_nonce`` and return the Nonce Response body, ``{"c_nonce": "..."}``.

    Serve it as ``application/json`` with ``Cache-Control: no-store`` (the spec requires the
    response to be uncacheable).
    """
    when = current(now)
    if lifetime <= timedelta(0):
        raise ValueError("lifetime must be positive")
    value = new_secret(32)
    await store.save(C_NONCE, digest(value), {}, expires_at=when + lifetime)
    return {"c_nonce": value}


async def consume_nonce(store: OID4VCIStore, value: str, *, now: datetime | None = None) -> bool:
    """Use up ``value``: True if it was a ``c_nonce`` we issued, unused and unexpired."""
    if not isinstance(value, str) or not value:
        return False
    return await store.consume(C_NONCE, digest(value), now=current(now)) is not None
