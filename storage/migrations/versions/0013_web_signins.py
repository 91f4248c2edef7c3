"""One-time sign-in links to the workbench (the digest of each token, used once), and the
indexes its lists and bucket counts read.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_signins",
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("token_digest", name=op.f("pk_web_signins")),
    )
    op.create_index("ix_tickets_team_id_due_at_id", "tickets", ["team_id", "due_at", "id"])
    op.create_index(
        "ix_tickets_assignee_list",
        "tickets",
        ["team_id", "assignee_id", "status", "due_at", "kind", "created_at"],
    )
    op.create_index(
        "ix_tickets_buckets",
        "tickets",
        ["team_id", "status", "due_at", "held_since", "assignee_id", "cancel_requested_by"],
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_buckets", table_name="tickets")
    op.drop_index("ix_tickets_assignee_list", table_name="tickets")
    op.drop_index("ix_tickets_team_id_due_at_id", table_name="tickets")
    op.drop_table("web_signins")
