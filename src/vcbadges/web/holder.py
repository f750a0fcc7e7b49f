"""The holder sub-application (mounted at ``/holder``): W3C VC-API selective disclosure.

- ``POST /credentials/derive``: ``{"verifiableCredential": {...}, "options":
  {"selectivePointers": ["/credentialSubject/name", ...]}}``. The credential must carry an
  ecdsa-sd-2023 base proof; the answer (``201``) is ``{"verifiableCredential": {...}}``, the
  issuer's mandatory claims plus the selected ones under a derived proof.

Deriving needs no secret of the service: everything it uses is in the base proof the holder
sends, and nothing is stored. A credential without a base proof, a pointer the credential
does not have, or a base proof that no longer fits the credential are ``400`` problems whose
type and ``code`` are the library's code (``no_base_proof``, ``pointer_mismatch``,
``base_proof_mismatch``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from vcbadges._api import derive
from vcbadges.errors import VCBadgesError
from vcbadges.web.bodies import read_object
from vcbadges.web.keys import SETTINGS
from vcbadges.web.problems import ProblemError

__all__ = ["create_holder_app"]

_MAX_POINTERS = 1000


def _invalid(detail: str) -> ProblemError:
    return ProblemError(400, "invalid-request", "The request is not valid", detail)


def _selective_pointers(options: Any) -> list[str]:
    if options is None:
        return []
    if not isinstance(options, dict):
        raise _invalid("options must be a JSON object")
    unknown = sorted(set(options) - {"selectivePointers"})
    if unknown:
        raise _invalid(f"unknown option {unknown[0]!r}")
    pointers = options.get("selectivePointers", [])
    if (not isinstance(pointers, list) or len(pointers) > _MAX_POINTERS
            or not all(isinstance(p, str) for p in pointers)):
        raise _invalid("options.selectivePointers is an array of JSON pointer strings")
    return pointers


async def derive_credential(request: web.Request) -> web.Response:
    settings = request.config_dict[SETTINGS]
    body = await read_object(request, max_depth=settings.max_json_depth)
    credential = body.get("verifiableCredential")
    if not isinstance(credential, dict):
        raise _invalid("verifiableCredential is a credential object with an ecdsa-sd-2023 "
                       "base proof")
    pointers = _selective_pointers(body.get("options"))
    try:
        derived = await derive(credential, pointers)
    except VCBadgesError as exc:
        raise ProblemError(400, exc.code.replace("_", "-"), "The credential cannot be derived",
                           exc.message, code=exc.code) from exc
    return web.json_response({"verifiableCredential": derived}, status=201)


def create_holder_app() -> web.Application:
    app = web.Application()
    app.router.add_post("/credentials/derive", derive_credential)
    return app
