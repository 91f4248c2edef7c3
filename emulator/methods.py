"""Bot API methods about the bot and its chats: identity, callbacks, files, menus, members, pins.

(Messages are sent and edited in `emulator.messages`, commands kept in `emulator.commands` and
updates delivered by `emulator.delivery`.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from emulator.chats import Chat, World, creator
from emulator.errors import bad_request
from emulator.media import FileStore
from emulator.params import Handler, Params

MAX_CALLBACK_ANSWER = 200
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BOT_TEXTS = ("name", "description", "short_description")
_MENU_BUTTON_TYPES = ("default", "commands", "web_app")


@dataclass(frozen=True)
class CallbackAnswer:
    """A recorded answerCallbackQuery, tied to the query's presser and message."""

    callback_query_id: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    time: float


class ChatMethods:
    """getMe, answerCallbackQuery, sendChatAction, getFile, menu button, bot texts, chats, pins."""

    def __init__(
        self,
        world: World,
        files: FileStore,
        *,
        clock: Callable[[], float],
        callback_query_ttl: float,
        download_limit: int,
    ) -> None:
        self._world = world
        self._files = files
        self._clock = clock
        self._query_ttl = callback_query_ttl
        self._download_limit = download_limit
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}
        self.callback_answers: list[CallbackAnswer] = []

    def handlers(self) -> dict[str, Handler]:
        handlers: dict[str, Handler] = {
            "getme": self._get_me,
            "logout": self._trivial_true,
            "close": self._trivial_true,
            "answercallbackquery": self._answer_callback_query,
            "sendchataction": self._send_chat_action,
            "getfile": self._get_file,
            "setchatmenubutton": self._set_chat_menu_button,
            "getchatmenubutton": self._get_chat_menu_button,
            "getchat": self._get_chat,
            "getchatadministrators": self._get_chat_administrators,
            "getchatmember": self._get_chat_member,
            "getchatmembercount": self._get_chat_member_count,
            "pinchatmessage": self._pin_chat_message,
            "unpinchatmessage": self._unpin_chat_message,
            "unpinallchatmessages": self._unpin_all_chat_messages,
        }
        for field_name in _BOT_TEXTS:
            suffix = field_name.replace("_", "")
            handlers[f"setmy{suffix}"] = self._bot_text_setter(field_name)
            handlers[f"getmy{suffix}"] = self._bot_text_getter(field_name)
        return handlers

    # --- the bot ---------------------------------------------------------------------------------

    async def _trivial_true(self, request: Params) -> bool:
        return True

    async def _get_me(self, request: Params) -> dict[str, Any]:
        bot = self._world.bot
        return {
            "id": bot.id,
            "is_bot": True,
            "first_name": bot.first_name,
            "username": bot.username,
            "can_join_groups": bot.can_join_groups,
            "can_read_all_group_messages": not bot.privacy_mode,
            "supports_inline_queries": bot.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _bot_text_setter(self, field_name: str) -> Callable[[Params], Awaitable[bool]]:
        async def setter(request: Params) -> bool:
            language = request.get_str("language_code") or ""
            value = request.get_str(field_name) or ""
            if value:
                self._bot_texts[(field_name, language)] = value
            else:
                self._bot_texts.pop((field_name, language), None)
            return True

        return setter

    def _bot_text_getter(self, field_name: str) -> Callable[[Params], Awaitable[dict[str, str]]]:
        async def getter(request: Params) -> dict[str, str]:
            language = request.get_str("language_code") or ""
            default = self._world.bot.first_name if field_name == "name" else ""
            value = self._bot_texts.get(
                (field_name, language), self._bot_texts.get((field_name, ""))
            )
            return {field_name: value if value is not None else default}

        return getter

    async def _set_chat_menu_button(self, request: Params) -> bool:
        chat_id: int | None = None
        if request.has("chat_id"):
            chat = self._world.resolve_chat(request.chat_id())
            if chat.type != "private":
                raise bad_request("chat menu button can be set only in private chats")
            chat_id = chat.id
        button = request.get_json("menu_button", error="can't parse menu button JSON object")
        if button is None:
            button = {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in _MENU_BUTTON_TYPES:
            raise bad_request("can't parse menu button JSON object")
        self._menu_buttons[chat_id] = button
        return True

    async def _get_chat_menu_button(self, request: Params) -> dict[str, Any]:
        chat_id: int | None = None
        if request.has("chat_id"):
            chat_id = self._world.resolve_chat(request.chat_id()).id
        return self.menu_button(chat_id)

    def menu_button(self, chat_id: int | None) -> dict[str, Any]:
        """The menu button a private chat shows: its own, else the default the bot set."""
        button = self._menu_buttons.get(chat_id) or self._menu_buttons.get(None)
        if button is None or button.get("type") == "default":
            return {"type": "commands"}
        return dict(button)

    # --- callbacks, actions, files ---------------------------------------------------------------

    async def _answer_callback_query(self, request: Params) -> bool:
        query_id = request.get_str("callback_query_id") or ""
        query = self._world.queries.get(query_id)
        if query is None or query.answered or self._clock() - query.created > self._query_ttl:
            raise bad_request(_QUERY_TOO_OLD)
        text = request.get_str("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        url = request.get_str("url")
        if url and self._world.deep_link_payload(url) is None:
            raise bad_request("URL_INVALID")
        query.answered = True
        answer = CallbackAnswer(
            callback_query_id=query_id,
            user_id=query.user_id,
            chat_id=query.chat_id,
            message_id=query.message_id,
            text=text or None,
            show_alert=request.get_bool("show_alert"),
            url=url or None,
            cache_time=request.get_int("cache_time", default=0) or 0,
            time=self._clock(),
        )
        self.callback_answers.append(answer)
        self._world.emit(
            {
                "type": "callback_answer",
                "user_id": answer.user_id,
                "chat_id": answer.chat_id,
                "message_id": answer.message_id,
                "text": answer.text,
                "show_alert": answer.show_alert,
                "url": answer.url,
            }
        )
        return True

    async def _send_chat_action(self, request: Params) -> bool:
        chat = self._world.writable_chat(request)
        action = request.get_str("action") or ""
        if action not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._world.emit({"type": "chat_action", "chat_id": chat.id, "action": action})
        return True

    async def _get_file(self, request: Params) -> dict[str, Any]:
        file_id = request.get_str("file_id") or ""
        stored = self._files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.file_size > self._download_limit:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }

    # --- chats and members -----------------------------------------------------------------------

    async def _get_chat(self, request: Params) -> dict[str, Any]:
        chat = self._world.resolve_chat(request.chat_id())
        if chat.type == "private" and not self._world.personas[chat.id].started_bot:
            raise bad_request("chat not found")
        result = self._world.chat_dict(chat)
        result.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        if chat.type != "private":
            result["permissions"] = {
                "can_send_messages": True,
                "can_send_photos": True,
                "can_send_documents": True,
                "can_send_videos": True,
                "can_invite_users": True,
            }
        return result

    def _member_dict(self, chat: Chat, user_id: int) -> dict[str, Any]:
        world = self._world
        user = world.user_dict(user_id)
        group = chat.group
        if group is None:
            return {"status": "member", "user": user}
        if user_id != world.bot_id and user_id == creator(group):
            return {"status": "creator", "user": user, "is_anonymous": False}
        if world.is_admin(chat, user_id):
            return {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
                "can_pin_messages": True,
                "can_manage_topics": world.can_manage_topics(chat, user_id),
            }
        if user_id == world.bot_id or user_id in world.members(chat):
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}

    async def _get_chat_administrators(self, request: Params) -> list[dict[str, Any]]:
        chat = self._world.resolve_chat(request.chat_id())
        if chat.group is None:
            raise bad_request("there are no administrators in the private chat")
        ids: list[int] = []
        owner = creator(chat.group)
        if owner is not None:
            ids.append(owner)
        ids.extend(uid for uid in chat.group.administrators if uid not in ids)
        if chat.group.bot_is_admin:
            ids.append(self._world.bot_id)
        return [self._member_dict(chat, uid) for uid in ids if self._world.lookup_user(uid)]

    async def _get_chat_member(self, request: Params) -> dict[str, Any]:
        chat = self._world.resolve_chat(request.chat_id())
        user_id = request.require_int("user_id", "user_id is empty")
        if self._world.lookup_user(user_id) is None:
            raise bad_request("user not found")
        if chat.group is None and user_id not in (chat.id, self._world.bot_id):
            raise bad_request("user not found")
        return self._member_dict(chat, user_id)

    async def _get_chat_member_count(self, request: Params) -> int:
        chat = self._world.resolve_chat(request.chat_id())
        return len(self._world.members(chat)) + 1

    # --- pinned messages -------------------------------------------------------------------------

    def _check_pin_rights(self, chat: Chat) -> None:
        if chat.group is not None and not self._world.is_admin(chat, self._world.bot_id):
            raise bad_request("not enough rights to manage pinned messages in the chat")

    def _pinned(self, chat: Chat, pinned: list[int]) -> bool:
        chat.pinned = pinned
        self._world.emit({"type": "pinned", "chat_id": chat.id, "message_ids": list(pinned)})
        return True

    async def _pin_chat_message(self, request: Params) -> bool:
        chat = self._world.resolve_chat(request.chat_id())
        message_id = request.require_int("message_id", "message identifier is not specified")
        self._check_pin_rights(chat)
        if message_id not in chat.messages:
            raise bad_request("message to pin not found")
        return self._pinned(chat, [mid for mid in chat.pinned if mid != message_id] + [message_id])

    async def _unpin_chat_message(self, request: Params) -> bool:
        chat = self._world.resolve_chat(request.chat_id())
        self._check_pin_rights(chat)
        message_id = request.get_int("message_id")
        if message_id is None:
            return self._pinned(chat, chat.pinned[:-1])
        if message_id not in chat.pinned:
            raise bad_request("message to unpin not found")
        return self._pinned(chat, [mid for mid in chat.pinned if mid != message_id])

    async def _unpin_all_chat_messages(self, request: Params) -> bool:
        chat = self._world.resolve_chat(request.chat_id())
        self._check_pin_rights(chat)
        return self._pinned(chat, [])
