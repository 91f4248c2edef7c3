"""Updates of one chat take effect in the order they came, however many are handled at once.

The poller and the webhook route hand several updates to the bot at once; a handler that waits
(a read on a cold cache, a file download) would otherwise let a later update of the same chat
commit first: "/ticket … @newcomer" right behind the newcomer's first message in the group
would find no such member yet. So each update waits for the previous update of its chat to
answer (its first message or edit in a chat: what it changes is committed by then) or to end;
updates of different chats never wait for each other. Waiting for the answer rather than the
end keeps a busy group's updates from queueing behind each other's paced replies.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar


class ChatOrder:
    def __init__(self) -> None:
        #: Per chat, the turn of its newest update: the next one waits for it.
        self._newest: dict[int, asyncio.Future[None]] = {}
        #: The turn of the update this task handles (handlers' Bot API calls run in its context).
        self._current: ContextVar[asyncio.Future[None] | None] = ContextVar(
            "chat_turn", default=None
        )

    @asynccontextmanager
    async def turn(self, chat_id: int | None) -> AsyncIterator[None]:
        """Handle an update of `chat_id` (None: no chat, no order) after the chat's previous one
        answered or ended."""
        if chat_id is None:
            yield
            return
        previous = self._newest.get(chat_id)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._newest[chat_id] = mine
        token = self._current.set(mine)
        try:
            if previous is not None:
                # Shielded: this update being cancelled must not cancel the previous one's turn.
                await asyncio.shield(previous)
            yield
        finally:
            self._current.reset(token)
            _end(mine)
            if self._newest.get(chat_id) is mine:
                del self._newest[chat_id]

    def answering(self) -> None:
        """The update being handled in this task answers in a chat: its chat's next update may
        go on (a no-op outside a turn, e.g. for the outbox dispatcher's sends)."""
        mine = self._current.get()
        if mine is not None:
            _end(mine)

    def waiting(self) -> int:
        """Chats with an update being handled (for tests and health)."""
        return len(self._newest)


def _end(turn: asyncio.Future[None]) -> None:
    if not turn.done():
        turn.set_result(None)
