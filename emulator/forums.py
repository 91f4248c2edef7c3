"""Forum topics: createForumTopic, editForumTopic, close/reopen/deleteForumTopic, and the
message_thread_id that puts a message into a topic.

A topic's thread id is the id of its `forum_topic_created` service message, as in Telegram;
messages in a topic carry `message_thread_id` and `is_topic_message`, messages in the General
topic carry neither. Topics exist only in supergroups that are forums. Managing a topic needs
an administrator with can_manage_topics, except that the bot may edit, close and reopen the
topics it created itself. In a closed topic only those who may manage topics can write.
"""

from __future__ import annotations

from typing import Any, Final

from emulator.chats import Chat, Topic, World
from emulator.errors import PersonaError, bad_request
from emulator.params import Handler, Params

MAX_TOPIC_NAME: Final = 128
#: The six colours Telegram accepts for a topic's icon (RGB).
ICON_COLORS: Final = (0x6FB9F0, 0xFFD67E, 0xCB86DB, 0x8EEE98, 0xFF93B2, 0xFB6F5F)
THREAD_NOT_FOUND: Final = "message thread not found"
TOPIC_CLOSED: Final = "TOPIC_CLOSED"
_NOT_MODIFIED: Final = "TOPIC_NOT_MODIFIED"


def thread_for_bot(world: World, chat: Chat, request: Params, reply_to: int | None) -> int | None:
    """The topic a bot's message goes to: its message_thread_id (checked), else the topic of
    the message it replies to, else None (General, or no forum)."""
    thread_id = request.get_int("message_thread_id")
    if thread_id is None:
        replied = chat.messages.get(reply_to) if reply_to is not None else None
        return replied.thread_id if replied is not None else None
    topic = chat.topics.get(thread_id) if chat.is_forum else None
    if topic is None:
        raise bad_request(THREAD_NOT_FOUND)
    if topic.closed and not world.can_manage_topics(chat, world.bot_id):
        raise bad_request(TOPIC_CLOSED)
    return thread_id


def thread_for_persona(world: World, chat: Chat, user_id: int, thread_id: int | None) -> None:
    """Refuse what a Telegram client would not let a person do in a topic."""
    if thread_id is None:
        return
    topic = chat.topics.get(thread_id)
    if topic is None:
        raise PersonaError(f"chat {chat.id} has no topic {thread_id}")
    if topic.closed and not world.can_manage_topics(chat, user_id):
        raise PersonaError(f"topic {thread_id} is closed")


class ForumMethods:
    """The Bot API's forum topic methods on a `World`."""

    def __init__(self, world: World) -> None:
        self._world = world

    def handlers(self) -> dict[str, Handler]:
        return {
            "createforumtopic": self._create,
            "editforumtopic": self._edit,
            "closeforumtopic": self._close,
            "reopenforumtopic": self._reopen,
            "deleteforumtopic": self._delete,
        }

    def _forum(self, request: Params) -> Chat:
        chat = self._world.resolve_chat(request.chat_id())
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        return chat

    def _topic(self, chat: Chat, request: Params, *, own_is_enough: bool) -> Topic:
        thread_id = request.require_int("message_thread_id", "message thread not found")
        topic = chat.topics.get(thread_id)
        if topic is None:
            raise bad_request(THREAD_NOT_FOUND)
        world = self._world
        own = own_is_enough and topic.creator_id == world.bot_id
        if not own and not world.can_manage_topics(chat, world.bot_id):
            raise bad_request("not enough rights to manage topics in the chat")
        return topic

    def _service(self, chat: Chat, topic: Topic, field: str, value: dict[str, Any]) -> None:
        self._world.store(
            chat, self._world.bot_id, thread_id=topic.thread_id, service={field: value}
        )
        self._world.emit(
            {
                "type": "topic",
                "chat_id": chat.id,
                "topic": {**topic.as_dict(), "is_closed": topic.closed},
            }
        )

    async def _create(self, request: Params) -> dict[str, Any]:
        chat = self._forum(request)
        world = self._world
        if not world.can_manage_topics(chat, world.bot_id):
            raise bad_request("not enough rights to create a topic")
        name = request.get_str("name") or ""
        if not name:
            raise bad_request("TOPIC_TITLE_EMPTY")
        if len(name) > MAX_TOPIC_NAME:
            raise bad_request("TOPIC_TITLE_TOO_LONG")
        color = request.get_int("icon_color", default=ICON_COLORS[0])
        if color not in ICON_COLORS:
            raise bad_request("TOPIC_ICON_COLOR_INVALID")
        assert color is not None
        emoji = request.get_str("icon_custom_emoji_id") or None
        topic = Topic(chat.next_message_id, name, color, world.bot_id, emoji)
        chat.topics[topic.thread_id] = topic
        created: dict[str, Any] = {"name": name, "icon_color": color}
        if emoji:
            created["icon_custom_emoji_id"] = emoji
        self._service(chat, topic, "forum_topic_created", created)
        return topic.as_dict()

    async def _edit(self, request: Params) -> bool:
        chat = self._forum(request)
        topic = self._topic(chat, request, own_is_enough=True)
        name = request.get_str("name")
        emoji = request.get_str("icon_custom_emoji_id")
        if name is not None and len(name) > MAX_TOPIC_NAME:
            raise bad_request("TOPIC_TITLE_TOO_LONG")
        edited: dict[str, Any] = {}
        if name and name != topic.name:
            topic.name = name
            edited["name"] = name
        if emoji is not None and (emoji or None) != topic.icon_custom_emoji_id:
            topic.icon_custom_emoji_id = emoji or None
            edited["icon_custom_emoji_id"] = emoji
        if not edited:
            raise bad_request(_NOT_MODIFIED)
        self._service(chat, topic, "forum_topic_edited", edited)
        return True

    async def _set_closed(self, request: Params, closed: bool) -> bool:
        chat = self._forum(request)
        topic = self._topic(chat, request, own_is_enough=True)
        if topic.closed == closed:
            raise bad_request(_NOT_MODIFIED)
        topic.closed = closed
        field = "forum_topic_closed" if closed else "forum_topic_reopened"
        self._service(chat, topic, field, {})
        return True

    async def _close(self, request: Params) -> bool:
        return await self._set_closed(request, True)

    async def _reopen(self, request: Params) -> bool:
        return await self._set_closed(request, False)

    async def _delete(self, request: Params) -> bool:
        chat = self._forum(request)
        thread_id = request.require_int("message_thread_id", "message thread not found")
        topic = chat.topics.get(thread_id)
        if topic is None:
            raise bad_request(THREAD_NOT_FOUND)
        if not self._world.is_admin(chat, self._world.bot_id):
            raise bad_request("not enough rights to delete a topic")
        del chat.topics[topic.thread_id]
        gone = [
            mid for mid, message in chat.messages.items() if message.thread_id == topic.thread_id
        ]
        for message_id in gone:
            del chat.messages[message_id]
        self._world.emit({"type": "delete", "chat_id": chat.id, "message_ids": gone})
        self._world.emit(
            {"type": "topic_deleted", "chat_id": chat.id, "thread_id": topic.thread_id}
        )
        return True
