"""A message's keyboard: as the Bot API's JSON, which our posts send as it is, and as a
python-telegram-bot object for PTB's own methods.

Our posts send the JSON text: PTB passes a string parameter through untouched, where a
keyboard object is turned into a dict and then into JSON on every send (with the rest of the
request, about a fifth of a card's post in py-spy on bench.e2e).
"""

from __future__ import annotations

import json
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.rendering.messages import Button, Message


def _button(button: Button) -> dict[str, Any]:
    if button.web_app:
        return {"text": button.text, "web_app": {"url": button.web_app}}
    if button.url:
        return {"text": button.text, "url": button.url}
    return {"text": button.text, "callback_data": button.callback_data}


def _inline_keyboard(message: Message) -> dict[str, Any] | None:
    if not message.buttons:
        return None
    return {"inline_keyboard": [[_button(button) for button in row] for row in message.buttons]}


def inline_markup_json(message: Message) -> str | None:
    """The message's buttons (what an edit can change), as JSON."""
    keyboard = _inline_keyboard(message)
    return json.dumps(keyboard) if keyboard else None


def reply_markup_json(message: Message) -> str | None:
    """The message's buttons, or else its reply prompt, as JSON."""
    if message.buttons:
        return inline_markup_json(message)
    if message.force_reply:
        prompt: dict[str, Any] = {"force_reply": True, "selective": True}
        if message.placeholder is not None:
            prompt["input_field_placeholder"] = message.placeholder
        return json.dumps(prompt)
    return None


def inline_markup(message: Message) -> InlineKeyboardMarkup | None:
    """The message's buttons as python-telegram-bot's object."""
    keyboard = _inline_keyboard(message)
    return InlineKeyboardMarkup.de_json(keyboard, None) if keyboard else None
