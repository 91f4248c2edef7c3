"""A message to send, independent of the Telegram library: HTML text and button rows."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None
    #: A Mini App's URL (private chats only: Telegram refuses web_app buttons in groups).
    web_app: str | None = None


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Message:
    """Text in Telegram's HTML parse mode, with optional inline buttons or a reply prompt."""

    text: str
    buttons: Keyboard = field(default_factory=tuple)
    #: Ask the user to answer by replying (works with privacy mode on in groups).
    force_reply: bool = False
    placeholder: str | None = None
    #: The forum topic to post in (the ticket's own topic); None: the chat itself (General).
    thread_id: int | None = None
    #: Answer this message of the chat (a repeated escalation answers the first one).
    reply_to: int | None = None
