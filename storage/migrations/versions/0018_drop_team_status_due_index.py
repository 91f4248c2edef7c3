"""Drop ix_tickets_team_id_status_due_at: ix_tickets_buckets begins with its three columns.

Every query that could seek (team_id, status, due_at) seeks the same prefix of
ix_tickets_buckets, so the shorter index only cost its upkeep: one more B-tree written by
every ticket insert and by every change of a status or a deadline (bench.e2e: +1.5% /ticket
per second without it).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_team_id_status_due_at")


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.create_index(
            "ix_tickets_team_id_status_due_at", ["team_id", "status", "due_at"], unique=False
        )
