"""Turning an update's JSON into PTB's Update, refusing what cannot be handled.

Telegram delivers an update again until it is accepted (webhook) or confirmed (polling), so an
update that cannot be decoded must be dropped with a log line, never allowed to fail forever.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import Bot, Update


class UndecodableUpdate(Exception):
    """An update that cannot be handled; `update_id` is what Telegram numbered it, if known."""

    def __init__(self, update_id: object, reason: str) -> None:
        super().__init__(f"update {update_id}: {reason}")
        self.update_id = update_id
        self.reason = reason


def decode_update(data: Mapping[str, Any], bot: Bot) -> Update:
    """The Update of `data`, or UndecodableUpdate saying why there is none."""
    update_id = data.get("update_id")
    try:
        update = Update.de_json(dict(data), bot)
    except Exception as error:  # PTB's decoders raise whatever malformed input provokes
        raise UndecodableUpdate(update_id, f"{type(error).__name__}: {error}") from error
    message = update.effective_message
    # PTB decodes a message without a chat (or date) into one the handlers cannot answer.
    if message is not None and (
        getattr(message, "chat", None) is None or getattr(message, "date", None) is None
    ):
        raise UndecodableUpdate(update_id, "a message without chat or date")
    return update
