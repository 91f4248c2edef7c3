"""Mini Apps in the chat panel: a web_app button or the menu button opens the app's page in a
side pane, with initData signed exactly as Telegram signs it (so the bot's own validation runs)
for the persona that pressed it.

Telegram's rule (https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):
`hash` = hex HMAC-SHA256(HMAC-SHA256("WebAppData", bot token), the other fields as sorted
`key=value` lines). The launch parameters travel in the URL fragment as `tgWebAppData=…`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import quote, urlencode, urlsplit

from aiohttp import web

from emulator.core import EmulatorCore
from emulator.errors import PersonaError

#: Telegram's own theme colours, light and dark (what a client hands a Mini App).
THEMES: Final[Mapping[str, Mapping[str, str]]] = {
    "light": {
        "bg_color": "#ffffff",
        "text_color": "#000000",
        "hint_color": "#707579",
        "link_color": "#3390ec",
        "button_color": "#3390ec",
        "button_text_color": "#ffffff",
        "secondary_bg_color": "#f4f4f5",
    },
    "dark": {
        "bg_color": "#212121",
        "text_color": "#ffffff",
        "hint_color": "#aaaaaa",
        "link_color": "#8774e1",
        "button_color": "#8774e1",
        "button_text_color": "#ffffff",
        "secondary_bg_color": "#181818",
    },
}
_USER_FIELDS: Final = ("id", "first_name", "last_name", "username", "language_code")


def sign(fields: Mapping[str, str], bot_token: str) -> str:
    """initData for `fields`, signed with the bot's token as Telegram does."""
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    digest = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def init_data(
    persona: Mapping[str, Any],
    bot_token: str,
    *,
    chat_type: str | None = None,
    now: float | None = None,
) -> str:
    user = {key: persona[key] for key in _USER_FIELDS if persona.get(key) not in (None, "")}
    user["allows_write_to_pm"] = True
    fields = {
        "query_id": "AA" + secrets.token_urlsafe(12),
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(now if now is not None else time.time())),
    }
    if chat_type:
        fields["chat_type"] = chat_type
        fields["chat_instance"] = str(secrets.randbelow(10**18))
    return sign(fields, bot_token)


def launch_url(url: str, data: str, theme: str = "light") -> str:
    """The app's URL with Telegram's launch parameters in its fragment."""
    params = {
        "tgWebAppData": data,
        "tgWebAppVersion": "7.10",
        "tgWebAppPlatform": "web",
        "tgWebAppThemeParams": json.dumps(THEMES[theme], separators=(",", ":")),
    }
    base = url.split("#", 1)[0]
    return base + "#" + "&".join(f"{key}={quote(value, safe='')}" for key, value in params.items())


def add_webapp_routes(app: web.Application, core: Callable[[], EmulatorCore]) -> None:
    """POST /panel/api/web_app {persona_id, url, chat_type?, theme?}: where the pane goes;
    GET /panel/api/menu_button/{persona_id}: the menu button of that persona's private chat."""

    async def open_app(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError as error:
            raise PersonaError("the request body is not JSON") from error
        if not isinstance(body, dict):
            raise PersonaError("the request body must be a JSON object")
        url = str(body.get("url", ""))
        if urlsplit(url).scheme not in ("http", "https"):
            raise PersonaError("a web app's url must be http(s)")
        try:
            persona_id = int(body.get("persona_id", ""))
        except (TypeError, ValueError) as error:
            raise PersonaError("persona_id is required") from error
        emulator = core()
        persona = emulator.persona(persona_id)
        theme = "dark" if body.get("theme") == "dark" else "light"
        chat_type = body.get("chat_type")
        data = init_data(
            persona, emulator.bot.token, chat_type=str(chat_type) if chat_type else None
        )
        answer = {"ok": True, "url": launch_url(url, data, theme)}
        return web.Response(text=json.dumps(answer), content_type="application/json")

    async def menu_button(request: web.Request) -> web.Response:
        try:
            persona_id = int(request.match_info["persona_id"])
        except ValueError as error:
            raise PersonaError("persona_id must be an integer") from error
        button = core().menu_button(persona_id)
        return web.Response(text=json.dumps(button), content_type="application/json")

    app.router.add_post("/panel/api/web_app", open_app)
    app.router.add_get("/panel/api/menu_button/{persona_id}", menu_button)
