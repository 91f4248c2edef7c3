"""Drop two indexes of tickets that no query needs.

- ix_tickets_team_id_status_due_at: every query that could seek (team_id, status, due_at)
  seeks the same prefix of ix_tickets_buckets.
- ix_tickets_status_due_at: every query of tickets by status names the team (the lists, the
  buckets, the counts) or the assignee (/mine across teams: ix_tickets_assignee_id_status);
  the sweeper reads ix_tickets_next_action_at.

Each only cost its upkeep: one more B-tree page written by every ticket insert and every
change of a status or a deadline, and one more WAL frame in that commit (bench.e2e: +1.5%
/ticket per second for each).

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
        batch.drop_index("ix_tickets_status_due_at")


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.create_index("ix_tickets_status_due_at", ["status", "due_at"], unique=False)
        batch.create_index(
            "ix_tickets_team_id_status_due_at", ["team_id", "status", "due_at"], unique=False
        )
