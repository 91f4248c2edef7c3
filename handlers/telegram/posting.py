"""Sending and editing our rendered messages without reading Telegram's answer back.

python-telegram-bot turns the answer to every sendMessage into a `Message`: the message itself,
the one it quotes, both their entities and the keyboard. Nothing we send reads more of it than
the new message's id, and building those objects was about 15% of a handled `/ticket` (py-spy,
bench.e2e): as much as the rest of the reply. So our bots post through the bot's own request
path (`_post`: defaults, the rate limiter, the same error mapping) and keep only the id.
"""

from __future__ import annotations

import json
from typing import Any, Final

from telegram import Bot
from telegram.constants import ParseMode
from telegram.ext import ExtBot

from bot.rendering.messages import Message
from handlers.telegram.markup import inline_markup_json, reply_markup_json

#: Parameters that are objects go as their JSON text, which PTB sends as it is.
_NO_PREVIEW: Final = json.dumps({"is_disabled": True})


class TextPoster(Bot):
    """A Bot that posts rendered messages (HTML, no link preview) and keeps only their id."""

    __slots__ = ()

    async def post(
        self,
        chat_id: int,
        message: Message,
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> int:
        """Send `message` to a chat (into a topic, or quoting `reply_to` if it is still there);
        returns the new message's id."""
        data = _rendered(message, reply_markup_json(message))
        data.update(
            chat_id=chat_id,
            message_thread_id=thread_id,
            reply_parameters=(
                json.dumps({"message_id": reply_to, "allow_sending_without_reply": True})
                if reply_to is not None
                else None
            ),
        )
        # A subclass's use of the bot's one request path: what send_message does but parse.
        answer = await self._post("sendMessage", data)
        return int(answer["message_id"])

    async def revise(self, chat_id: int, message_id: int, message: Message) -> None:
        """Change a message we sent (a card, a prompt) to `message`, buttons included."""
        data = _rendered(message, inline_markup_json(message))
        data.update(chat_id=chat_id, message_id=message_id)
        await self._post("editMessageText", data)


def _rendered(message: Message, markup: str | None) -> dict[str, Any]:
    """What every message of ours says and how: HTML, no link preview, its buttons."""
    return {
        "text": message.text,
        "parse_mode": ParseMode.HTML,
        "link_preview_options": _NO_PREVIEW,
        "reply_markup": markup,
    }


class TextPosterExtBot(TextPoster, ExtBot[int]):
    """The handlers' bot: PTB's ExtBot (rate limiter, defaults) that posts like TextPoster.
    (Its rate limiter takes a retry count per call: handlers.telegram.pacing.)"""

    __slots__ = ()
