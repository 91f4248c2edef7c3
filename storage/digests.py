"""The daily digest's one row per team and day: claimed in the transaction that writes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from storage.tables import team_digests, upsert


class DigestRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def claim(self, team_id: int, day: str, now: datetime) -> bool:
        """Mark the team's digest of `day` as sent; False when it was already."""
        statement = (
            upsert(self._connection, team_digests)
            .values(team_id=team_id, day=day, sent_at=now)
            .on_conflict_do_nothing()
        )
        return self._connection.execute(statement).rowcount == 1
