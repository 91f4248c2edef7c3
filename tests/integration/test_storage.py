"""Storage on both backends: the migrations match the models, and hot queries use their index."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Executable

from storage.database import Database
from storage.delivery import claim_query
from storage.models import Base
from storage.plans import explain
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


async def test_the_duplicate_check_seeks_team_order_and_kind(db: Database) -> None:
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
