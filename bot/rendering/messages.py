"""A message to send, independent of the Telegram library: HTML text and button rows."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Message:
    """Text in Telegram's HTML parse mode, with optional inline buttons or a reply prompt."""

    text: str
    buttons: Keyboard = field(default_factory=tuple)
    #: Ask the user to answer by replying (works with privacy mode on in groups).
    force_reply: bool = False
    placeholder: str | None = None

    def to_bot_api(self) -> dict[str, object]:
        """The sendMessage/editMessageText parameters (text, parse_mode, reply_markup)."""
        params: dict[str, object] = {"text": self.text, "parse_mode": "HTML"}
        params["link_preview_options"] = {"is_disabled": True}
        if self.buttons:
            params["reply_markup"] = {
                "inline_keyboard": [
                    [
                        {"text": b.text, "url": b.url}
                        if b.url
                        else {"text": b.text, "callback_data": b.callback_data}
                        for b in row
                    ]
                    for row in self.buttons
                ]
            }
        elif self.force_reply:
            markup: dict[str, object] = {"force_reply": True, "selective": True}
            if self.placeholder:
                markup["input_field_placeholder"] = self.placeholder[:64]
            params["reply_markup"] = markup
        return params
