"""Dialogue state and processed update ids: what a multi-step chat remembers between updates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.domain.errors import AlreadyProcessed
from storage import prepared
from storage.prepared import Prepared
from storage.tables import dialogues, processed_updates, upsert


@dataclass(frozen=True, slots=True)
class DialogueState:
    chat_id: int
    user_id: int
    team_id: int | None
    kind: str
    data: dict[str, Any]
    updated_at: datetime


class DialogueRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, chat_id: int, user_id: int) -> DialogueState | None:
        result = self._connection.execute(
            select(dialogues).where(dialogues.c.chat_id == chat_id, dialogues.c.user_id == user_id)
        )
        row = result.mappings().one_or_none()
        if row is None:
            return None
        return DialogueState(
            row["chat_id"],
            row["user_id"],
            row["team_id"],
            row["kind"],
            dict(row["data"]),
            row["updated_at"],
        )

    def put(self, state: DialogueState) -> None:
        values = {
            "team_id": state.team_id,
            "kind": state.kind,
            "data": state.data,
            "updated_at": state.updated_at,
        }
        statement = upsert(self._connection, dialogues).values(
            chat_id=state.chat_id, user_id=state.user_id, **values
        )
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[dialogues.c.chat_id, dialogues.c.user_id], set_=values
            )
        )

    def clear(self, chat_id: int, user_id: int) -> None:
        self._connection.execute(
            delete(dialogues).where(dialogues.c.chat_id == chat_id, dialogues.c.user_id == user_id)
        )


_CLAIM: Final = Prepared(insert(processed_updates))


class ProcessedUpdateRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        #: The update id this transaction recorded (claim), if any.
        self.claimed: int | None = None

    def claim(self, update_id: int, now: datetime) -> None:
        """Record the update in this transaction; AlreadyProcessed if it was handled before."""
        try:
            params = {"update_id": update_id, "processed_at": now}
            prepared.execute(self._connection, _CLAIM, params)
        except IntegrityError:
            # The primary key: another transaction recorded this update first (on PostgreSQL
            # a concurrent one waits for it to commit), so its effect stands already.
            raise AlreadyProcessed(update_id=update_id) from None
        self.claimed = update_id

    def remember(self, update_id: int, now: datetime) -> None:
        """Record a handled update whose use case (if any) did not record it already: a
        read-only command, whose answer must not be given again either."""
        statement = upsert(self._connection, processed_updates).values(
            update_id=update_id, processed_at=now
        )
        self._connection.execute(statement.on_conflict_do_nothing(index_elements=["update_id"]))

    def highest(self) -> int | None:
        """The highest update id recorded (None: none)."""
        result = self._connection.execute(select(func.max(processed_updates.c.update_id)))
        value = result.scalar_one_or_none()
        return int(value) if value is not None else None

    def seen(self, update_id: int) -> bool:
        result = self._connection.execute(
            select(processed_updates.c.update_id).where(processed_updates.c.update_id == update_id)
        )
        return result.first() is not None

    def forget_before(self, cutoff: datetime) -> int:
        result = self._connection.execute(
            delete(processed_updates).where(processed_updates.c.processed_at < cutoff)
        )
        return int(result.rowcount)
