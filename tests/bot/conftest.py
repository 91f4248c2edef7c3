"""A bot world per test: the real bot on a migrated database against the in-process emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import DatabaseSettings
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


@pytest.fixture
async def world(
    db: Database, database: DatabaseSettings, clock: FakeClock
) -> AsyncIterator[BotWorld]:
    """A team whose group speaks Chinese (the default)."""
    started = await start_world(db, clock, settings_for(database.url))
    yield started
    await started.bot.stop()


@pytest.fixture
async def english_world(
    db: Database, database: DatabaseSettings, clock: FakeClock
) -> AsyncIterator[BotWorld]:
    """A team whose group speaks English."""
    started = await start_world(db, clock, settings_for(database.url, language="en"))
    yield started
    await started.bot.stop()


@pytest.fixture
async def two_teams(
    db: Database, database: DatabaseSettings, clock: FakeClock
) -> AsyncIterator[BotWorld]:
    """The other shop's group is a team too; Mallory is in it, Eve in both."""
    started = await start_world(db, clock, settings_for(database.url, other_team=True))
    await started.send(OUTSIDER, OTHER_GROUP, "hello")
    await started.send(STRANGER, OTHER_GROUP, "hello")
    await started.send(STRANGER, GROUP, "hello")
    yield started
    await started.bot.stop()
