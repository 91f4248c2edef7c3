"""The dispatcher's Telegram side: a python-telegram-bot Bot sending rendered messages."""

from __future__ import annotations

from typing import Final

from telegram import Bot, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.notifier.dispatcher import Sender
from bot.rendering.messages import Message
from handlers.telegram.markup import inline_markup, reply_markup

#: The ticket's topic is gone (deleted in the group): the message goes to the chat instead.
_THREAD_GONE: Final = ("message thread not found", "topic_deleted")


class BotSender(Sender):
    def __init__(self, bot: Bot) -> None:
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
        sent = await self._bot.send_message(
            chat_id,
            message.text,
            parse_mode=ParseMode.HTML,
            reply_markup=reply_markup(message),
            disable_web_page_preview=True,
            message_thread_id=thread_id,
            reply_parameters=(
                ReplyParameters(message.reply_to, allow_sending_without_reply=True)
                if message.reply_to is not None
                else None
            ),
        )
        return sent.message_id

    async def edit(self, chat_id: int, message_id: int, message: Message) -> None:
        await self._bot.edit_message_text(
            message.text,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=inline_markup(message),
            disable_web_page_preview=True,
        )
