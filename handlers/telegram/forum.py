"""The topic keeper's Telegram side: forum topic methods through a python-telegram-bot Bot."""

from __future__ import annotations

from typing import Final

from telegram import Bot
from telegram.error import BadRequest

from bot.notifier.topics import Forum, TopicGone, TopicsUnavailable, Unavailable

_NOT_MODIFIED: Final = "topic_not_modified"
_GONE: Final = ("message thread not found", "topic_deleted", "topic_id_invalid")
_NOT_FORUM: Final = ("not a forum", "chat_not_forum", "method is available only for forums")
_NO_RIGHT: Final = ("not enough rights", "chat_admin_required", "right_forbidden")


def _refusal(error: BadRequest) -> Exception | None:
    """The keeper's meaning of a 400, or None for one it does not expect."""
    message = error.message.lower()
    if any(text in message for text in _NOT_FORUM):
        return TopicsUnavailable(Unavailable.NOT_FORUM)
    if any(text in message for text in _NO_RIGHT):
        return TopicsUnavailable(Unavailable.NO_RIGHT)
    if any(text in message for text in _GONE):
        return TopicGone(error.message)
    return None


class BotForum(Forum):
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def create(self, chat_id: int, name: str) -> int:
        try:
            topic = await self._bot.create_forum_topic(chat_id, name)
        except BadRequest as error:
            raise _refusal(error) or error from error
        return topic.message_thread_id

    async def rename(self, chat_id: int, thread_id: int, name: str) -> None:
        try:
            await self._bot.edit_forum_topic(chat_id, thread_id, name=name)
        except BadRequest as error:
            if _NOT_MODIFIED in error.message.lower():
                return  # it already shows this name: harmless
            raise _refusal(error) or error from error

    async def set_closed(self, chat_id: int, thread_id: int, closed: bool) -> None:
        try:
            if closed:
                await self._bot.close_forum_topic(chat_id, thread_id)
            else:
                await self._bot.reopen_forum_topic(chat_id, thread_id)
        except BadRequest as error:
            if _NOT_MODIFIED in error.message.lower():
                return  # already closed (or open): harmless
            raise _refusal(error) or error from error

    async def hint(self, chat_id: int, text: str) -> None:
        await self._bot.send_message(chat_id, text)
