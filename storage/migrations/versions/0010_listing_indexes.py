"""Indexes for the team's lists: deadline order and buckets, and recently updated tickets.

Revision ID: 0010
Revises: 0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tickets_team_id_status_due_at", "tickets", ["team_id", "status", "due_at"])
    op.create_index("ix_tickets_team_id_updated_at", "tickets", ["team_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_tickets_team_id_updated_at", table_name="tickets")
    op.drop_index("ix_tickets_team_id_status_due_at", table_name="tickets")
