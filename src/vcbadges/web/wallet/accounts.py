"""Accounts: creating one, signing in and out, backups and restoring them.

Signing in (creating an account, ``POST /api/session``, restoring a backup) derives the
account's data key from the passphrase (Argon2id, about 200 ms and 64 MiB, so at most
``WALLET_UNLOCKS`` run at once) and starts a session (:mod:`vcbadges.wallet.sessions`).
Sign-ins are counted per account name before the passphrase is tried
(:mod:`vcbadges.wallet.throttle`).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from vcbadges.errors import StorageError
from vcbadges.primitives.keys import Algorithm
from vcbadges.wallet import WrongPassphrase
from vcbadges.wallet.throttle import SignInThrottle, TooManySignIns
from vcbadges.web.bodies import one_of, read_object
from vcbadges.web.keys import CLOCK, DB, WALLET_SESSIONS, WALLET_STORE, WALLET_UNLOCKS
from vcbadges.web.problems import ProblemError
from vcbadges.web.wallet.common import (
    COOKIE,
    NO_STORE,
    invalid,
    opened,
    secure,
    session_json,
    start_session,
    unauthorized,
)
from vcbadges.web.wallet.uploads import MAX_UPLOAD

__all__ = ["MIN_PASSPHRASE", "create_account", "sign_in", "current_session", "sign_out",
           "backup", "restore"]

MIN_PASSPHRASE = 8
_MAX_PASSPHRASE = 1024
_KEY_TYPES: dict[str, Algorithm] = {"ed25519": "Ed25519", "p256": "P-256"}


def _passphrase(value: Any, name: str, *, new: bool) -> str:
    minimum = MIN_PASSPHRASE if new else 1
    if not isinstance(value, str) or not minimum <= len(value) <= _MAX_PASSPHRASE:
        if new and isinstance(value, str) and 0 < len(value) < MIN_PASSPHRASE:
            raise ProblemError(400, "weak-passphrase", "The passphrase is too short",
                               f"{name} needs at least {MIN_PASSPHRASE} characters")
        raise invalid(f"{name} is a string of {minimum} to {_MAX_PASSPHRASE} characters")
    return value


def _username(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > 100:
        raise invalid("username is a string of 1 to 100 characters")
    return value


async def create_account(request: web.Request) -> web.Response:
    body = await read_object(request)
    unknown = sorted(set(body) - {"username", "passphrase", "keyType"})
    if unknown:
        raise invalid(f"unknown member {unknown[0]!r}")
    username = _username(body.get("username"))
    passphrase = _passphrase(body.get("passphrase"), "passphrase", new=True)
    key_type = one_of(body.get("keyType", "ed25519"), _KEY_TYPES, "keyType is ed25519 or p256")
    try:
        async with request.config_dict[WALLET_UNLOCKS]:
            wallet = await request.config_dict[WALLET_STORE].create_account(
                username, passphrase, algorithm=_KEY_TYPES[key_type],
                now=request.config_dict[CLOCK].now())
    except ValueError as exc:
        raise invalid(str(exc)) from None
    except StorageError as exc:
        if exc.code == "conflict":
            raise ProblemError(409, "conflict", "Conflict", "that username is taken") from None
        raise
    return await start_session(request, wallet, status=201)


async def sign_in(request: web.Request) -> web.Response:
    body = await read_object(request)
    username, passphrase = body.get("username"), body.get("passphrase")
    if not isinstance(username, str) or not isinstance(passphrase, str) or not passphrase \
            or len(passphrase) > _MAX_PASSPHRASE or len(username) > 1000:
        raise invalid("send username and passphrase")
    throttle, now = SignInThrottle(request.config_dict[DB]), request.config_dict[CLOCK].now()
    try:
        # The attempt is counted before the passphrase is tried, and stays counted unless
        # it succeeds (see vcbadges.wallet.throttle).
        async with throttle.attempt(username, now=now), request.config_dict[WALLET_UNLOCKS]:
            wallet = await request.config_dict[WALLET_STORE].unlock(username, passphrase)
    except TooManySignIns as exc:
        raise ProblemError(429, "too-many-attempts", "Too many failed sign-ins",
                           "wait before trying this name again", headers={
                               "Retry-After": str(exc.retry_after)}) from None
    except StorageError as exc:
        if isinstance(exc, WrongPassphrase) or exc.code == "account_not_found":
            # The same answer for both, so that it tells nothing about which names exist.
            raise unauthorized("the username or the passphrase is wrong") from None
        raise
    return await start_session(request, wallet, status=200)


async def current_session(request: web.Request) -> web.Response:
    async with opened(request, csrf=False) as session:
        return web.json_response(session_json(session.wallet, session.csrf_token),
                                 headers=NO_STORE)


async def sign_out(request: web.Request) -> web.Response:
    async with opened(request) as session:
        await request.config_dict[WALLET_SESSIONS].end(session)
    response = web.Response(status=204, headers=NO_STORE)
    response.del_cookie(COOKIE, path="/wallet", secure=secure(request), httponly=True,
                        samesite="Strict")
    return response


async def backup(request: web.Request) -> web.Response:
    async with opened(request) as session:
        body = await read_object(request)
        backup_passphrase = _passphrase(body.get("backupPassphrase"), "backupPassphrase",
                                        new=True)
        async with request.config_dict[WALLET_UNLOCKS]:
            data = await session.wallet.export_backup(backup_passphrase,
                                                     now=request.config_dict[CLOCK].now())
        name = "".join(c if c.isalnum() or c in "-_" else "-"
                       for c in session.wallet.account.username)[:50] or "wallet"
    return web.Response(body=data, content_type="application/octet-stream", headers={
        **NO_STORE,
        "Content-Disposition": f'attachment; filename="vcbadges-wallet-{name}.backup"'})


async def restore(request: web.Request) -> web.Response:
    if request.content_type != "multipart/form-data":
        raise ProblemError(415, "unsupported-media-type", "Expected multipart/form-data",
                           f"Content-Type was {request.content_type or 'missing'}")
    try:
        form = await request.clone(client_max_size=MAX_UPLOAD + 64 * 1024).post()
    except web.HTTPRequestEntityTooLarge:
        raise ProblemError(413, "body-too-large", "Request body too large",
                           f"the backup exceeds the limit of {MAX_UPLOAD} bytes") from None
    except (ValueError, HttpProcessingError):
        raise invalid("the form could not be read") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise invalid("file is the backup file")
        data = upload.file.read(MAX_UPLOAD + 1)
    finally:
        # Uploaded parts are spooled to temporary files: close them all.
        for value in form.values():
            if isinstance(value, web.FileField):
                value.file.close()
    if len(data) > MAX_UPLOAD:
        raise ProblemError(413, "body-too-large", "Request body too large",
                           f"the backup exceeds the limit of {MAX_UPLOAD} bytes")
    backup_passphrase = _passphrase(form.get("backupPassphrase"), "backupPassphrase",
                                    new=False)
    username = _username(form.get("username"))
    passphrase = _passphrase(form.get("passphrase"), "passphrase", new=True)
    try:
        async with request.config_dict[WALLET_UNLOCKS]:
            wallet = await request.config_dict[WALLET_STORE].import_backup(
                data, backup_passphrase, username=username, passphrase=passphrase,
                now=request.config_dict[CLOCK].now())
    except ValueError as exc:
        raise invalid(str(exc)) from None
    except StorageError as exc:
        if exc.code == "conflict":
            raise ProblemError(409, "conflict", "Conflict", "that username is taken") from None
        if isinstance(exc, WrongPassphrase) or exc.code in ("invalid_backup",
                                                             "unsupported_kdf"):
            raise ProblemError(422, "invalid-backup", "The backup cannot be restored",
                               "the backup passphrase does not open this file, or it is "
                               "not a vcbadges wallet backup") from None
        raise
    return await start_session(request, wallet, status=201)
