"""Alembic environment: runs on the connection `ticketbot migrate` hands in, or on its own."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from bot.config import load_settings
from storage.database import PostgresDatabase, SqliteDatabase, open_database
from storage.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters tables by copying them; batch mode does that for us.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _standalone() -> None:
    """`alembic -c storage/alembic.ini …` for developers: the configured database."""
    database = open_database(load_settings(None).database)
    try:
        if isinstance(database, PostgresDatabase):
            async with database.engine.connect() as connection:
                await connection.run_sync(_run)
                await connection.commit()
        elif isinstance(database, SqliteDatabase):
            with database.engine.connect() as connection:
                _run(connection)
                connection.commit()
    finally:
        await database.dispose()


shared = context.config.attributes.get("connection")
if shared is not None:
    _run(shared)
else:
    asyncio.run(_standalone())
