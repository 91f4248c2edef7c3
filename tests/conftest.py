"""Fixtures shared by all tests: a fake clock, and migrated databases on both backends."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.config import DatabaseSettings
from storage.database import Database, open_database
from tests.support.clock import FakeClock
from tests.support.database import (
    PG_URL_ENV,
    REQUIRE_PG_ENV,
    create_scratch_postgres,
    drop_scratch_postgres,
    fresh_sqlite,
    migrated_sqlite_template,
    postgres_url,
    truncate_all,
)

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# Session fixtures are synchronous and run their own short event loops: the databases they
# make outlive any one test's loop, and connections never cross loops.


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return asyncio.run(migrated_sqlite_template(tmp_path_factory.mktemp("sqlite-template")))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """One migrated scratch database for the whole run; each test starts from empty tables."""
    base = postgres_url()
    if base is None:
        if os.environ.get(REQUIRE_PG_ENV):
            pytest.fail(f"{REQUIRE_PG_ENV} is set but {PG_URL_ENV} is not")
        pytest.skip(f"{PG_URL_ENV} is not set: PostgreSQL tests skipped (CI sets it)")
    url = asyncio.run(create_scratch_postgres(base))
    try:
        asyncio.run(_migrate(DatabaseSettings(url=url)))
        yield url
    finally:
        asyncio.run(drop_scratch_postgres(base, url))


async def _migrate(settings: DatabaseSettings) -> None:
    database = open_database(settings)
    try:
        await database.migrate()
    finally:
        await database.dispose()


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> DatabaseSettings:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        return fresh_sqlite(template, tmp_path)
    url: str = request.getfixturevalue("postgres_database")
    return DatabaseSettings(url=url)


@pytest.fixture
async def db(database: DatabaseSettings) -> AsyncIterator[Database]:
    """The database of `database`, open, empty and migrated."""
    opened = open_database(database)
    if opened.backend == "postgresql":
        await truncate_all(opened)
    yield opened
    await opened.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests ran on PostgreSQL, so a CI log shows they were not skipped."""
    counts: dict[str, int] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if "[postgres" in getattr(report, "nodeid", "") and report.when in ("call", "setup"):
                if outcome == "passed" and report.when != "call":
                    continue
                counts[outcome] = counts.get(outcome, 0) + 1
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items()))
    terminalreporter.write_line(f"PostgreSQL tests: {summary or 'none collected'}")
