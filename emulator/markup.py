"""Validation and normalisation of reply_markup (inline keyboards, reply keyboards, ForceReply)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.entities import check_link
from emulator.errors import bad_request

_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_BUTTON_EXTRAS = ("style", "icon_custom_emoji_id")
MAX_CALLBACK_DATA_BYTES = 64


@dataclass(frozen=True)
class Markup:
    """A parsed reply_markup: `inline` is stored on the message, the rest is chat-level state."""

    kind: str  # "inline_keyboard" | "keyboard" | "remove_keyboard" | "force_reply"
    value: dict[str, Any]

    @property
    def inline(self) -> dict[str, Any] | None:
        return self.value if self.kind == "inline_keyboard" else None


def parse_markup(raw: Any) -> Markup | None:
    """Validate a decoded reply_markup object the way the Bot API server does."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        return Markup("inline_keyboard", _parse_inline(raw["inline_keyboard"]))
    if "keyboard" in raw:
        return Markup("keyboard", _parse_keyboard(raw))
    if raw.get("remove_keyboard"):
        return Markup("remove_keyboard", {"remove_keyboard": True})
    if raw.get("force_reply"):
        value: dict[str, Any] = {"force_reply": True}
        for key in ("input_field_placeholder", "selective"):
            if key in raw:
                value[key] = raw[key]
        return Markup("force_reply", value)
    raise bad_request("can't parse reply keyboard markup JSON object")


def _parse_inline(rows: Any) -> dict[str, Any]:
    if not isinstance(rows, list):
        raise bad_request('Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    result: list[list[dict[str, Any]]] = []
    for row in rows:
        if not isinstance(row, list):
            raise bad_request(
                'Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        result.append([_parse_inline_button(button) for button in row])
    return {"inline_keyboard": result}


def _parse_inline_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    text = button.get("text")
    if not isinstance(text, str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    actions = [name for name in _INLINE_ACTIONS if name in button and button[name] is not None]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    result: dict[str, Any] = {"text": text}
    action = actions[0]
    value = button[action]
    if action == "callback_data":
        data = value if isinstance(value, str) else str(value)
        if not data or len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
        value = data
    elif action == "url":
        url = check_link(str(value))
        if not url:
            raise bad_request("BUTTON_URL_INVALID")
        value = url
    result[action] = value
    for extra in _BUTTON_EXTRAS:
        if extra in button:
            result[extra] = button[extra]
    return result


def _parse_keyboard(raw: dict[str, Any]) -> dict[str, Any]:
    rows = raw["keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('Field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
    keyboard: list[list[dict[str, Any]]] = []
    for row in rows:
        buttons: list[dict[str, Any]] = []
        for button in row:
            if isinstance(button, str):
                buttons.append({"text": button})
            elif isinstance(button, dict) and isinstance(button.get("text"), str):
                buttons.append(dict(button))
            else:
                raise bad_request("can't parse keyboard button: KeyboardButton must be a String")
        keyboard.append(buttons)
    value: dict[str, Any] = {"keyboard": keyboard}
    for key in (
        "is_persistent",
        "resize_keyboard",
        "one_time_keyboard",
        "input_field_placeholder",
        "selective",
    ):
        if key in raw:
            value[key] = raw[key]
    return value


def callback_buttons(inline: dict[str, Any] | None) -> list[dict[str, Any]]:
    """All buttons of an inline keyboard, row by row."""
    if not inline:
        return []
    return [button for row in inline.get("inline_keyboard", []) for button in row]
