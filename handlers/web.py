"""The aiohttp server: /healthz always, /telegram/webhook in webhook mode."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiohttp import web

from handlers.telegram.updates import UndecodableUpdate

log = logging.getLogger(__name__)

WEBHOOK_PATH: Final = "/telegram/webhook"
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"

UpdateSink = Callable[[dict[str, Any]], Awaitable[None]]
Health = Callable[[], Awaitable[dict[str, Any]]]


def build_web_app(
    health: Health, *, webhook: UpdateSink | None, secret: str | None
) -> web.Application:
    """The routes; `webhook` handles an update's JSON (None: polling mode, no webhook route)."""
    app = web.Application()

    async def healthz(_: web.Request) -> web.Response:
        report = await health()
        # A load balancer or supervisor reads the status code: anything but "ok" is 503.
        return web.json_response(report, status=200 if report.get("status") == "ok" else 503)

    app.router.add_get("/healthz", healthz)
    if webhook is not None:
        expected = (secret or "").encode()

        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get(SECRET_HEADER, "").encode()
            # Compared in constant time so the secret cannot be guessed byte by byte.
            if not expected or not hmac.compare_digest(given, expected):
                log.warning("webhook call without the right secret from %s", request.remote)
                return web.Response(status=403, text="forbidden")
            try:
                data = await request.json()
            except RecursionError:
                # Valid JSON, but nested deeper than Python decodes: Telegram would deliver it
                # again after any answer but 2xx, forever.
                log.warning("webhook: dropped a body nested too deeply to decode")
                return web.Response(text="dropped")
            except (json.JSONDecodeError, UnicodeDecodeError):
                return web.Response(status=400, text="not JSON")
            update_id = data.get("update_id") if isinstance(data, dict) else None
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                return web.Response(status=400, text="not an update")
            # Answered after the update is handled: if we fail, Telegram delivers it again,
            # and processed_updates makes the second delivery harmless.
            try:
                await webhook(data)
            except UndecodableUpdate as error:
                log.warning("webhook: dropped update %s: %s", update_id, error.reason)
                return web.Response(text="dropped")
            return web.Response(text="ok")

        app.router.add_post(WEBHOOK_PATH, receive)
    return app


class WebServer:
    """Runs an aiohttp application on host:port until stopped (in-flight requests finish)."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._runner = web.AppRunner(app, shutdown_timeout=10.0)
        self._host = host
        self._port = port
        self.port = port

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        log.info("HTTP server on http://%s:%d (health: /healthz)", self._host, self.port)

    async def stop(self) -> None:
        await self._runner.cleanup()
