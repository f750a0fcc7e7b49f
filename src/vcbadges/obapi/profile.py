"""The holder's OB ``Profile`` through the API: ``getProfile`` and ``putProfile``.

A wallet account has no profile until a client puts one; until then ``getProfile`` answers
the smallest valid one, ``{"id": <the holder's DID>, "type": ["Profile"]}``. A profile put
must be a JSON object whose ``type`` includes ``Profile`` and whose ``id``, when given, is
the holder's DID (the profile describes the holder, not someone else); it is kept as sent
(with that ``id``), sealed under the account's data key like every wallet record, since it
holds personal data (names, e-mail, address, date of birth).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from vcbadges.credentials.vcdm import types_of
from vcbadges.obapi.status import ResourceError
from vcbadges.storage import obapi_queries as queries
from vcbadges.storage.db import DatabaseConfig
from vcbadges.wallet import UnlockedWallet, crypto as wallet_crypto

__all__ = ["PROFILE_KIND", "ProfileStore"]

#: The record kind the sealed profile is bound to.
PROFILE_KIND = "ob_profile"


class ProfileStore:
    """Holders' profiles on the vcbadges database."""

    def __init__(self, db: DatabaseConfig) -> None:
        self._db = db

    async def get(self, wallet: UnlockedWallet) -> dict[str, Any]:
        """The holder's profile (the default one when none was put)."""
        async with self._db.sessionmaker(write=False)() as session:
            row = await queries.get_profile(session, wallet.account.id)
        if row is None:
            return {"id": wallet.did, "type": ["Profile"]}
        plaintext = wallet_crypto.open_record(wallet.data_key, row.sealed,
                                              account_id=wallet.account.id,
                                              record_id=row.record_id, kind=PROFILE_KIND)
        profile: dict[str, Any] = json.loads(plaintext)
        return profile

    async def put(self, wallet: UnlockedWallet, profile: Any, *,
                  now: datetime) -> dict[str, Any]:
        """Replace the holder's profile; 400 ``invalid_data`` for one that is not theirs or
        not a Profile. Returns the profile as kept."""
        if not isinstance(profile, dict) or "Profile" not in types_of(profile):
            raise ResourceError(400, "invalid_data", "the body is not a Profile")
        if profile.get("id", wallet.did) != wallet.did:
            raise ResourceError(400, "invalid_data",
                                "the profile's id must be the holder's DID")
        kept = {**profile, "id": wallet.did}
        record_id = uuid.uuid4()
        sealed = wallet_crypto.seal_record(
            wallet.data_key, json.dumps(kept, ensure_ascii=False).encode("utf-8"),
            account_id=wallet.account.id, record_id=record_id, kind=PROFILE_KIND)
        async with self._db.sessionmaker()() as session, session.begin():
            await queries.put_profile(session, account_id=wallet.account.id,
                                      record_id=record_id, sealed=sealed, updated_at=now)
        return kept
