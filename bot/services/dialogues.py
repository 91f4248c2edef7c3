"""Conversations that span several updates (guided /ticket, notes, evidence, confirmations).

Their state lives in the database, so a dialogue survives a restart and any bot process can
take the next step; PTB's ConversationHandler keeps it in one process's memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from bot.clock import Clock
from storage.conversation import DialogueState
from storage.database import Database

#: A dialogue nobody continued for this long is forgotten.
DIALOGUE_TTL: Final = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class Dialogue:
    kind: str
    team_id: int | None
    data: dict[str, Any]


class DialogueService:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    async def get(self, chat_id: int, user_id: int, kind: str | None = None) -> Dialogue | None:
        """The user's open dialogue in this chat (of `kind`, if given), unless it expired."""
        state = await self._db.read(lambda tx: tx.dialogues.get(chat_id, user_id))
        if state is None or self._clock.now() - state.updated_at > DIALOGUE_TTL:
            return None
        if kind is not None and state.kind != kind:
            return None
        return Dialogue(state.kind, state.team_id, state.data)

    async def put(self, chat_id: int, user_id: int, dialogue: Dialogue) -> None:
        state = DialogueState(
            chat_id, user_id, dialogue.team_id, dialogue.kind, dialogue.data, self._clock.now()
        )
        await self._db.transact(lambda tx: tx.dialogues.put(state))

    async def clear(self, chat_id: int, user_id: int) -> None:
        await self._db.transact(lambda tx: tx.dialogues.clear(chat_id, user_id))
