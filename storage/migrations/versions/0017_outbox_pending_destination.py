"""Per-destination order from pending rows only.

The claim asks, for each deliverable row, whether an older row of its destination is still
pending. On (destination, id) that walked every row the destination ever had, sent ones
included, so a busy chat's claim grew with its history (0.34 s per claim after a few
thousand messages to one chat in bench.e2e). Indexed on pending rows only, it sees the few
rows still waiting.

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_destination_id")
        batch.create_index(
            "ix_outbox_pending_destination",
            ["destination", "id"],
            unique=False,
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_pending_destination")
        batch.create_index("ix_outbox_destination_id", ["destination", "id"], unique=False)
