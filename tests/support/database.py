"""Databases for integration tests: a fresh SQLite file, or a clean PostgreSQL database."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Final

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import DatabaseSettings
from storage.database import Database, PostgresDatabase, open_database
from storage.models import Base

PG_URL_ENV: Final = "TICKETBOT_TEST_PG_URL"
#: CI sets this so that a missing PostgreSQL fails the run instead of skipping its tests.
REQUIRE_PG_ENV: Final = "TICKETBOT_REQUIRE_PG"


def postgres_url() -> str | None:
    return os.environ.get(PG_URL_ENV) or None


def sqlite_settings(path: Path) -> DatabaseSettings:
    return DatabaseSettings(url=f"sqlite:///{path}")


async def migrated_sqlite_template(directory: Path) -> Path:
    """A migrated SQLite file to copy for each test (migrating once is the slow part)."""
    template = directory / "template.db"
    database = open_database(sqlite_settings(template))
    try:
        await database.migrate()
    finally:
        await database.dispose()
    return template


def fresh_sqlite(template: Path, directory: Path) -> DatabaseSettings:
    path = directory / f"{uuid.uuid4().hex}.db"
    shutil.copyfile(template, path)
    return sqlite_settings(path)


async def create_scratch_postgres(base_url: str) -> str:
    """A new empty database on the server of `base_url`; returns its URL."""
    url = make_url(base_url)
    name = f"ticketbot_test_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


async def drop_scratch_postgres(base_url: str, scratch_url: str) -> None:
    name = make_url(scratch_url).database
    admin = create_async_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def truncate_all(database: Database) -> None:
    """Empty every table of a PostgreSQL test database between tests (fast, keeps schema)."""
    assert isinstance(database, PostgresDatabase)
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    async with database.engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
