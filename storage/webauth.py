"""One-time sign-in links to the workbench: issued for a user, redeemed at most once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from storage.tables import web_signins


class SignInRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, digest: str, user_id: int, now: datetime, expires_at: datetime) -> None:
        # Links long expired are of no use to anyone: cleared as new ones are made.
        self._connection.execute(delete(web_signins).where(web_signins.c.expires_at < now))
        self._connection.execute(
            insert(web_signins).values(
                token_digest=digest,
                user_id=user_id,
                created_at=now,
                expires_at=expires_at,
                used_at=None,
            )
        )

    def redeem(self, digest: str, now: datetime) -> int | None:
        """The user the link was made for, marking it used; None if unknown, used or expired.

        One UPDATE decides, so two browsers racing with the same link cannot both win."""
        claimed = self._connection.execute(
            update(web_signins)
            .where(
                web_signins.c.token_digest == digest,
                web_signins.c.used_at.is_(None),
                web_signins.c.expires_at > now,
            )
            .values(used_at=now)
        )
        if claimed.rowcount != 1:
            return None
        user_id = self._connection.execute(
            select(web_signins.c.user_id).where(web_signins.c.token_digest == digest)
        ).scalar_one()
        return int(user_id)
