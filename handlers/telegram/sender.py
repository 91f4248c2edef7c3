"""The dispatcher's Telegram side: a python-telegram-bot Bot sending rendered messages."""

from __future__ import annotations

from telegram import Bot
from telegram.constants import ParseMode

from bot.notifier.dispatcher import Sender
from bot.rendering.messages import Message
from handlers.telegram.markup import inline_markup, reply_markup


class BotSender(Sender):
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, message: Message) -> int:
        sent = await self._bot.send_message(
            chat_id,
            message.text,
            parse_mode=ParseMode.HTML,
            reply_markup=reply_markup(message),
            disable_web_page_preview=True,
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
