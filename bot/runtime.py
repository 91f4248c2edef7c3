"""`ticketbot run`: the bot against Telegram (or any Bot API server), polling or webhook."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Callable
from typing import Any

from telegram import Update

from bot.app import TicketBot, build_bot
from bot.clock import SystemClock
from bot.config import ConfigError, Settings, config_path, load_settings, runnable_problem
from bot.polling import Poller
from handlers.web import WebServer, build_web_app
from storage.database import open_database

log = logging.getLogger(__name__)

AddCommand = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def register_commands(add: AddCommand) -> None:
    run = add("run", _run_command, "run the bot (polling or webhook, as configured)")
    run.add_argument(
        "--no-migrate", action="store_true", help="do not upgrade the database schema on start"
    )
    from bot.demo import register as register_demo

    register_demo(add)


def _run_command(arguments: argparse.Namespace) -> int:
    path = config_path(getattr(arguments, "config", None))
    settings = load_settings(path)
    problem = runnable_problem(settings, str(path) if path else "(defaults)")
    if problem is not None:
        raise ConfigError(problem)
    if not settings.teams:
        log.warning("no [[teams]] configured: every group will get the setup hint")
    asyncio.run(serve(settings, migrate=not arguments.no_migrate))
    return 0


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
    await bot.start()
    application = bot.application
    await application.start()

    async def health() -> dict[str, Any]:
        pending = await bot.database.read(lambda tx: tx.outbox.pending())
        return {
            "status": "ok",
            "bot": bot.bot_username,
            "mode": settings.telegram.mode,
            "database": bot.database.backend,
            "outbox_pending": pending,
        }

    secret = settings.telegram.webhook_secret
    web = WebServer(
        build_web_app(
            health,
            webhook=bot.process if webhook_mode else None,
            secret=secret.get_secret_value() if secret else None,
        ),
        settings.server.host,
        settings.server.port,
    )
    await web.start()
    polling: asyncio.Task[None] | None = None
    try:
        if webhook_mode:
            await application.bot.set_webhook(
                settings.telegram.webhook_url or "",
                secret_token=secret.get_secret_value() if secret else None,
                allowed_updates=Update.ALL_TYPES,
            )
            log.info("webhook set; waiting for Telegram at /telegram/webhook")
        else:
            await application.bot.delete_webhook()
            poller = Poller(application.bot, application.process_update)
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
