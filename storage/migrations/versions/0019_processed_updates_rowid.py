"""On SQLite, processed_updates keyed by its row id.

A BIGINT PRIMARY KEY is not SQLite's row id: the table kept its rows by row id and the update
ids in a second B-tree (sqlite_autoindex_processed_updates_1), so every update wrote two pages
to record that it was handled. Declared INTEGER, the update id is the row id. PostgreSQL keeps
BIGINT.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _retype(old: sa.types.TypeEngine[int], new: sa.types.TypeEngine[int]) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("processed_updates", recreate="always") as batch:
        batch.alter_column("update_id", existing_type=old, type_=new, existing_nullable=False)


def upgrade() -> None:
    _retype(sa.BigInteger(), sa.Integer())


def downgrade() -> None:
    _retype(sa.Integer(), sa.BigInteger())
