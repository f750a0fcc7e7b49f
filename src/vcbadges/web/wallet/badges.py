"""The badges in a wallet: listing them, one with its verification report, deleting one.

A badge is verified as its holder verifies it (an ecdsa-sd-2023 base proof included, see
:func:`vcbadges.verify_held`). Its ``disclosure``
(:class:`~vcbadges.wallet.publication.Disclosure`) says whether the learner can share it
while withholding their name and e-mail identity (``selective``).
"""

from __future__ import annotations

from aiohttp import web

from vcbadges.oid4vp.response import checked_credential
from vcbadges.wallet.publication import disclosure_of
from vcbadges.web.display import credential_display
from vcbadges.web.wallet.common import NO_STORE, opened, record_id, summary, verify_credential

__all__ = ["list_credentials", "get_credential", "delete_credential"]


async def list_credentials(request: web.Request) -> web.Response:
    async with opened(request, csrf=False) as session:
        records = await session.wallet.list_credentials()
    return web.json_response({"credentials": [summary(r) for r in records]},
                             headers=NO_STORE)


async def get_credential(request: web.Request) -> web.Response:
    wanted = record_id(request)
    async with opened(request, csrf=False) as session:
        record = await session.wallet.get_credential(wanted)
    document = record.document()
    report = await verify_credential(request, document)
    return web.json_response({
        **summary(record),
        "credential": document,
        "display": credential_display(record.credential),
        "report": report.to_json(),
        "disclosure": disclosure_of(checked_credential(document)).to_json(),
    }, headers=NO_STORE)


async def delete_credential(request: web.Request) -> web.Response:
    wanted = record_id(request)
    async with opened(request) as session:
        await session.wallet.delete_credential(wanted)
    return web.Response(status=204)
