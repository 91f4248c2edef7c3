"""Who calls the workbench's JSON: `Authorization: tma <initData>` inside Telegram, or the signed
session cookie a one-time sign-in link set (then a state-changing call also needs the CSRF
token). Anything else is 401 and changes nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

from aiohttp import web

from bot.domain.webapp import SESSION_LIFETIME, BadCredentials
from bot.services.workbench import WorkbenchService

log = logging.getLogger(__name__)

COOKIE: Final = "tb_session"
CSRF_HEADER: Final = "X-CSRF-Token"
SIGN_IN_PATH: Final = "/app/signin"
_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: int
    #: The session cookie when the caller signed in with a link (None: Telegram's initData).
    session: str | None = None


def unauthorized(reason: str) -> web.HTTPUnauthorized:
    return web.HTTPUnauthorized(
        text=f'{{"error": {{"code": "unauthorized", "message": "{reason}"}}}}',
        content_type="application/json",
    )


async def caller_of(request: web.Request, workbench: WorkbenchService) -> Caller:
    """The user a request comes from; raises 401 for anything unproven."""
    header = request.headers.get("Authorization", "")
    try:
        if header:
            scheme, _, init_data = header.partition(" ")
            if scheme.lower() != "tma":
                raise BadCredentials("unknown authorization scheme")
            user = await workbench.from_init_data(init_data.strip())
            return Caller(user.id)
        cookie = request.cookies.get(COOKIE)
        if not cookie:
            raise BadCredentials("not signed in")
        user_id = workbench.session_user(cookie)
        if request.method not in _SAFE_METHODS:
            workbench.check_csrf(cookie, request.headers.get(CSRF_HEADER))
        return Caller(user_id, cookie)
    except BadCredentials as error:
        log.info("workbench: refused %s %s: %s", request.method, request.path, error)
        raise unauthorized(str(error)) from None


def add_sign_in_route(app: web.Application, workbench: WorkbenchService) -> None:
    """GET /app/signin?t=<token>&u=<user id>: spends the link, sets the session, opens the page."""

    async def sign_in(request: web.Request) -> web.StreamResponse:
        token = request.query.get("t", "")
        named = request.query.get("u", "")
        try:
            if not token or not named.isdigit():
                raise BadCredentials("malformed sign-in link")
            cookie = await workbench.redeem_link(token, int(named))
        except BadCredentials as error:
            log.info("workbench: sign-in refused: %s", error)
            return web.Response(
                status=401,
                text="This sign-in link is used, expired or not yours. Send /app to the bot"
                " for a new one.\n"
                "此登录链接已使用、已过期或不属于你。请向机器人发送 /app 获取新链接。",
            )
        response = web.Response(status=303, headers={"Location": "/app/"})
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=int(SESSION_LIFETIME.total_seconds()),
            httponly=True,
            samesite="Strict",
            secure=request.secure,
            path="/",
        )
        # The link must not stay in the history or leak through a Referer.
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    app.router.add_get(SIGN_IN_PATH, sign_in)
