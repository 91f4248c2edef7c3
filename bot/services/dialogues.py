"""Conversations that span several updates (guided /ticket, notes, evidence, confirmations).

Their state lives in the database, so a dialogue survives a restart and any bot process can
take the next step; PTB's ConversationHandler keeps it in one process's memory. Which step may
follow which is bot/domain/dialogue.py's table.
"""

from __future__ import annotations

from typing import Any, Final

from bot.clock import Clock
from bot.domain.dialogue import (
    DIALOGUE_TTL,
    GUIDED,
    Dialogue,
    DialogueInput,
    DialogueStep,
    OutOfStep,
)
from storage.conversation import DialogueState
from storage.database import Database

#: The stored kind of every guided /ticket step; which step it is is kept in the data.
_GUIDED_KIND: Final = "new"


def _row(dialogue: Dialogue) -> tuple[str, dict[str, Any]]:
    """The kind and data stored for `dialogue` (the form rows have always had)."""
    if dialogue.step in GUIDED:
        return _GUIDED_KIND, dialogue.data | {"step": dialogue.step.value}
    return dialogue.step.value, dialogue.data


def _dialogue(state: DialogueState) -> Dialogue | None:
    data = dict(state.data)
    name = data.pop("step", None) if state.kind == _GUIDED_KIND else state.kind
    try:
        step = DialogueStep(name)
    except ValueError:
        return None  # a kind or step this version does not know: as if none was under way
    if (state.kind == _GUIDED_KIND) != (step in GUIDED):
        return None
    return Dialogue(step, state.team_id, data)


class DialogueService:
    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    async def get(self, chat_id: int, user_id: int) -> Dialogue | None:
        """The user's open dialogue in this chat, unless it expired."""
        state = await self._db.read(lambda tx: tx.dialogues.get(chat_id, user_id))
        if state is None or self._clock.now() - state.updated_at > DIALOGUE_TTL:
            return None
        return _dialogue(state)

    async def expect(self, chat_id: int, user_id: int, given: DialogueInput) -> Dialogue:
        """The user's open dialogue in this chat if its step takes `given`, or OutOfStep."""
        dialogue = await self.get(chat_id, user_id)
        if dialogue is None or not dialogue.takes(given):
            raise OutOfStep(dialogue.step if dialogue else None, given)
        return dialogue

    async def put(self, chat_id: int, user_id: int, dialogue: Dialogue) -> None:
        kind, data = _row(dialogue)
        state = DialogueState(chat_id, user_id, dialogue.team_id, kind, data, self._clock.now())
        await self._db.transact(lambda tx: tx.dialogues.put(state))

    async def end(self, chat_id: int, user_id: int, given: DialogueInput) -> None:
        """`given` ends the dialogue if its step is one `given` ends; any other is left be."""
        dialogue = await self.get(chat_id, user_id)
        if dialogue is not None and dialogue.ends(given):
            await self.clear(chat_id, user_id)

    async def clear(self, chat_id: int, user_id: int) -> None:
        await self._db.transact(lambda tx: tx.dialogues.clear(chat_id, user_id))
