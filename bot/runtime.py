"""`ticketbot run`: the bot against Telegram (or any Bot API server), polling or webhook.

Part of the composition root with bot/app.py: app.py builds the parts, this module runs them
(the web server, the poller or the webhook, start and shutdown order), so it is the one other
module of bot/ that imports handlers/.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar

from telegram import Update
from telegram.error import InvalidToken, NetworkError

from bot.app import TicketBot, build_bot
from bot.clock import Clock, SystemClock
from bot.config import (
    ConfigError,
    Settings,
    TelegramSettings,
    config_path,
    load_settings,
    runnable_problem,
)
from bot.domain.durations import format_duration
from handlers.api.routes import add_api_routes
from handlers.platform import add_platform_routes
from handlers.telegram.polling import BACKOFF, Poller, pause
from handlers.web import WebServer, build_web_app
from handlers.workbench.api import Workbench
from handlers.workbench.files import TelegramFiles
from handlers.workbench.mount import mount_workbench
from storage.database import open_database

log = logging.getLogger(__name__)

T = TypeVar("T")
#: While the Bot API cannot be reached at start, a line says so at most this often.
START_LOG_EVERY: Final = timedelta(minutes=1)

AddCommand = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def register_commands(add: AddCommand) -> None:
    run = add("run", _run_command, "run the bot (polling or webhook, as configured)")
    run.add_argument(
        "--no-migrate", action="store_true", help="do not upgrade the database schema on start"
    )


def _run_command(arguments: argparse.Namespace) -> int:
    path = config_path(getattr(arguments, "config", None))
    settings = load_settings(path)
    problem = runnable_problem(settings, str(path) if path else "(defaults)")
    if problem is not None:
        raise ConfigError(problem)
    if not settings.teams:
        log.warning("no [[teams]] configured: every group will get the setup hint")
    try:
        asyncio.run(serve(settings, migrate=not arguments.no_migrate))
    except BotApiUnreachable as error:
        log.error("%s", error)
        return 1
    return 0


class BotApiUnreachable(Exception):
    """The Bot API could not be reached at start; str() is the one line to print."""


async def reach_bot_api(
    what: str,
    attempt: Callable[[], Awaitable[T]],
    *,
    settings: TelegramSettings,
    clock: Clock,
    stop: asyncio.Event,
) -> T:
    """`attempt()`, tried again after network errors and 5xx answers (Telegram restarting,
    a proxy answering 502) with growing waits, for up to `start_patience`; logged once in a
    while, not at every try. A refused token is not worth retrying."""
    url = f"{settings.base_url}<token>/{what}"
    started = clock.now()
    logged: datetime | None = None
    tries = 0
    while True:
        try:
            return await attempt()
        except InvalidToken:
            raise BotApiUnreachable(
                f"{url}: the Bot API refused the token (check telegram.token)"
            ) from None
        except NetworkError as error:  # connection failures, timeouts and 5xx answers
            tries += 1
            now = clock.now()
            if now - started >= settings.start_patience or stop.is_set():
                raise BotApiUnreachable(
                    f"cannot reach the Bot API at {url}: {error.message}"
                    f" (gave up after {tries} tries in {format_duration(now - started)})"
                ) from None
            if logged is None or now - logged >= START_LOG_EVERY:
                log.warning(
                    "cannot reach the Bot API at %s: %s; trying again for up to %s",
                    url,
                    error.message,
                    format_duration(settings.start_patience - (now - started)),
                )
                logged = now
            await pause(stop, BACKOFF[min(tries, len(BACKOFF)) - 1])


def stop_on_signals(stop: asyncio.Event) -> None:
    """SIGTERM and SIGINT end the run cleanly: in-flight updates finish first."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)


async def serve(
    settings: Settings, *, migrate: bool = True, stop: asyncio.Event | None = None
) -> None:
    stop = stop or asyncio.Event()
    stop_on_signals(stop)
    database = open_database(settings.database)
    try:
        if migrate:
            revision = await database.migrate()
            log.info("database at revision %s (%s)", revision, database.backend)
        bot = build_bot(settings, database, SystemClock())
        await run_bot(bot, settings, stop)
    finally:
        await database.dispose()


async def run_bot(
    bot: TicketBot,
    settings: Settings,
    stop: asyncio.Event,
    *,
    started: asyncio.Event | None = None,
) -> None:
    """Start everything, wait for `stop`, then drain and shut down in order."""
    webhook_mode = settings.telegram.mode == "webhook"

    async def reach(what: str, attempt: Callable[[], Awaitable[T]]) -> T:
        return await reach_bot_api(
            what, attempt, settings=settings.telegram, clock=bot.clock, stop=stop
        )

    await reach("getMe", bot.start)
    application = bot.application
    await application.start()

    poller: Poller | None = None

    async def health() -> dict[str, Any]:
        return {
            "bot": bot.bot_username,
            "mode": settings.telegram.mode,
            "database": bot.database.backend,
            **await bot.health(poller),
        }

    secret = settings.telegram.webhook_secret
    app = build_web_app(
        health,
        webhook=bot.process if webhook_mode else None,
        secret=secret.get_secret_value() if secret else None,
    )
    add_platform_routes(app, bot.services.platform, bot.clock)
    add_api_routes(app, bot.services, application.bot_data.catalogs)
    data = application.bot_data
    files = TelegramFiles(application.bot)
    mount_workbench(app, Workbench(bot.services, data.catalogs, data.renderer, bot.clock, files))
    web = WebServer(app, settings.server.host, settings.server.port)
    await web.start()
    polling: asyncio.Task[None] | None = None
    try:
        if webhook_mode:
            await reach(
                "setWebhook",
                lambda: application.bot.set_webhook(
                    settings.telegram.webhook_url or "",
                    secret_token=secret.get_secret_value() if secret else None,
                    allowed_updates=Update.ALL_TYPES,
                ),
            )
            log.info("webhook set; waiting for Telegram at /telegram/webhook")
        else:
            await reach("deleteWebhook", application.bot.delete_webhook)
            poller = Poller(application.bot, bot.handle, bot.clock)
            polling = asyncio.create_task(poller.run(stop), name="polling")
            log.info("polling for updates")
        if started is not None:
            started.set()
        await stop.wait()
        log.info("stopping: finishing in-flight updates")
        if polling is not None:
            await polling
    finally:
        await web.stop()
        await application.stop()
        await bot.stop()
        log.info("stopped")
