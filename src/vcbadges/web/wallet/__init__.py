"""The wallet sub-application (mounted at ``/wallet``): the holder's API and pages.

``/wallet/`` serves the ``wallet_demo/`` single-page app shipped in the package; everything
else is the JSON API under ``/wallet/api`` (the contract is ``docs/wallet-api.md``). The
handlers are grouped by concern:

- :mod:`~vcbadges.web.wallet.accounts`: creating an account, signing in and out, backups.
- :mod:`~vcbadges.web.wallet.badges`: the badges in the wallet.
- :mod:`~vcbadges.web.wallet.uploads`: QR pictures to read and badges to import.
- :mod:`~vcbadges.web.wallet.receiving`: OpenID4VCI offers and OpenID4VP requests.
- :mod:`~vcbadges.web.wallet.pages`: the static pages (shared with the console and verifier).
- :mod:`~vcbadges.web.wallet.common`: the session cookie, problems, summaries, verification.

Sessions. Signing in starts a session (:mod:`vcbadges.wallet.sessions`): a random cookie
value (``vcbadges_wallet``: ``HttpOnly``, ``SameSite=Strict``, ``Path=/wallet``, ``Secure``
over https) naming a stored session that holds the data key wrapped under a key derived from
the service master key. Each request re-opens the wallet from it and locks it again when the
response is ready.

CSRF. Every ``POST`` and ``DELETE`` with a session must carry the session's token in the
``X-CSRF-Token`` header (an HMAC of the cookie value under a master-derived key; the stored
session keeps its SHA-256); it is returned by every session answer. A missing or wrong token
is ``403 csrf-token-invalid`` (no session at all is ``401``). Creating an account, signing in
and restoring need no token: there is no session yet.

No module here imports the database layer's models or SQLAlchemy: the wallet service
(:mod:`vcbadges.wallet`) owns its transactions and hands back plain values.
"""

from __future__ import annotations

from aiohttp import web

from vcbadges.web.keys import CLOCK, PROTOCOL_STORE, WALLET_SESSIONS
from vcbadges.web.wallet import accounts, badges, receiving, uploads
from vcbadges.web.wallet.common import COOKIE, CSRF_HEADER
from vcbadges.web.wallet.pages import static_page

__all__ = ["COOKIE", "CSRF_HEADER", "create_wallet_app", "add_wallet_redirect",
           "purge_expired"]


async def purge_expired(app: web.Application) -> tuple[int, int]:
    """Delete expired protocol state and wallet sessions; return how many of each."""
    now = app[CLOCK].now()
    entries = await app[PROTOCOL_STORE].purge(now=now)
    sessions = await app[WALLET_SESSIONS].purge(now)
    return entries, sessions


async def _redirect_to_wallet(request: web.Request) -> web.Response:
    raise web.HTTPPermanentRedirect("/wallet/")


def add_wallet_redirect(app: web.Application) -> None:
    """``GET /wallet`` (no slash) sends the browser to the wallet page, on the root app."""
    app.router.add_get("/wallet", _redirect_to_wallet)


def create_wallet_app() -> web.Application:
    """The ``/wallet`` sub-application; shared state comes from the root app."""
    app = web.Application()
    router = app.router
    router.add_post("/api/accounts", accounts.create_account)
    router.add_post("/api/session", accounts.sign_in)
    router.add_get("/api/session", accounts.current_session)
    router.add_delete("/api/session", accounts.sign_out)
    router.add_get("/api/credentials", badges.list_credentials)
    router.add_get("/api/credentials/{credential_id}", badges.get_credential)
    router.add_delete("/api/credentials/{credential_id}", badges.delete_credential)
    router.add_post("/api/scan", receiving.scan)
    router.add_post("/api/offers/{handle}/accept", receiving.accept)
    router.add_post("/api/requests/{handle}/respond", receiving.respond_to_request)
    router.add_post("/api/requests/{handle}/decline", receiving.decline_request)
    router.add_post("/api/decode-qr", uploads.decode_qr)
    router.add_post("/api/import", uploads.import_credential)
    router.add_post("/api/backup", accounts.backup)
    router.add_post("/api/restore", accounts.restore)
    static_page(app, "", ("wallet_demo",))
    return app
