"""Verification for the service's handlers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from vcbadges._api import verify
from vcbadges.report import PresentationReport, VerificationReport
from vcbadges.web.keys import DOCUMENTS, ISSUER_REGISTRIES, RESOLVER, VERIFIED_LISTS


async def verify_offloaded(request: web.Request, document: Any, *,
                           now: datetime | None = None) -> VerificationReport | PresentationReport:
    return await verify(
        document, fetcher=request.config_dict[DOCUMENTS], resolver=request.config_dict[RESOLVER],
        verified_lists=request.config_dict[VERIFIED_LISTS],
        registries=request.config_dict[ISSUER_REGISTRIES], now=now)
