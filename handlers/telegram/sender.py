"""The dispatcher's Telegram side: a python-telegram-bot Bot sending rendered messages."""

from __future__ import annotations

from typing import Final

from telegram.error import BadRequest

from bot.notifier.dispatcher import Sender
from bot.rendering.messages import Message
from handlers.telegram.posting import TextPoster

#: The ticket's topic is gone (deleted in the group): the message goes to the chat instead.
_THREAD_GONE: Final = ("message thread not found", "topic_deleted")


class BotSender(Sender):
    def __init__(self, bot: TextPoster) -> None:
        self._bot = bot

    async def send(self, chat_id: int, message: Message) -> int:
        try:
            return await self._send(chat_id, message, message.thread_id)
        except BadRequest as error:
            if message.thread_id is None or not any(
                gone in error.message.lower() for gone in _THREAD_GONE
            ):
                raise
        return await self._send(chat_id, message, None)

    async def _send(self, chat_id: int, message: Message, thread_id: int | None) -> int:
        return await self._bot.post(
            chat_id, message, reply_to=message.reply_to, thread_id=thread_id
        )

    async def edit(self, chat_id: int, message_id: int, message: Message) -> None:
        await self._bot.revise(chat_id, message_id, message)
