"""A bot world per test: the real bot on a migrated database against the in-process emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from bot.config import DatabaseSettings, Settings
from storage.database import Database
from tests.support.botworld import (
    GROUP,
    OTHER_GROUP,
    OUTSIDER,
    STRANGER,
    BotWorld,
    settings_for,
    start_world,
)
from tests.support.clock import FakeClock

StartWorld = Callable[[Settings], Awaitable[BotWorld]]


@pytest.fixture
async def start_with(db: Database, clock: FakeClock) -> AsyncIterator[StartWorld]:
    """Start the bot world with the given settings; it is stopped after the test."""
    started: list[BotWorld] = []

    async def start(settings: Settings) -> BotWorld:
        started.append(await start_world(db, clock, settings))
        return started[-1]

    yield start
    for world in started:
        await world.bot.stop()


@pytest.fixture
async def world(start_with: StartWorld, database: DatabaseSettings) -> BotWorld:
    """A team whose group speaks Chinese (the default)."""
    return await start_with(settings_for(database.url))


@pytest.fixture
async def english_world(start_with: StartWorld, database: DatabaseSettings) -> BotWorld:
    """A team whose group speaks English."""
    return await start_with(settings_for(database.url, language="en"))


@pytest.fixture
async def two_teams(start_with: StartWorld, database: DatabaseSettings) -> BotWorld:
    """The other shop's group is a team too; Mallory is in it, Eve in both."""
    started = await start_with(settings_for(database.url, other_team=True))
    await started.send(OUTSIDER, OTHER_GROUP, "hello")
    await started.send(STRANGER, OTHER_GROUP, "hello")
    await started.send(STRANGER, GROUP, "hello")
    return started
