"""Another process holds the SQLite file beyond the busy timeout: every command is answered
(nothing changed, try again), the bot goes on once the lock is gone, and /healthz says that
writes are failing while they are."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import STUCK_AFTER
from handlers.web import build_web_app
from storage.database import open_database
from tests.support.botworld import AGENT, GROUP, BotWorld, settings_for, start_world
from tests.support.clock import FakeClock
from tests.support.database import fresh_sqlite

#: A guard against the hang this fixes, never reached when things work.
HANG = 30.0
NOTHING_CHANGED = "系统出错，未做任何修改，请重试。"


@pytest.fixture
async def short_busy_world(
    sqlite_template: Path, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[tuple[BotWorld, Path]]:
    settings = fresh_sqlite(sqlite_template, tmp_path).model_copy(update={"busy_timeout_ms": 50})
    database = open_database(settings)
    world = await start_world(database, clock, settings_for(settings.url))
    yield world, Path(settings.url.split(":///", 1)[1])
    await world.bot.stop()
    await database.dispose()


async def test_a_locked_database_answers_every_command_and_the_bot_recovers(
    short_busy_world: tuple[BotWorld, Path], clock: FakeClock
) -> None:
    world, path = short_busy_world
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        for order in ("TB1001", "TB1002"):
            await asyncio.wait_for(
                world.send(AGENT, GROUP, f"/ticket {order} #task 锁住了"), timeout=HANG
            )
            assert world.bot_texts(GROUP)[-1] == NOTHING_CHANGED
        assert (await world.bot.health())["status"] == "ok"  # a moment's lock is no outage
        clock.advance(STUCK_AFTER + timedelta(seconds=1))
        health = await world.bot.health()
        assert health["status"] == "stuck"
        assert "database writes failing for 31s" in health["problems"][0]
        assert "database is locked" in health["problems"][0]
    finally:
        other.rollback()
        other.close()

    await asyncio.wait_for(world.send(AGENT, GROUP, "/ticket TB1003 #task 好了"), timeout=HANG)
    assert [ticket.order_id for ticket in await world.tickets()] == ["TB1003"]
    assert (await world.bot.health())["status"] == "ok"


async def test_healthz_answers_503_with_the_reasons_while_writes_fail(
    short_busy_world: tuple[BotWorld, Path], clock: FakeClock
) -> None:
    world, path = short_busy_world
    app = build_web_app(world.bot.health, webhook=None, secret=None)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    async with TestClient(TestServer(app)) as client:
        try:
            await asyncio.wait_for(world.send(AGENT, GROUP, "/help"), timeout=HANG)
            clock.advance(STUCK_AFTER)
            async with client.get("/healthz") as response:
                assert response.status == 503
                assert "database is locked" in (await response.json())["problems"][0]
        finally:
            other.rollback()
            other.close()
        await asyncio.wait_for(world.send(AGENT, GROUP, "/help"), timeout=HANG)
        async with client.get("/healthz") as response:
            assert response.status == 200
