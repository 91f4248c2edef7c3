"""Direct replies through the bot's one pacer: python-telegram-bot's rate limiter hook.

Every Bot API call the handlers make passes through `process_request`; the ones that put a
message in a chat (or edit one, which Telegram counts too) first take a slot of that chat from
the pacer the outbox dispatcher uses, so replies and notices to one chat are spaced together.
A 429 holds that chat only, and the reply is tried again once it has passed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, Final

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.notifier.pacer import Pacer
from handlers.telegram.order import ChatOrder

log = logging.getLogger(__name__)

#: Methods that send or change a message in a chat: Telegram counts each towards its limits.
COUNTED: Final = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "sendSticker",
        "sendVideoNote",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendMediaGroup",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
    }
)

Callback = Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]]


class PacedRateLimiter(BaseRateLimiter[int]):
    """Paces counted methods per chat with the shared pacer; retries after a 429 (at most
    `max_retries` times, or `rate_limit_args` for one call)."""

    def __init__(
        self, pacer: Pacer, *, order: ChatOrder | None = None, max_retries: int = 2
    ) -> None:
        self._pacer = pacer
        self._order = order
        self._max_retries = max_retries

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = _chat_of(data) if endpoint in COUNTED else None
        if chat_id is not None and self._order is not None:
            # The update being handled answers: what it changes is committed.
            self._order.answering()
        count = len(data.get("media") or ()) if endpoint == "sendMediaGroup" else 1
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        attempt = 0
        while True:
            if chat_id is not None:
                await self._pacer.wait(chat_id, count=max(count, 1))
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = _seconds(error.retry_after)
                if chat_id is not None:
                    self._pacer.hold(chat_id, wait)
                log.warning(
                    "flood wait %.0fs on chat %s (%s, attempt %d)",
                    wait,
                    chat_id,
                    endpoint,
                    attempt + 1,
                )
                if attempt >= retries:
                    raise
                attempt += 1
                if chat_id is None:
                    await asyncio.sleep(wait)


def _chat_of(data: dict[str, Any]) -> int | None:
    """The numeric chat a call writes to (None for @channel usernames and inline messages)."""
    value = data.get("chat_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
