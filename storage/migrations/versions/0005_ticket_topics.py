"""A forum topic per ticket: which topic of which group shows which ticket, and its status.

Revision ID: 0005
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ticket_topics",
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("team_id", _ID, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("shown_status", sa.String(length=32), nullable=True),
        sa.Column("unavailable", sa.Boolean(), nullable=False),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_topics_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_ticket_topics_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_topics")),
    )
    with op.batch_alter_table("ticket_topics") as batch:
        batch.create_index(
            "ix_ticket_topics_chat_id_thread_id", ["chat_id", "thread_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket_topics") as batch:
        batch.drop_index("ix_ticket_topics_chat_id_thread_id")
    op.drop_table("ticket_topics")
