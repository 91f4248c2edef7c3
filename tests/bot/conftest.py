"""A bot world per test: the real bot on a migrated database against the in-process emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import DatabaseSettings
from storage.database import Database
from tests.support.botworld import BotWorld, settings_for, start_world
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
