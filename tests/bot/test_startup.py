"""Starting while the Bot API is down or a configured group does not exist."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_bot
from bot.config import DatabaseSettings, Settings
from bot.runtime import run_bot
from emulator.core import EmulatorCore
from emulator.ptb import EmulatedRequest
from emulator.scenario import BotSpec
from storage.database import Database, open_database
from tests.support.botworld import FAST_DISPATCH, GROUP, scenario
from tests.support.clock import LoopClock
from tests.support.database import fresh_sqlite

MISSING_GROUP = -1000000000042


def settings(url: str, *team_chats: int) -> Settings:
    return Settings.model_validate(
        {
            "telegram": {"token": BotSpec().token},
            "database": {"url": url},
            "server": {"port": 0},
            "dispatcher": dict(FAST_DISPATCH),
            "teams": [{"chat_id": chat, "name": f"Team {chat}"} for chat in team_chats],
        }
    )


def bad_gateway_until(core: EmulatorCore, clock: LoopClock, seconds: float) -> list[str]:
    """The Bot API answers 502 to every call for `seconds` from the first one (a proxy in
    front of a Telegram that is restarting); returns the methods it refused."""
    refused: list[str] = []
    answer = core.call
    first: list[datetime] = []

    async def call(
        token: str, method: str, params: dict[str, Any], files: Any = None
    ) -> tuple[int, dict[str, Any]]:
        first.append(first[0] if first else clock.now())
        if clock.now() < first[0] + timedelta(seconds=seconds):
            refused.append(method)
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        return await answer(token, method, params, files)

    core.call = call  # type: ignore[method-assign]
    return refused


@pytest.fixture
async def sqlite_db(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Database]:
    """SQLite only: the loop's compressed time (looptime) would run out PostgreSQL's
    connect timeouts while real sockets wait, and storage is not what is tested here."""
    database = open_database(fresh_sqlite(sqlite_template, tmp_path))
    yield database
    await database.dispose()


@pytest.mark.looptime
async def test_the_bot_keeps_trying_while_the_bot_api_answers_502_at_start(
    sqlite_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    core = EmulatorCore(scenario())
    clock = LoopClock()
    refused = bad_gateway_until(core, clock, 15)
    config = settings("sqlite:///not-opened-here.db", GROUP)  # the bot gets sqlite_db
    bot = build_bot(
        config,
        sqlite_db,
        clock,
        request=EmulatedRequest(core),
        updates_request=EmulatedRequest(core),
    )
    stop, started = asyncio.Event(), asyncio.Event()
    with caplog.at_level(logging.WARNING, logger="bot.runtime"):
        running = asyncio.create_task(run_bot(bot, config, stop, started=started))
        done = asyncio.create_task(started.wait())
        await asyncio.wait({done, running}, return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        await running  # raises what made the start fail, if anything did

    assert started.is_set()
    assert len(refused) > 3  # it did try again, more than once
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.runtime"]
    assert len(warnings) == 1, warnings  # said once, not at every try
    assert "cannot reach the Bot API at" in warnings[0]
    assert "Bad Gateway" in warnings[0]
    assert core.bot.token not in warnings[0]


async def test_a_team_whose_chat_does_not_exist_is_one_warning_line(
    db: Database, database: DatabaseSettings, caplog: pytest.LogCaptureFixture
) -> None:
    core = EmulatorCore(scenario())
    bot = build_bot(
        settings(database.url, GROUP, MISSING_GROUP), db, LoopClock(), request=EmulatedRequest(core)
    )
    with caplog.at_level(logging.WARNING):
        await bot.start(workers=False)
    try:
        problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(problems) == 1, [r.getMessage() for r in problems]
        assert problems[0].exc_info is None  # no traceback
        line = problems[0].getMessage()
        assert str(MISSING_GROUP) in line
        assert "check [[teams]] chat_id and that the bot was added to that group" in line
    finally:
        await bot.stop()
