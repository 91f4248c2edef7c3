"""Storage on both backends: the migrations match the models, and hot queries use their index."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Executable, insert

from bot.config import DatabaseSettings
from storage.database import Database, open_database
from storage.delivery import claim_query
from storage.migrate import alembic_config
from storage.models import Base
from storage.plans import explain
from storage.tables import teams, tickets
from storage.tickets import due_query, pending_duplicate_query

NOW = datetime(2026, 11, 2, tzinfo=UTC)


async def test_migrations_create_exactly_the_models(db: Database) -> None:
    def differences(tx: object) -> list[object]:
        connection = tx.connection  # type: ignore[attr-defined]
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))

    assert await db.read(differences) == []


async def _plan(db: Database, statement: Executable, params: dict[str, object]) -> str:
    def body(tx: object) -> str:
        connection = tx.connection  # type: ignore[attr-defined]
        if connection.dialect.name == "postgresql":
            # Empty test tables make a sequential scan cheapest; ask what plan the index gives.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return explain(connection, statement, params)

    return await db.read(body)


async def _a_busy_team(db: Database) -> None:
    """Two thousand tickets over many orders, with the planner's statistics taken: on empty
    tables every index costs the same, and PostgreSQL's choice among them says nothing."""

    def body(tx: object) -> None:
        connection = tx.connection  # type: ignore[attr-defined]
        connection.execute(
            insert(teams),
            [
                {
                    "id": 1,
                    "chat_id": -1,
                    "name": "t",
                    "language": "en",
                    "timezone": "UTC",
                    "created_at": NOW,
                }
            ],
        )
        statuses = ["open", "in_progress", "resolved", "closed", "escalated"]
        connection.execute(
            insert(tickets),
            [
                {
                    "team_id": 1,
                    "number": n,
                    "order_id": f"TB{n % 700}",
                    "kind": "collab",
                    "description": "x",
                    "creator_id": 1,
                    "assignee_id": 2,
                    "status": statuses[n % 5],
                    "created_at": NOW,
                    "updated_at": NOW,
                    "due_at": NOW,
                }
                for n in range(1, 2001)
            ],
        )
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE tickets")

    await db.transact(body)


async def test_the_duplicate_check_seeks_team_order_and_kind(db: Database) -> None:
    await _a_busy_team(db)
    plan = await _plan(
        db, pending_duplicate_query(), {"team_id": 1, "order_id": "TB1", "kind": "collab"}
    )
    assert "ix_tickets_team_id_order_id_kind" in plan


async def test_the_sweep_reads_due_tickets_from_the_next_action_index(db: Database) -> None:
    plan = await _plan(db, due_query(limit=100), {"now": NOW})
    assert "ix_tickets_next_action_at" in plan


async def test_the_dispatcher_claims_from_the_pending_outbox_index(db: Database) -> None:
    plan = await _plan(db, claim_query(limit=50), {"now": NOW})
    assert "ix_outbox_pending" in plan


@pytest.mark.parametrize("scheme", ["sqlite", "sqlite+aiosqlite"])
async def test_either_sqlite_url_migrates_and_opens_the_database(
    tmp_path: Path, scheme: str
) -> None:
    settings = DatabaseSettings(url=f"{scheme}:///{tmp_path / 'bot.db'}")
    database = open_database(settings)
    try:
        assert database.backend == "sqlite"
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert await database.migrate() == head
        assert await database.read(lambda tx: tx.dialogues.get(1, 1)) is None
    finally:
        await database.dispose()
