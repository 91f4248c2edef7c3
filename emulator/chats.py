"""The emulated world's state: personas, chats and their messages, and the panel's live events.

`World` stores what exists (who is in which chat, which messages a chat holds, which callback
queries are open), renders it as Telegram dicts and tells listeners (the panel) what changed.
The Bot API methods, the persona actions and the inspection helpers all work on one `World`.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from emulator.errors import PersonaError, bad_request, forbidden
from emulator.params import Params
from emulator.scenario import GroupSpec, PersonaSpec, Scenario

logger = logging.getLogger(__name__)

_CANT_INITIATE = "bot can't initiate conversation with a user"

Event = dict[str, Any]


@dataclass
class Persona:
    spec: PersonaSpec
    started_bot: bool
    blocked_bot: bool = False


@dataclass
class Message:
    chat_id: int
    message_id: int
    from_id: int
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    media_kind: str | None = None
    media: Any = None
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    media_group_id: str | None = None
    force_reply: bool = False
    forward_origin: dict[str, Any] | None = None
    #: The forum topic the message is in (None: not a forum, or its General topic).
    thread_id: int | None = None
    #: A service message's own field, e.g. {"forum_topic_created": {...}}.
    service: dict[str, Any] | None = None
    #: The bot an inline result was sent through.
    via_bot: bool = False


@dataclass
class Topic:
    """A forum topic: its thread id is the id of the message that created it."""

    thread_id: int
    name: str
    icon_color: int
    creator_id: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "message_thread_id": self.thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id:
            result["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return result


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    user_id: int | None = None
    group: GroupSpec | None = None
    next_message_id: int = 1
    messages: dict[int, Message] = field(default_factory=dict)
    reply_keyboard: dict[str, Any] | None = None
    pinned: list[int] = field(default_factory=list)
    topics: dict[int, Topic] = field(default_factory=dict)

    @property
    def is_forum(self) -> bool:
        return self.group is not None and self.group.is_forum and self.type == "supergroup"


@dataclass
class Query:
    """An open callback query: who pressed which message's button, and when."""

    user_id: int
    chat_id: int | None
    message_id: int | None
    created: float
    answered: bool = False


class World:
    """The personas, chats, messages and open callback queries of one emulated bot."""

    def __init__(self, scenario: Scenario, now: Callable[[], datetime]) -> None:
        self.bot = scenario.bot
        self.bot_id = scenario.bot.id
        self._now = now
        self.personas: dict[int, Persona] = {
            spec.id: Persona(spec, spec.started_bot) for spec in scenario.personas
        }
        self.chats: dict[int, Chat] = {}
        for spec in scenario.personas:
            self.chats[spec.id] = Chat(id=spec.id, type="private", user_id=spec.id)
        for group in scenario.groups:
            if group.id >= 0:
                raise ValueError(f"group ids are negative, got {group.id}")
            self.chats[group.id] = Chat(
                id=group.id,
                type=group.type,
                title=group.title,
                username=group.username,
                group=group,
            )
        self.queries: dict[str, Query] = {}
        self._media_group_ids = itertools.count(13_000_000_000_000_001)
        self._listeners: list[Callable[[Event], None]] = []

    # --- listeners (the panel's live view) -------------------------------------------------------

    def add_listener(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        """Call `listener` with every panel event; returns a function that unsubscribes."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def emit(self, event: Event) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                # A broken panel connection must not break the Bot API call that caused the event.
                logger.exception("panel listener failed on event %s", event.get("type"))

    # --- lookups ---------------------------------------------------------------------------------

    def date(self) -> int:
        return int(self._now().timestamp())

    def new_media_group_id(self) -> str:
        return str(next(self._media_group_ids))

    def persona(self, user_id: int) -> Persona:
        persona = self.personas.get(user_id)
        if persona is None:
            raise PersonaError(f"unknown persona {user_id}")
        return persona

    def chat_by_username(self, name: str) -> Chat | None:
        wanted = name.lstrip("@").lower()
        for chat in self.chats.values():
            if chat.username and chat.username.lower() == wanted:
                return chat
        return None

    def resolve_chat(self, chat_ref: int | str) -> Chat:
        chat = (
            self.chat_by_username(chat_ref)
            if isinstance(chat_ref, str)
            else self.chats.get(chat_ref)
        )
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def writable_chat(self, request: Params, name: str = "chat_id") -> Chat:
        """The chat a bot method targets, after Telegram's access checks (400/403)."""
        chat = self.resolve_chat(request.chat_id(name))
        if chat.type == "private":
            persona = self.personas[chat.id]
            if persona.blocked_bot:
                raise forbidden("bot was blocked by the user")
            if not persona.started_bot:
                raise forbidden(_CANT_INITIATE)
        return chat

    def members(self, chat: Chat) -> list[int]:
        if chat.group is None:
            return [chat.user_id] if chat.user_id is not None else []
        if chat.group.members is None:
            return list(self.personas)
        return [uid for uid in chat.group.members if uid in self.personas]

    def is_admin(self, chat: Chat, user_id: int) -> bool:
        group = chat.group
        if group is None:
            return False
        if user_id == self.bot_id:
            return group.bot_is_admin
        return user_id in group.administrators or user_id == creator(group)

    def can_manage_topics(self, chat: Chat, user_id: int) -> bool:
        """An administrator's can_manage_topics right (only forums have topics to manage)."""
        if not chat.is_forum or not self.is_admin(chat, user_id):
            return False
        group = chat.group
        return user_id != self.bot_id or (group is not None and group.bot_can_manage_topics)

    def deep_link_payload(self, url: str) -> str | None:
        """The start payload of a t.me link to this bot ("" for a bare link), else None."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme in ("http", "https") and host in ("t.me", "telegram.me", "telegram.dog"):
            name = parts.path.strip("/")
        elif parts.scheme == "tg" and host == "resolve":
            name = parse_qs(parts.query).get("domain", [""])[0]
        else:
            return None
        if name.lower() != self.bot.username.lower():
            return None
        query = parse_qs(parts.query)
        return query.get("start", [""])[0]

    # --- Telegram dicts --------------------------------------------------------------------------

    def user_dict(self, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_id:
            return {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": self.bot.first_name,
                "username": self.bot.username,
            }
        spec = self.persona(user_id).spec
        result: dict[str, Any] = {"id": spec.id, "is_bot": False, "first_name": spec.first_name}
        if spec.last_name:
            result["last_name"] = spec.last_name
        if spec.username:
            result["username"] = spec.username
        if spec.language_code:
            result["language_code"] = spec.language_code
        return result

    def lookup_user(self, user_id: int) -> dict[str, Any] | None:
        if user_id == self.bot_id or user_id in self.personas:
            return self.user_dict(user_id)
        return None

    def chat_dict(self, chat: Chat) -> dict[str, Any]:
        if chat.type == "private":
            spec = self.personas[chat.id].spec
            result: dict[str, Any] = {"id": chat.id, "first_name": spec.first_name}
            if spec.last_name:
                result["last_name"] = spec.last_name
            if spec.username:
                result["username"] = spec.username
            result["type"] = "private"
            return result
        result = {"id": chat.id, "title": chat.title, "type": chat.type}
        if chat.username:
            result["username"] = chat.username
        if chat.is_forum:
            result["is_forum"] = True
        return result

    def message_dict(self, message: Message, *, nested: bool = False) -> dict[str, Any]:
        chat = self.chats[message.chat_id]
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.user_dict(message.from_id),
            "chat": self.chat_dict(chat),
            "date": message.date,
        }
        if message.thread_id is not None:
            result["message_thread_id"] = message.thread_id
            result["is_topic_message"] = True
        if message.via_bot:
            result["via_bot"] = self.user_dict(self.bot_id)
        if message.service:
            result.update(message.service)
        if message.forward_origin:
            result["forward_origin"] = message.forward_origin
        if message.reply_to_message_id is not None and not nested:
            replied = chat.messages.get(message.reply_to_message_id)
            if replied is not None:
                result["reply_to_message"] = self.message_dict(replied, nested=True)
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        if message.media_group_id is not None:
            result["media_group_id"] = message.media_group_id
        if message.text is not None:
            result["text"] = message.text
            if message.entities:
                result["entities"] = message.entities
        if message.media_kind is not None:
            result[message.media_kind] = message.media
            if message.caption is not None:
                result["caption"] = message.caption
                if message.caption_entities:
                    result["caption_entities"] = message.caption_entities
        if message.reply_markup is not None:
            result["reply_markup"] = message.reply_markup
        return result

    # --- message storage -------------------------------------------------------------------------

    def store(self, chat: Chat, from_id: int, **fields: Any) -> Message:
        message = Message(
            chat_id=chat.id,
            message_id=chat.next_message_id,
            from_id=from_id,
            date=self.date(),
            **fields,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self.emit(
            {
                "type": "message",
                "chat_id": chat.id,
                "message": self.message_dict(message),
                "force_reply": message.force_reply,
            }
        )
        return message

    def emit_edit(self, message: Message) -> None:
        self.emit(
            {"type": "edit", "chat_id": message.chat_id, "message": self.message_dict(message)}
        )

    # --- what the tests and the panel inspect ----------------------------------------------------

    def persona_view(self, user_id: int) -> dict[str, Any]:
        """A persona as the panel lists it: the user, their role, whether they started the bot."""
        persona = self.persona(user_id)
        entry = self.user_dict(user_id)
        entry.update(
            {
                "role": persona.spec.role,
                "started_bot": persona.started_bot,
                "blocked_bot": persona.blocked_bot,
            }
        )
        return entry

    def chat_list(self) -> list[dict[str, Any]]:
        """Every chat: groups first, then each persona's private chat with the bot."""
        ordered = sorted(self.chats.values(), key=lambda chat: (chat.type == "private", chat.id))
        return [self.chat_dict(chat) for chat in ordered]

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The chat's current messages as Telegram dicts (edits applied, deleted ones gone)."""
        chat = self.resolve_chat(chat_id)
        return [self.message_dict(message) for message in chat.messages.values()]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        message = self.resolve_chat(chat_id).messages.get(message_id)
        return self.message_dict(message) if message else None

    def last_message(self, chat_id: int) -> dict[str, Any] | None:
        chat = self.resolve_chat(chat_id)
        if not chat.messages:
            return None
        return self.message_dict(next(reversed(chat.messages.values())))

    def chat_view(self, chat_id: int) -> dict[str, Any]:
        """What the panel shows for a chat: messages plus chat-level keyboard state."""
        chat = self.resolve_chat(chat_id)
        force_reply = [m.message_id for m in chat.messages.values() if m.force_reply]
        return {
            "chat": self.chat_dict(chat),
            "messages": self.messages(chat_id),
            "reply_keyboard": chat.reply_keyboard,
            "force_reply_message_id": force_reply[-1] if force_reply else None,
            "pinned_message_ids": list(chat.pinned),
            "topics": [
                {**topic.as_dict(), "is_closed": topic.closed} for topic in chat.topics.values()
            ],
        }


def creator(group: GroupSpec) -> int | None:
    """The group's creator: as configured, else its first administrator."""
    if group.creator_id is not None:
        return group.creator_id
    return group.administrators[0] if group.administrators else None
