"""The chat panel's inline-query box: type `@bot query` as a persona, read the bot's answer,
pick a result. (Topics need no routes of their own: chat views list them, and sending takes a
`thread_id`.)"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from emulator.core import EmulatorCore
from emulator.errors import PersonaError


def _json(value: Any) -> web.Response:
    return web.Response(text=json.dumps(value, ensure_ascii=False), content_type="application/json")


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as error:
        raise PersonaError("the request body is not JSON") from error
    if not isinstance(body, dict):
        raise PersonaError("the request body must be a JSON object")
    return body


def _int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "":
        raise PersonaError(f"{name} is required")
    try:
        return int(value)
    except ValueError as error:
        raise PersonaError(f"{name} must be an integer") from error


def add_forum_routes(app: web.Application, core: Callable[[], EmulatorCore]) -> None:
    """Mount the inline-query routes on the panel's application."""

    async def ask(request: web.Request) -> web.Response:
        body = await _body(request)
        chat = body.get("chat_id")
        update = core().user_inline_query(
            _int(body, "persona_id"),
            str(body.get("query", "")),
            offset=str(body.get("offset", "")),
            chat_id=_int(body, "chat_id") if chat not in (None, "") else None,
        )
        return _json({"ok": True, "query_id": update["inline_query"]["id"]})

    async def answer(request: web.Request) -> web.Response:
        return _json(core().inline_query(request.match_info["query_id"]).view())

    async def choose(request: web.Request) -> web.Response:
        body = await _body(request)
        update = core().user_choose_inline_result(
            _int(body, "persona_id"),
            _int(body, "chat_id"),
            str(body.get("query_id", "")),
            str(body.get("result_id", "")),
            thread_id=_int(body, "thread_id") if body.get("thread_id") not in (None, "") else None,
        )
        return _json({"ok": True, "update": update})

    app.router.add_post("/panel/api/inline", ask)
    app.router.add_get("/panel/api/inline/{query_id}", answer)
    app.router.add_post("/panel/api/inline/choose", choose)
