"""The emulated Telegram world: Bot API methods, persona actions and update delivery.

`EmulatorCore.call` answers Bot API calls exactly as the HTTP server would (status + JSON body);
the `user_*` methods make personas act (each returns the Update dict Telegram would deliver);
the test helpers at the end expose what happened (messages, callback answers, commands, log).

Known deviations from Telegram (all deliberate, for an offline single-machine emulator):
- webhooks may use http and any port, but only loopback hosts; delivery is sequential (one
  update at a time), the webhook's response body is ignored, and an update is dropped after the
  configured retries;
- files are never fetched by HTTP URL; photos are not resized, every PhotoSize serves the
  original bytes (dimensions come from the PNG/JPEG/GIF/WebP header, else 1280x960);
- real Bot API methods that are not emulated answer 400 "the emulator does not implement X"
  (a 404 would make python-telegram-bot raise InvalidToken);
- no inline mode, topics, payments, business chats or service messages; membership is static;
- flood limits are exact sliding windows with the Bot FAQ's numbers; chat actions do not count;
- callback queries expire after `callback_query_ttl` seconds (Telegram does not document it);
- URL auto-detection knows scheme URLs and a short TLD list; no phone/bank-card entities;
- unconfirmed updates are kept until confirmed (Telegram drops them after 24 hours).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import aiohttp

from emulator.entities import (
    Entity,
    clean_and_trim,
    find_auto_entities,
    format_text,
    to_api_entities,
)
from emulator.errors import ApiError, bad_request, conflict, forbidden, too_many_requests
from emulator.flood import FloodLimiter, FloodRules
from emulator.markup import Markup, callback_buttons, parse_markup
from emulator.media import (
    FileStore,
    StoredFile,
    document_dict,
    guess_mime_type,
    photo_size_dict,
    video_dict,
)
from emulator.params import Params, UploadedFile
from emulator.scenario import GroupSpec, PersonaSpec, Scenario
from emulator.webhook import AiohttpPoster, WebhookPoster, is_loopback_url

logger = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
DOWNLOAD_LIMIT = 20 * 1024 * 1024
UPLOAD_LIMIT = 50 * 1024 * 1024
DELETE_WINDOW = 48 * 3600
# Update types delivered when allowed_updates is empty or was never given.
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
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
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_TOKEN_FORMAT = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_COMMAND_FORMAT = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Real Bot API methods the emulator does not implement (answered with an explicit 400).
_NOT_EMULATED = frozenset(
    name.lower()
    for name in [
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "sendVideoNote",
        "sendSticker",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendInvoice",
        "sendPaidMedia",
        "sendGame",
        "sendChecklist",
        "editMessageMedia",
        "editMessageLiveLocation",
        "stopMessageLiveLocation",
        "stopPoll",
        "forwardMessages",
        "copyMessages",
        "setMessageReaction",
        "getUserProfilePhotos",
        "banChatMember",
        "unbanChatMember",
        "restrictChatMember",
        "promoteChatMember",
        "setChatAdministratorCustomTitle",
        "setChatPermissions",
        "exportChatInviteLink",
        "createChatInviteLink",
        "editChatInviteLink",
        "revokeChatInviteLink",
        "approveChatJoinRequest",
        "declineChatJoinRequest",
        "setChatPhoto",
        "deleteChatPhoto",
        "setChatTitle",
        "setChatDescription",
        "leaveChat",
        "setChatStickerSet",
        "deleteChatStickerSet",
        "createForumTopic",
        "editForumTopic",
        "closeForumTopic",
        "reopenForumTopic",
        "deleteForumTopic",
        "answerInlineQuery",
        "answerWebAppQuery",
        "setMyDefaultAdministratorRights",
        "getMyDefaultAdministratorRights",
        "getUserChatBoosts",
        "getBusinessConnection",
        "uploadStickerFile",
        "getStickerSet",
        "answerShippingQuery",
        "answerPreCheckoutQuery",
        "setPassportDataErrors",
    ]
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_CANT_INITIATE = "bot can't initiate conversation with a user"
_WRONG_FILE = "wrong file identifier/HTTP URL specified"

MediaKind = Literal["photo", "video", "document"]
Event = dict[str, Any]


class PersonaError(ValueError):
    """A persona action that no Telegram client would allow (not a member, no such button...)."""


@dataclass(frozen=True)
class MediaItem:
    """One file a persona sends, alone or as part of an album."""

    kind: MediaKind
    file: UploadedFile
    width: int | None = None
    height: int | None = None
    duration: int | None = None


@dataclass(frozen=True)
class RequestRecord:
    """One Bot API call as the emulator saw it."""

    time: float  # injected monotonic clock
    method: str
    chat_id: int | None
    status: int
    description: str | None = None


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


@dataclass(frozen=True)
class ChatActionRecord:
    chat_id: int
    action: str
    time: float


@dataclass
class _Persona:
    spec: PersonaSpec
    started_bot: bool
    blocked_bot: bool = False


@dataclass
class _Message:
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


@dataclass
class _Chat:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    user_id: int | None = None
    group: GroupSpec | None = None
    next_message_id: int = 1
    messages: dict[int, _Message] = field(default_factory=dict)
    reply_keyboard: dict[str, Any] | None = None
    pinned: list[int] = field(default_factory=list)


@dataclass
class _Query:
    user_id: int
    chat_id: int | None
    message_id: int | None
    created: float
    answered: bool = False


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int


@dataclass
class _Described:
    """A successful result that also carries Telegram's "description" (setWebhook does this)."""

    result: Any
    description: str


def _utc_now() -> datetime:
    return datetime.now(UTC)


class EmulatorCore:
    """An in-memory Bot API server for one bot, built from a `Scenario`."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        flood_limits: bool = False,
        flood_rules: FloodRules | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = _utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        webhook_poster: WebhookPoster | None = None,
        webhook_retry_delays: Sequence[float] = (0.5, 1.0, 2.0, 4.0),
        callback_query_ttl: float = 15.0,
        download_limit: int = DOWNLOAD_LIMIT,
        upload_limit: int = UPLOAD_LIMIT,
    ) -> None:
        self.scenario = scenario
        self.bot = scenario.bot
        self.bot_id = scenario.bot.id
        self._clock = clock
        self._now = now
        self._sleep = sleep
        self._flood = FloodLimiter(clock, enabled=flood_limits, rules=flood_rules)
        self._own_poster = webhook_poster is None
        self._poster: WebhookPoster = webhook_poster or AiohttpPoster()
        self._retry_delays = tuple(webhook_retry_delays)
        self._query_ttl = callback_query_ttl
        self._download_limit = download_limit
        self._upload_limit = upload_limit

        self._personas: dict[int, _Persona] = {
            spec.id: _Persona(spec, spec.started_bot) for spec in scenario.personas
        }
        self._chats: dict[int, _Chat] = {}
        for spec in scenario.personas:
            self._chats[spec.id] = _Chat(id=spec.id, type="private", user_id=spec.id)
        for group in scenario.groups:
            if group.id >= 0:
                raise ValueError(f"group ids are negative, got {group.id}")
            self._chats[group.id] = _Chat(
                id=group.id,
                type=group.type,
                title=group.title,
                username=group.username,
                group=group,
            )
        self.files = FileStore()
        self._pending: deque[dict[str, Any]] = deque()
        self._next_update_id = scenario.first_update_id
        self._allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._explicit_allowed: list[str] | None = None
        self._waiters: list[asyncio.Future[None]] = []
        self._active_poll: object | None = None
        self._webhook: _Webhook | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._commands: dict[tuple[str, int | None, int | None, str], list[dict[str, Any]]] = {}
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}
        self._queries: dict[str, _Query] = {}
        self._query_ids = itertools.count(4_611_686_018_427_387_904 + self.bot_id)
        self._media_group_ids = itertools.count(13_000_000_000_000_001)
        self._callback_answers: list[CallbackAnswer] = []
        self._chat_actions: list[ChatActionRecord] = []
        self._request_log: list[RequestRecord] = []
        self._listeners: list[Callable[[Event], None]] = []
        self._methods: dict[str, Callable[[Params], Awaitable[Any]]] = {
            "getme": self._get_me,
            "logout": self._trivial_true,
            "close": self._trivial_true,
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
            "sendvideo": self._send_video,
            "sendmediagroup": self._send_media_group,
            "copymessage": self._copy_message,
            "forwardmessage": self._forward_message,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "deletemessages": self._delete_messages,
            "answercallbackquery": self._answer_callback_query,
            "sendchataction": self._send_chat_action,
            "getfile": self._get_file,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setchatmenubutton": self._set_chat_menu_button,
            "getchatmenubutton": self._get_chat_menu_button,
            "getchat": self._get_chat,
            "getchatadministrators": self._get_chat_administrators,
            "getchatmember": self._get_chat_member,
            "getchatmembercount": self._get_chat_member_count,
            "pinchatmessage": self._pin_chat_message,
            "unpinchatmessage": self._unpin_chat_message,
            "unpinallchatmessages": self._unpin_all_chat_messages,
            "setmyname": self._bot_text_setter("name"),
            "getmyname": self._bot_text_getter("name"),
            "setmydescription": self._bot_text_setter("description"),
            "getmydescription": self._bot_text_getter("description"),
            "setmyshortdescription": self._bot_text_setter("short_description"),
            "getmyshortdescription": self._bot_text_getter("short_description"),
        }

    # --- the Bot API entry point -----------------------------------------------------------------

    @property
    def method_names(self) -> list[str]:
        """Lower-cased names of the Bot API methods the emulator implements."""
        return sorted(self._methods)

    async def call(
        self,
        token: str,
        method: str,
        params: dict[str, Any],
        files: dict[str, UploadedFile] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call: (HTTP status, Telegram's JSON body)."""
        request = Params(params, files or {})
        chat_id = self._log_chat_id(request)
        try:
            self.check_token(token)
            handler = self._methods.get(method.lower())
            if handler is None and method.lower() in _NOT_EMULATED:
                # Deviation: Telegram knows these methods; a 404 would make PTB raise InvalidToken.
                raise bad_request(f"the emulator does not implement {method}")
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(request)
        except ApiError as error:
            self._log(method, chat_id, error.status, error.description)
            return error.status, error.body()
        except Exception:
            # An emulator bug must look like a server failure to the bot, not kill the server.
            logger.exception("emulator failed on %s with params %r", method, params)
            failure = ApiError(500, "Internal Server Error")
            self._log(method, chat_id, failure.status, failure.description)
            return failure.status, failure.body()
        body: dict[str, Any] = {"ok": True}
        if isinstance(result, _Described):
            body["result"] = result.result
            body["description"] = result.description
        else:
            body["result"] = result
        self._log(method, chat_id, 200, None)
        return 200, body

    def check_token(self, token: str) -> None:
        """404 for a malformed token, 401 for a well-formed but wrong one, as Telegram answers."""
        if not _TOKEN_FORMAT.match(token):
            raise ApiError(404, "Not Found")
        if token != self.bot.token:
            raise ApiError(401, "Unauthorized")

    def download(self, token: str, file_path: str) -> tuple[int, bytes, str]:
        """Serve /file/bot<token>/<file_path>: (status, body, content type)."""
        try:
            self.check_token(token)
        except ApiError as error:
            return error.status, json.dumps(error.body()).encode(), "application/json"
        stored = self.files.by_path(file_path)
        if stored is None:
            body = json.dumps({"ok": False, "error_code": 404, "description": "Not Found"})
            return 404, body.encode(), "application/json"
        if stored.file_size > self._download_limit:
            too_big = bad_request("file is too big")
            return too_big.status, json.dumps(too_big.body()).encode(), "application/json"
        return 200, stored.data, stored.mime_type or "application/octet-stream"

    def _log(self, method: str, chat_id: int | None, status: int, description: str | None) -> None:
        self._request_log.append(RequestRecord(self._clock(), method, chat_id, status, description))

    def _log_chat_id(self, request: Params) -> int | None:
        value = request.raw("chat_id")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            if value.lstrip("-").isdigit():
                return int(value)
            chat = self._chat_by_username(value)
            return chat.id if chat else None
        return None

    # --- listeners (the panel's live view) --------------------------------------------------------

    def add_listener(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        """Call `listener` with every panel event; returns a function that unsubscribes."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def _emit(self, event: Event) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                # A broken panel connection must not break the Bot API call that caused the event.
                logger.exception("panel listener failed on event %s", event.get("type"))

    # --- world lookups ----------------------------------------------------------------------------

    def _persona(self, user_id: int) -> _Persona:
        persona = self._personas.get(user_id)
        if persona is None:
            raise PersonaError(f"unknown persona {user_id}")
        return persona

    def _chat_by_username(self, name: str) -> _Chat | None:
        wanted = name.lstrip("@").lower()
        for chat in self._chats.values():
            if chat.username and chat.username.lower() == wanted:
                return chat
        return None

    def _resolve_chat(self, chat_ref: int | str) -> _Chat:
        chat = (
            self._chat_by_username(chat_ref)
            if isinstance(chat_ref, str)
            else self._chats.get(chat_ref)
        )
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _members(self, chat: _Chat) -> list[int]:
        if chat.group is None:
            return [chat.user_id] if chat.user_id is not None else []
        if chat.group.members is None:
            return list(self._personas)
        return [uid for uid in chat.group.members if uid in self._personas]

    def _is_admin(self, chat: _Chat, user_id: int) -> bool:
        group = chat.group
        if group is None:
            return False
        if user_id == self.bot_id:
            return group.bot_is_admin
        return user_id in group.administrators or user_id == self._creator(group)

    @staticmethod
    def _creator(group: GroupSpec) -> int | None:
        if group.creator_id is not None:
            return group.creator_id
        return group.administrators[0] if group.administrators else None

    def _writable_chat(self, request: Params, name: str = "chat_id") -> _Chat:
        """The chat a bot method targets, after Telegram's access checks (400/403)."""
        chat = self._resolve_chat(request.chat_id(name))
        if chat.type == "private":
            persona = self._personas[chat.id]
            if persona.blocked_bot:
                raise forbidden("bot was blocked by the user")
            if not persona.started_bot:
                raise forbidden(_CANT_INITIATE)
        return chat

    def _user_dict(self, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_id:
            return {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": self.bot.first_name,
                "username": self.bot.username,
            }
        spec = self._persona(user_id).spec
        result: dict[str, Any] = {"id": spec.id, "is_bot": False, "first_name": spec.first_name}
        if spec.last_name:
            result["last_name"] = spec.last_name
        if spec.username:
            result["username"] = spec.username
        if spec.language_code:
            result["language_code"] = spec.language_code
        return result

    def _lookup_user(self, user_id: int) -> dict[str, Any] | None:
        if user_id == self.bot_id or user_id in self._personas:
            return self._user_dict(user_id)
        return None

    def _chat_dict(self, chat: _Chat) -> dict[str, Any]:
        if chat.type == "private":
            spec = self._personas[chat.id].spec
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
        return result

    def _date(self) -> int:
        return int(self._now().timestamp())

    # --- message storage --------------------------------------------------------------------------

    def _message_dict(self, message: _Message, *, nested: bool = False) -> dict[str, Any]:
        chat = self._chats[message.chat_id]
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self._user_dict(message.from_id),
            "chat": self._chat_dict(chat),
            "date": message.date,
        }
        if message.forward_origin:
            result["forward_origin"] = message.forward_origin
        if message.reply_to_message_id is not None and not nested:
            replied = chat.messages.get(message.reply_to_message_id)
            if replied is not None:
                result["reply_to_message"] = self._message_dict(replied, nested=True)
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

    def _store(self, chat: _Chat, from_id: int, **fields: Any) -> _Message:
        message = _Message(
            chat_id=chat.id,
            message_id=chat.next_message_id,
            from_id=from_id,
            date=self._date(),
            **fields,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self._emit(
            {
                "type": "message",
                "chat_id": chat.id,
                "message": self._message_dict(message),
                "force_reply": message.force_reply,
            }
        )
        return message

    def _emit_edit(self, message: _Message) -> None:
        self._emit(
            {"type": "edit", "chat_id": message.chat_id, "message": self._message_dict(message)}
        )

    def _format(
        self, text: str, parse_mode: str | None, explicit: Any
    ) -> tuple[str, list[dict[str, Any]]]:
        if explicit is not None and not isinstance(explicit, list):
            raise bad_request("can't parse entities JSON object")
        plain, entities = format_text(text, parse_mode, explicit, self._lookup_user)
        return plain, to_api_entities(plain, entities)

    def _text_params(self, request: Params, name: str) -> tuple[str, list[dict[str, Any]]]:
        raw = request.get_str(name) or ""
        entities_name = "entities" if name == "text" else "caption_entities"
        explicit = request.get_json(entities_name, error="can't parse entities JSON object")
        return self._format(raw, request.get_str("parse_mode"), explicit)

    def _markup(self, request: Params) -> Markup | None:
        raw = request.get_json(
            "reply_markup", error="can't parse reply keyboard markup JSON object"
        )
        return parse_markup(raw)

    def _reply_target(self, chat: _Chat, request: Params) -> int | None:
        parameters = request.get_json(
            "reply_parameters", error="can't parse reply parameters JSON object"
        )
        if parameters is not None:
            if not isinstance(parameters, dict) or not isinstance(
                parameters.get("message_id"), int
            ):
                raise bad_request("can't parse reply parameters JSON object")
            message_id: int | None = parameters["message_id"]
            allow_without = bool(parameters.get("allow_sending_without_reply", False))
            other_chat = parameters.get("chat_id")
            if other_chat is not None and other_chat != chat.id:
                # Cross-chat replies (external_reply) are not emulated.
                if allow_without:
                    return None
                raise bad_request("message to be replied not found")
        else:
            message_id = request.get_int("reply_to_message_id")
            allow_without = request.get_bool("allow_sending_without_reply")
        if message_id is None:
            return None
        if message_id not in chat.messages:
            if allow_without:
                return None
            raise bad_request("message to be replied not found")
        return message_id

    def _flood_gate(self, chat: _Chat) -> None:
        retry_after = self._flood.check(chat.id, chat.type != "private")
        if retry_after is not None:
            raise too_many_requests(retry_after)

    def _apply_chat_markup(self, chat: _Chat, markup: Markup | None) -> tuple[Any, bool]:
        """Chat-level effect of a markup; returns (inline keyboard for the message, force_reply)."""
        if markup is None:
            return None, False
        if markup.kind == "keyboard":
            chat.reply_keyboard = markup.value
            self._emit({"type": "keyboard", "chat_id": chat.id, "keyboard": markup.value})
        elif markup.kind == "remove_keyboard":
            chat.reply_keyboard = None
            self._emit({"type": "keyboard", "chat_id": chat.id, "keyboard": None})
        return markup.inline, markup.kind == "force_reply"

    # --- Bot API: basics and updates -----------------------------------------------------------

    async def _trivial_true(self, request: Params) -> bool:
        return True

    async def _get_me(self, request: Params) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot.first_name,
            "username": self.bot.username,
            "can_join_groups": self.bot.can_join_groups,
            "can_read_all_group_messages": not self.bot.privacy_mode,
            "supports_inline_queries": self.bot.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _set_allowed_updates(self, raw: Any) -> None:
        if raw is None:
            return
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise bad_request("can't parse allowed updates JSON object")
        self._explicit_allowed = list(raw)
        self._allowed_updates = frozenset(raw) if raw else DEFAULT_UPDATE_TYPES

    async def _get_updates(self, request: Params) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise conflict(
                "can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first"
            )
        offset = request.get_int("offset")
        limit = min(100, max(1, request.get_int("limit", default=100) or 100))
        timeout = max(0.0, request.get_float("timeout", default=0.0))
        self._set_allowed_updates(
            request.get_json("allowed_updates", error="can't parse allowed updates JSON object")
        )
        self._confirm(offset)
        # A newer getUpdates ends an older one still waiting, as Telegram does.
        poll = object()
        superseded = self._active_poll is not None
        self._active_poll = poll
        if superseded:
            self._notify()
        try:
            if not self._pending and timeout > 0:
                await self._wait_for_update(timeout)
            if self._active_poll is not poll:
                raise conflict(
                    "terminated by other getUpdates request; make sure that only one bot "
                    "instance is running"
                )
            if self._webhook is not None:
                return []
            return list(itertools.islice(self._pending, limit))
        finally:
            if self._active_poll is poll:
                self._active_poll = None

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            keep = -offset
            while len(self._pending) > keep:
                self._pending.popleft()
            return
        while self._pending and self._pending[0]["update_id"] < offset:
            self._pending.popleft()

    async def _wait_for_update(self, wait_seconds: float | None) -> None:
        """Return when an update arrives, a newer poll starts, or `wait_seconds` run out."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        timer: asyncio.Task[None] | None = None
        try:
            if wait_seconds is None:
                await future
                return
            timer = asyncio.ensure_future(self._sleep(wait_seconds))
            await asyncio.wait({future, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if timer is not None and not timer.done():
                timer.cancel()
            if future in self._waiters:
                self._waiters.remove(future)
            if not future.done():
                future.cancel()

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for future in waiters:
            if not future.done():
                future.set_result(None)

    def _push_update(
        self, kind: str, payload: dict[str, Any], *, deliver: bool = True
    ) -> dict[str, Any]:
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        if deliver and kind in self._allowed_updates:
            self._pending.append(update)
            self._notify()
        return update

    async def _set_webhook(self, request: Params) -> _Described:
        url = (request.get_str("url") or "").strip()
        if not url:
            return await self._delete_webhook(request)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if not is_loopback_url(url):
            # Deviation: the emulator never calls out of the machine, so only loopback works.
            raise bad_request(
                "bad webhook: the emulator delivers only to loopback hosts (127.0.0.1, ::1, "
                "localhost)"
            )
        secret = request.get_str("secret_token")
        if secret is not None and secret != "" and not _SECRET_FORMAT.match(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = request.get_int("max_connections", default=40) or 40
        if not 1 <= max_connections <= 100:
            raise bad_request("max_connections must be between 1 and 100")
        self._set_allowed_updates(
            request.get_json("allowed_updates", error="can't parse allowed updates JSON object")
        )
        if request.get_bool("drop_pending_updates"):
            self._pending.clear()
        previous = self._webhook
        self._webhook = _Webhook(url, secret or None, max_connections)
        self._webhook_error = None
        self._notify()  # a waiting getUpdates gives way to the webhook
        self._start_webhook_worker()
        if previous is not None and previous.url == url:
            return _Described(True, "Webhook is already set")
        return _Described(True, "Webhook was set")

    async def _delete_webhook(self, request: Params) -> _Described:
        if request.get_bool("drop_pending_updates"):
            self._pending.clear()
        if self._webhook is None:
            return _Described(True, "Webhook is already deleted")
        self._webhook = None
        await self._stop_webhook_worker()
        return _Described(True, "Webhook was deleted")

    async def _get_webhook_info(self, request: Params) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook.url if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._webhook is not None:
            info["max_connections"] = self._webhook.max_connections
            info["ip_address"] = "127.0.0.1"
            if self._explicit_allowed is not None:
                info["allowed_updates"] = self._explicit_allowed
        if self._webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    def _start_webhook_worker(self) -> None:
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._webhook_loop())

    async def _stop_webhook_worker(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            # Expected: we cancelled it. Our own cancellation still propagates below.
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise

    async def _webhook_loop(self) -> None:
        while self._webhook is not None:
            if not self._pending:
                await self._wait_for_update(None)
                continue
            update = self._pending[0]
            await self._deliver(self._webhook, update)
            if self._pending and self._pending[0] is update:
                self._pending.popleft()

    async def _deliver(self, webhook: _Webhook, update: dict[str, Any]) -> bool:
        body = json.dumps(update, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        delays = (*self._retry_delays, None)
        for attempt, delay in enumerate(delays, start=1):
            try:
                status = await self._poster(webhook.url, body, headers)
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                message = f"Connection failed: {exc.__class__.__name__}: {exc}"
            else:
                if 200 <= status <= 299:
                    return True
                message = f"Wrong response from the webhook: {status}"
            self._webhook_error = (self._date(), message)
            logger.warning(
                "webhook delivery of update %s to %s failed (attempt %d): %s",
                update["update_id"],
                webhook.url,
                attempt,
                message,
            )
            if delay is None or self._webhook is not webhook:
                break
            await self._sleep(delay)
        logger.error("giving up delivering update %s to %s", update["update_id"], webhook.url)
        return False

    @property
    def waiting_count(self) -> int:
        """How many getUpdates calls (or the webhook worker) are parked waiting for updates."""
        return len(self._waiters)

    def wake_waiters(self) -> None:
        """Wake every waiting getUpdates (used when the server shuts down)."""
        self._notify()

    async def aclose(self) -> None:
        """Stop webhook delivery, wake waiting polls and close the HTTP session."""
        self._webhook = None
        await self._stop_webhook_worker()
        self._notify()
        if self._own_poster and isinstance(self._poster, AiohttpPoster):
            await self._poster.close()

    # --- Bot API: sending ------------------------------------------------------------------------

    async def _send_message(self, request: Params) -> dict[str, Any]:
        text, entities = self._text_params(request, "text")
        markup = self._markup(request)
        chat = self._writable_chat(request)
        if not text:
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        reply_to = self._reply_target(chat, request)
        self._flood_gate(chat)
        inline, force_reply = self._apply_chat_markup(chat, markup)
        message = self._store(
            chat,
            self.bot_id,
            text=text,
            entities=entities,
            reply_markup=inline,
            reply_to_message_id=reply_to,
            force_reply=force_reply,
        )
        self._flood.record(chat.id)
        return self._message_dict(message)

    def _caption(self, request: Params) -> tuple[str | None, list[dict[str, Any]]]:
        if request.get_str("caption") is None:
            return None, []
        caption, entities = self._text_params(request, "caption")
        if len(caption) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        return (caption or None), entities

    def _check_upload(self, upload: UploadedFile) -> None:
        if not upload.data:
            raise bad_request("file must be non-empty")
        if len(upload.data) > self._upload_limit:
            raise ApiError(413, "Request Entity Too Large")

    def _input_file(self, request: Params, name: str) -> UploadedFile | StoredFile:
        """An InputFile parameter: a multipart part, an attach:// reference or a file_id."""
        if name in request.files:
            upload = request.files[name]
            self._check_upload(upload)
            return upload
        value = request.get_str(name)
        if not value:
            raise bad_request(f"there is no {name} in the request")
        return self._file_reference(request, value)

    def _file_reference(self, request: Params, value: str) -> UploadedFile | StoredFile:
        if value.startswith("attach://"):
            upload = request.files.get(value[len("attach://") :])
            if upload is None:
                raise bad_request(_WRONG_FILE)
            self._check_upload(upload)
            return upload
        if value.startswith(("http://", "https://")):
            # Deviation: no internet, so files are never fetched by URL.
            raise bad_request(_WRONG_FILE)
        stored = self.files.get(value)
        if stored is None:
            raise bad_request(_WRONG_FILE)
        return stored

    def _photo_sizes(self, source: UploadedFile | StoredFile) -> list[dict[str, Any]]:
        if isinstance(source, UploadedFile):
            sizes = self.files.add_photo(source.data)
            ids = [item.file_id for item in sizes]
            for item in sizes:
                item.extra["sizes"] = ids
        else:
            if source.kind != "photo":
                raise bad_request("type of file mismatch")
            ids = list(source.extra.get("sizes", [source.file_id]))
            sizes = [stored for file_id in ids if (stored := self.files.get(file_id))]
        return [photo_size_dict(item) for item in sizes]

    def _stored_document(
        self, source: UploadedFile | StoredFile, kind: str, **details: Any
    ) -> StoredFile:
        if isinstance(source, StoredFile):
            if source.kind != kind:
                raise bad_request("type of file mismatch")
            return source
        stored = self.files.add(
            kind,
            source.data,
            file_name=source.filename or None,
            mime_type=guess_mime_type(source.filename, source.content_type),
            width=details.get("width"),
            height=details.get("height"),
        )
        if details.get("duration") is not None:
            stored.extra["duration"] = details["duration"]
        return stored

    async def _send_media(self, request: Params, kind: MediaKind) -> dict[str, Any]:
        caption, caption_entities = self._caption(request)
        markup = self._markup(request)
        chat = self._writable_chat(request)
        reply_to = self._reply_target(chat, request)
        source = self._input_file(request, kind)
        self._flood_gate(chat)
        media = self._media_payload(kind, source, request)
        inline, force_reply = self._apply_chat_markup(chat, markup)
        message = self._store(
            chat,
            self.bot_id,
            caption=caption,
            caption_entities=caption_entities,
            media_kind=kind,
            media=media,
            reply_markup=inline,
            reply_to_message_id=reply_to,
            force_reply=force_reply,
        )
        self._flood.record(chat.id)
        return self._message_dict(message)

    def _media_payload(
        self, kind: MediaKind, source: UploadedFile | StoredFile, request: Params | None
    ) -> Any:
        if kind == "photo":
            return self._photo_sizes(source)
        if kind == "video":
            details = {
                "width": request.get_int("width", default=640) if request else 640,
                "height": request.get_int("height", default=360) if request else 360,
                "duration": request.get_int("duration", default=0) if request else 0,
            }
            return video_dict(self._stored_document(source, "video", **details))
        return document_dict(self._stored_document(source, "document"))

    async def _send_photo(self, request: Params) -> dict[str, Any]:
        return await self._send_media(request, "photo")

    async def _send_document(self, request: Params) -> dict[str, Any]:
        return await self._send_media(request, "document")

    async def _send_video(self, request: Params) -> dict[str, Any]:
        return await self._send_media(request, "video")

    async def _send_media_group(self, request: Params) -> list[dict[str, Any]]:
        media = request.get_json("media", error="can't parse media JSON object")
        if not isinstance(media, list) or not all(isinstance(item, dict) for item in media):
            raise bad_request("can't parse media JSON object")
        if not 2 <= len(media) <= 10:
            raise bad_request("wrong number of messages in a media group: must be 2-10")
        kinds = {item.get("type") for item in media}
        if not kinds <= {"photo", "video", "document"}:
            raise bad_request("unsupported media type in a media group")
        if "document" in kinds and kinds != {"document"}:
            raise bad_request("document can't be mixed with other media types")
        prepared: list[tuple[MediaKind, UploadedFile | StoredFile, str | None, list[Any]]] = []
        for item in media:
            kind: MediaKind = item["type"]
            source = self._file_reference(request, str(item.get("media", "")))
            caption: str | None = None
            caption_entities: list[Any] = []
            if item.get("caption"):
                caption, caption_entities = self._format(
                    str(item["caption"]), item.get("parse_mode"), item.get("caption_entities")
                )
                if len(caption) > MAX_CAPTION:
                    raise bad_request("message caption is too long")
            prepared.append((kind, source, caption or None, caption_entities))
        chat = self._writable_chat(request)
        reply_to = self._reply_target(chat, request)
        self._flood_gate(chat)
        group_id = str(next(self._media_group_ids))
        results: list[dict[str, Any]] = []
        for kind, source, caption, caption_entities in prepared:
            message = self._store(
                chat,
                self.bot_id,
                caption=caption,
                caption_entities=caption_entities,
                media_kind=kind,
                media=self._media_payload(kind, source, None),
                reply_to_message_id=reply_to,
                media_group_id=group_id,
            )
            self._flood.record(chat.id)
            results.append(self._message_dict(message))
        return results

    def _source_message(self, request: Params) -> _Message:
        source_chat = self._resolve_chat(request.chat_id("from_chat_id"))
        message_id = request.require_int("message_id", "message identifier is not specified")
        message = source_chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to copy not found")
        return message

    async def _copy_message(self, request: Params) -> dict[str, Any]:
        source = self._source_message(request)
        markup = self._markup(request)
        chat = self._writable_chat(request)
        reply_to = self._reply_target(chat, request)
        caption, caption_entities = source.caption, source.caption_entities
        if request.get_str("caption") is not None:
            caption, caption_entities = self._caption(request)
        self._flood_gate(chat)
        inline, force_reply = self._apply_chat_markup(chat, markup)
        message = self._store(
            chat,
            self.bot_id,
            text=source.text,
            entities=list(source.entities),
            caption=caption if source.media_kind else None,
            caption_entities=caption_entities if source.media_kind else [],
            media_kind=source.media_kind,
            media=source.media,
            reply_markup=inline,
            reply_to_message_id=reply_to,
            force_reply=force_reply,
        )
        self._flood.record(chat.id)
        return {"message_id": message.message_id}

    async def _forward_message(self, request: Params) -> dict[str, Any]:
        source = self._source_message(request)
        chat = self._writable_chat(request)
        self._flood_gate(chat)
        origin: dict[str, Any] = {
            "type": "user",
            "date": source.date,
            "sender_user": self._user_dict(source.from_id),
        }
        message = self._store(
            chat,
            self.bot_id,
            text=source.text,
            entities=list(source.entities),
            caption=source.caption,
            caption_entities=list(source.caption_entities),
            media_kind=source.media_kind,
            media=source.media,
            forward_origin=origin,
        )
        self._flood.record(chat.id)
        return self._message_dict(message)

    # --- Bot API: editing and deleting -----------------------------------------------------------

    def _message_to_edit(self, request: Params) -> tuple[_Chat, _Message]:
        if request.has("inline_message_id"):
            # Inline mode is not emulated, so no inline message can exist.
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._resolve_chat(request.chat_id())
        message_id = request.require_int("message_id", "message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if message.from_id != self.bot_id:
            raise bad_request("message can't be edited")
        return chat, message

    def _edit_markup(self, request: Params) -> dict[str, Any] | None:
        markup = self._markup(request)
        if markup is not None and markup.inline is None:
            raise bad_request("inline keyboard expected")
        return markup.inline if markup else None

    async def _edit_message_text(self, request: Params) -> dict[str, Any]:
        text, entities = self._text_params(request, "text")
        inline = self._edit_markup(request)
        chat, message = self._message_to_edit(request)
        if not text:
            raise bad_request("message text is empty")
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        if len(text) > MAX_TEXT:
            raise bad_request("MESSAGE_TOO_LONG")
        if (text, entities, inline) == (message.text, message.entities, message.reply_markup):
            raise bad_request(_NOT_MODIFIED)
        self._flood_gate(chat)
        message.text, message.entities, message.reply_markup = text, entities, inline
        message.edit_date = self._date()
        self._flood.record(chat.id)
        self._emit_edit(message)
        return self._message_dict(message)

    async def _edit_message_caption(self, request: Params) -> dict[str, Any]:
        caption, caption_entities = self._caption(request)
        inline = self._edit_markup(request)
        chat, message = self._message_to_edit(request)
        if message.media_kind is None:
            raise bad_request("there is no caption in the message to edit")
        if (caption, caption_entities, inline) == (
            message.caption,
            message.caption_entities,
            message.reply_markup,
        ):
            raise bad_request(_NOT_MODIFIED)
        self._flood_gate(chat)
        message.caption, message.caption_entities = caption, caption_entities
        message.reply_markup = inline
        message.edit_date = self._date()
        self._flood.record(chat.id)
        self._emit_edit(message)
        return self._message_dict(message)

    async def _edit_message_reply_markup(self, request: Params) -> dict[str, Any]:
        inline = self._edit_markup(request)
        chat, message = self._message_to_edit(request)
        if inline == message.reply_markup:
            raise bad_request(_NOT_MODIFIED)
        self._flood_gate(chat)
        message.reply_markup = inline
        # Telegram does not set edit_date for keyboard-only edits.
        self._flood.record(chat.id)
        self._emit_edit(message)
        return self._message_dict(message)

    def _delete_one(self, chat: _Chat, message_id: int) -> None:
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to delete not found")
        own = message.from_id == self.bot_id
        if not own and chat.type != "private" and not self._is_admin(chat, self.bot_id):
            raise bad_request("message can't be deleted")
        if self._date() - message.date > DELETE_WINDOW:
            raise bad_request("message can't be deleted")
        del chat.messages[message_id]
        if message_id in chat.pinned:
            chat.pinned.remove(message_id)

    async def _delete_message(self, request: Params) -> bool:
        chat = self._resolve_chat(request.chat_id())
        message_id = request.require_int("message_id", "message identifier is not specified")
        self._delete_one(chat, message_id)
        self._emit({"type": "delete", "chat_id": chat.id, "message_ids": [message_id]})
        return True

    async def _delete_messages(self, request: Params) -> bool:
        chat = self._resolve_chat(request.chat_id())
        ids = request.get_json("message_ids", error="can't parse message identifiers")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must be a list of 1-100 message identifiers")
        deleted: list[int] = []
        for message_id in ids:
            if not isinstance(message_id, int):
                raise bad_request("can't parse message identifiers")
            try:
                self._delete_one(chat, message_id)
            except ApiError:
                # deleteMessages skips messages that can't be found or deleted.
                logger.debug("deleteMessages skipped message %s in chat %s", message_id, chat.id)
                continue
            deleted.append(message_id)
        if deleted:
            self._emit({"type": "delete", "chat_id": chat.id, "message_ids": deleted})
        return True

    # --- Bot API: callbacks, actions, files ------------------------------------------------------

    async def _answer_callback_query(self, request: Params) -> bool:
        query_id = request.get_str("callback_query_id") or ""
        query = self._queries.get(query_id)
        if query is None or query.answered or self._clock() - query.created > self._query_ttl:
            raise bad_request(_QUERY_TOO_OLD)
        text = request.get_str("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        url = request.get_str("url")
        if url and self.deep_link_payload(url) is None:
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
        self._callback_answers.append(answer)
        self._emit(
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
        chat = self._writable_chat(request)
        action = request.get_str("action") or ""
        if action not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._chat_actions.append(ChatActionRecord(chat.id, action, self._clock()))
        self._emit({"type": "chat_action", "chat_id": chat.id, "action": action})
        return True

    async def _get_file(self, request: Params) -> dict[str, Any]:
        file_id = request.get_str("file_id") or ""
        stored = self.files.get(file_id)
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

    # --- Bot API: commands, menu, bot texts ------------------------------------------------------

    def _scope_key(self, request: Params) -> tuple[str, int | None, int | None, str]:
        scope = request.get_json("scope", error="can't parse BotCommandScope JSON object")
        language = request.get_str("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        if scope is None:
            return ("default", None, None, language)
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise bad_request("can't parse BotCommandScope JSON object")
        kind = str(scope["type"])
        chat_id: int | None = None
        user_id: int | None = None
        if kind in ("chat", "chat_administrators", "chat_member"):
            chat_ref = scope.get("chat_id")
            if not isinstance(chat_ref, (int, str)):
                raise bad_request("chat not found")
            chat = self._resolve_chat(chat_ref)
            chat_id = chat.id
            if kind != "chat" and chat.type == "private":
                raise bad_request("can't use chat administrators scope in private chats")
        if kind == "chat_member":
            raw_user = scope.get("user_id")
            if not isinstance(raw_user, int) or raw_user not in self._personas:
                raise bad_request("user not found")
            user_id = raw_user
        return (kind, chat_id, user_id, language)

    async def _set_my_commands(self, request: Params) -> bool:
        raw = request.get_json("commands", error="can't parse commands JSON object")
        if not isinstance(raw, list):
            raise bad_request("can't parse commands JSON object")
        if len(raw) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        commands: list[dict[str, Any]] = []
        for item in raw:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name = str(item.get("command", "")).lstrip("/")
            description = str(item.get("description", "")).strip()
            if not _COMMAND_FORMAT.match(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("command description must be 1-256 characters long")
            commands.append({"command": name, "description": description})
        key = self._scope_key(request)
        if commands:
            self._commands[key] = commands
        else:
            self._commands.pop(key, None)
        self._emit({"type": "commands"})
        return True

    async def _get_my_commands(self, request: Params) -> list[dict[str, Any]]:
        return list(self._commands.get(self._scope_key(request), []))

    async def _delete_my_commands(self, request: Params) -> bool:
        self._commands.pop(self._scope_key(request), None)
        self._emit({"type": "commands"})
        return True

    async def _set_chat_menu_button(self, request: Params) -> bool:
        chat_id: int | None = None
        if request.has("chat_id"):
            chat = self._resolve_chat(request.chat_id())
            if chat.type != "private":
                raise bad_request("chat menu button can be set only in private chats")
            chat_id = chat.id
        button = request.get_json("menu_button", error="can't parse menu button JSON object")
        if button is None:
            button = {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "default",
            "commands",
            "web_app",
        ):
            raise bad_request("can't parse menu button JSON object")
        self._menu_buttons[chat_id] = button
        return True

    async def _get_chat_menu_button(self, request: Params) -> dict[str, Any]:
        chat_id: int | None = None
        if request.has("chat_id"):
            chat_id = self._resolve_chat(request.chat_id()).id
        button = self._menu_buttons.get(chat_id) or self._menu_buttons.get(None)
        if button is None or button.get("type") == "default":
            return {"type": "commands"}
        return dict(button)

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
            default = self.bot.first_name if field_name == "name" else ""
            value = self._bot_texts.get(
                (field_name, language), self._bot_texts.get((field_name, ""))
            )
            return {field_name: value if value is not None else default}

        return getter

    # --- Bot API: chats and members --------------------------------------------------------------

    async def _get_chat(self, request: Params) -> dict[str, Any]:
        chat = self._resolve_chat(request.chat_id())
        if chat.type == "private" and not self._personas[chat.id].started_bot:
            raise bad_request("chat not found")
        result = self._chat_dict(chat)
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

    def _member_dict(self, chat: _Chat, user_id: int) -> dict[str, Any]:
        user = self._user_dict(user_id)
        group = chat.group
        if group is None:
            return {"status": "member", "user": user}
        if user_id != self.bot_id and user_id == self._creator(group):
            return {"status": "creator", "user": user, "is_anonymous": False}
        if self._is_admin(chat, user_id):
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
                "can_manage_topics": False,
            }
        if user_id == self.bot_id or user_id in self._members(chat):
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}

    async def _get_chat_administrators(self, request: Params) -> list[dict[str, Any]]:
        chat = self._resolve_chat(request.chat_id())
        if chat.group is None:
            raise bad_request("there are no administrators in the private chat")
        ids: list[int] = []
        creator = self._creator(chat.group)
        if creator is not None:
            ids.append(creator)
        ids.extend(uid for uid in chat.group.administrators if uid not in ids)
        if chat.group.bot_is_admin:
            ids.append(self.bot_id)
        return [self._member_dict(chat, uid) for uid in ids if self._lookup_user(uid)]

    async def _get_chat_member(self, request: Params) -> dict[str, Any]:
        chat = self._resolve_chat(request.chat_id())
        user_id = request.require_int("user_id", "user_id is empty")
        if self._lookup_user(user_id) is None:
            raise bad_request("user not found")
        if chat.group is None and user_id not in (chat.id, self.bot_id):
            raise bad_request("user not found")
        return self._member_dict(chat, user_id)

    async def _get_chat_member_count(self, request: Params) -> int:
        chat = self._resolve_chat(request.chat_id())
        return len(self._members(chat)) + 1

    def _pin_rights(self, chat: _Chat) -> None:
        if chat.group is not None and not self._is_admin(chat, self.bot_id):
            raise bad_request("not enough rights to manage pinned messages in the chat")

    async def _pin_chat_message(self, request: Params) -> bool:
        chat = self._resolve_chat(request.chat_id())
        message_id = request.require_int("message_id", "message identifier is not specified")
        self._pin_rights(chat)
        if message_id not in chat.messages:
            raise bad_request("message to pin not found")
        chat.pinned = [mid for mid in chat.pinned if mid != message_id] + [message_id]
        self._emit({"type": "pinned", "chat_id": chat.id, "message_ids": list(chat.pinned)})
        return True

    async def _unpin_chat_message(self, request: Params) -> bool:
        chat = self._resolve_chat(request.chat_id())
        self._pin_rights(chat)
        message_id = request.get_int("message_id")
        if message_id is None:
            chat.pinned = chat.pinned[:-1]
        elif message_id in chat.pinned:
            chat.pinned.remove(message_id)
        else:
            raise bad_request("message to unpin not found")
        self._emit({"type": "pinned", "chat_id": chat.id, "message_ids": list(chat.pinned)})
        return True

    async def _unpin_all_chat_messages(self, request: Params) -> bool:
        chat = self._resolve_chat(request.chat_id())
        self._pin_rights(chat)
        chat.pinned = []
        self._emit({"type": "pinned", "chat_id": chat.id, "message_ids": []})
        return True

    # --- persona actions -------------------------------------------------------------------------

    def persona(self, user_id: int) -> PersonaHandle:
        """A handle whose methods act as this persona (same as the `user_*` methods)."""
        self._persona(user_id)
        return PersonaHandle(self, user_id)

    def _chat_for_user(self, user_id: int, chat_id: int) -> _Chat:
        persona = self._persona(user_id)
        chat = self._chats.get(chat_id)
        if chat is None:
            raise PersonaError(f"unknown chat {chat_id}")
        if chat.type == "private":
            if chat.id != user_id:
                raise PersonaError(f"{user_id} cannot write in the private chat of {chat.id}")
            if not persona.started_bot:
                persona.started_bot = True
                self._emit({"type": "persona", "user_id": user_id, "started_bot": True})
        elif user_id not in self._members(chat):
            raise PersonaError(f"{user_id} is not a member of chat {chat_id}")
        return chat

    def _user_reply_to(self, chat: _Chat, reply_to: int | None) -> int | None:
        if reply_to is not None and reply_to not in chat.messages:
            raise PersonaError(f"no message {reply_to} in chat {chat.id} to reply to")
        return reply_to

    def _bot_sees(self, chat: _Chat, message: _Message) -> bool:
        """Privacy mode: in groups where it is no admin the bot sees commands and replies only."""
        if chat.type == "private" or not self.bot.privacy_mode or self._is_admin(chat, self.bot_id):
            return True
        if message.reply_to_message_id is not None:
            replied = chat.messages.get(message.reply_to_message_id)
            if replied is not None and replied.from_id == self.bot_id:
                return True
        text = message.text if message.text is not None else message.caption or ""
        entities = message.entities if message.text is not None else message.caption_entities
        for entity in entities:
            if entity["type"] == "bot_command" and entity["offset"] == 0:
                command = text[: entity["length"]]
                target = command.partition("@")[2]
                return not target or target.lower() == self.bot.username.lower()
        return False

    def _user_text(self, text: str) -> tuple[str, list[dict[str, Any]]]:
        plain, _ = clean_and_trim(text, [])
        entities: list[Entity] = find_auto_entities(plain)
        return plain, to_api_entities(plain, entities)

    def _deliver_message(self, chat: _Chat, message: _Message) -> dict[str, Any]:
        payload = self._message_dict(message)
        return self._push_update("message", payload, deliver=self._bot_sees(chat, message))

    def user_send_text(
        self, user_id: int, chat_id: int, text: str, *, reply_to: int | None = None
    ) -> dict[str, Any]:
        """The persona types `text` into `chat_id` (optionally replying); returns the Update."""
        chat = self._chat_for_user(user_id, chat_id)
        plain, entities = self._user_text(text)
        if not plain:
            raise PersonaError("a message needs some text")
        if len(plain) > MAX_TEXT:
            raise PersonaError("a message holds at most 4096 characters")
        message = self._store(
            chat,
            user_id,
            text=plain,
            entities=entities,
            reply_to_message_id=self._user_reply_to(chat, reply_to),
        )
        return self._deliver_message(chat, message)

    def user_start(self, user_id: int, payload: str | None = None) -> dict[str, Any]:
        """The persona opens the private chat with the bot (deep link payload optional)."""
        text = "/start" if not payload else f"/start {payload}"
        return self.user_send_text(user_id, user_id, text)

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

    def user_follow_url(self, user_id: int, url: str) -> dict[str, Any] | None:
        """Follow a URL button: a t.me/<bot>?start=X link sends "/start X" to the bot."""
        payload = self.deep_link_payload(url)
        if payload is None:
            return None
        return self.user_start(user_id, payload or None)

    def _user_caption(self, caption: str | None) -> tuple[str | None, list[dict[str, Any]]]:
        if not caption:
            return None, []
        plain, entities = self._user_text(caption)
        if len(plain) > MAX_CAPTION:
            raise PersonaError("a caption holds at most 1024 characters")
        return (plain or None), entities

    def _user_media(self, item: MediaItem) -> Any:
        if not item.file.data:
            raise PersonaError("an empty file cannot be sent")
        if item.kind == "photo":
            return self._photo_sizes(item.file)
        details: dict[str, Any] = {}
        if item.kind == "video":
            details = {
                "width": item.width or 640,
                "height": item.height or 360,
                "duration": item.duration or 0,
            }
            return video_dict(self._stored_document(item.file, "video", **details))
        return document_dict(self._stored_document(item.file, "document"))

    def user_send_media(
        self,
        user_id: int,
        chat_id: int,
        item: MediaItem,
        *,
        caption: str | None = None,
        reply_to: int | None = None,
        media_group_id: str | None = None,
    ) -> dict[str, Any]:
        """The persona sends one photo, video or document; returns the Update."""
        chat = self._chat_for_user(user_id, chat_id)
        text, entities = self._user_caption(caption)
        message = self._store(
            chat,
            user_id,
            caption=text,
            caption_entities=entities,
            media_kind=item.kind,
            media=self._user_media(item),
            reply_to_message_id=self._user_reply_to(chat, reply_to),
            media_group_id=media_group_id,
        )
        return self._deliver_message(chat, message)

    def user_send_photo(
        self,
        user_id: int,
        chat_id: int,
        data: bytes,
        *,
        caption: str | None = None,
        reply_to: int | None = None,
        file_name: str = "photo.jpg",
    ) -> dict[str, Any]:
        """The persona sends a photo; the message carries several PhotoSizes, largest last."""
        item = MediaItem("photo", UploadedFile(file_name, "image/jpeg", data))
        return self.user_send_media(user_id, chat_id, item, caption=caption, reply_to=reply_to)

    def user_send_document(
        self,
        user_id: int,
        chat_id: int,
        data: bytes,
        *,
        file_name: str,
        mime_type: str | None = None,
        caption: str | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """The persona sends a file; the document keeps its name, MIME type and size."""
        upload = UploadedFile(file_name, guess_mime_type(file_name, mime_type), data)
        item = MediaItem("document", upload)
        return self.user_send_media(user_id, chat_id, item, caption=caption, reply_to=reply_to)

    def user_send_video(
        self,
        user_id: int,
        chat_id: int,
        data: bytes,
        *,
        file_name: str = "video.mp4",
        mime_type: str = "video/mp4",
        width: int = 640,
        height: int = 360,
        duration: int = 5,
        caption: str | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """The persona sends a video."""
        item = MediaItem("video", UploadedFile(file_name, mime_type, data), width, height, duration)
        return self.user_send_media(user_id, chat_id, item, caption=caption, reply_to=reply_to)

    def user_send_album(
        self,
        user_id: int,
        chat_id: int,
        items: Sequence[MediaItem],
        *,
        caption: str | None = None,
        reply_to: int | None = None,
    ) -> list[dict[str, Any]]:
        """The persona sends 2-10 files at once: one Update per item, one shared media_group_id.

        As in Telegram clients the caption goes on the first item, and documents form albums
        only with other documents.
        """
        if not 2 <= len(items) <= 10:
            raise PersonaError("an album has 2 to 10 items")
        kinds = {item.kind for item in items}
        if "document" in kinds and kinds != {"document"}:
            raise PersonaError("documents cannot share an album with photos or videos")
        self._chat_for_user(user_id, chat_id)
        group_id = str(next(self._media_group_ids))
        return [
            self.user_send_media(
                user_id,
                chat_id,
                item,
                caption=caption if index == 0 else None,
                reply_to=reply_to,
                media_group_id=group_id,
            )
            for index, item in enumerate(items)
        ]

    def user_edit_text(
        self, user_id: int, chat_id: int, message_id: int, text: str
    ) -> dict[str, Any]:
        """The persona edits one of their own text messages; returns the edited_message Update."""
        chat = self._chat_for_user(user_id, chat_id)
        message = chat.messages.get(message_id)
        if message is None or message.from_id != user_id or message.text is None:
            raise PersonaError(f"{user_id} has no text message {message_id} in chat {chat_id}")
        plain, entities = self._user_text(text)
        if not plain:
            raise PersonaError("a message needs some text")
        message.text, message.entities = plain, entities
        message.edit_date = self._date()
        self._emit_edit(message)
        return self._push_update(
            "edited_message", self._message_dict(message), deliver=self._bot_sees(chat, message)
        )

    def _chat_instance(self, chat_id: int) -> str:
        # Stable per chat, opaque like Telegram's.
        return str((abs(chat_id) * 6_364_136_223_846_793_005 + self.bot_id) % (1 << 63))

    def user_press_button(
        self,
        user_id: int,
        chat_id: int,
        message_id: int,
        callback_data: str | None = None,
        *,
        text: str | None = None,
    ) -> dict[str, Any]:
        """The persona taps an inline callback button (found by its data or its text)."""
        chat = self._chat_for_user(user_id, chat_id)
        message = chat.messages.get(message_id)
        if message is None:
            raise PersonaError(f"no message {message_id} in chat {chat_id}")
        buttons = callback_buttons(message.reply_markup)
        match = [
            button
            for button in buttons
            if "callback_data" in button
            and (callback_data is None or button["callback_data"] == callback_data)
            and (text is None or button["text"] == text)
        ]
        if not match or (callback_data is None and text is None):
            raise PersonaError(f"message {message_id} has no such callback button")
        query_id = str(next(self._query_ids))
        self._queries[query_id] = _Query(user_id, chat.id, message_id, self._clock())
        payload = {
            "id": query_id,
            "from": self._user_dict(user_id),
            "message": self._message_dict(message),
            "chat_instance": self._chat_instance(chat.id),
            "data": match[0]["callback_data"],
        }
        return self._push_update("callback_query", payload)

    def user_block_bot(self, user_id: int, blocked: bool = True) -> dict[str, Any]:
        """The persona blocks (or unblocks) the bot: sends to them then fail with 403.

        Returns the my_chat_member Update Telegram sends for it.
        """
        persona = self._persona(user_id)
        was_blocked = persona.blocked_bot
        persona.blocked_bot = blocked
        if blocked:
            persona.started_bot = True
        bot_user = self._user_dict(self.bot_id)

        def status(kicked: bool) -> dict[str, Any]:
            if kicked:
                return {"status": "kicked", "user": bot_user, "until_date": 0}
            return {"status": "member", "user": bot_user}

        payload = {
            "chat": self._chat_dict(self._chats[user_id]),
            "from": self._user_dict(user_id),
            "date": self._date(),
            "old_chat_member": status(was_blocked),
            "new_chat_member": status(blocked),
        }
        self._emit({"type": "persona", "user_id": user_id, "started_bot": persona.started_bot})
        return self._push_update("my_chat_member", payload)

    # --- runtime switches and test helpers --------------------------------------------------------

    @property
    def flood_limits(self) -> bool:
        return self._flood.enabled

    def set_flood_limits(self, enabled: bool) -> None:
        """Switch flood limits on or off; switching resets the windows."""
        self._flood.enabled = enabled
        self._flood.reset()

    def is_started(self, user_id: int) -> bool:
        return self._persona(user_id).started_bot

    def personas(self) -> list[dict[str, Any]]:
        """The cast, with their current started_bot state (for the panel)."""
        result = []
        for persona in self._personas.values():
            entry = self._user_dict(persona.spec.id)
            entry.update(
                {
                    "role": persona.spec.role,
                    "started_bot": persona.started_bot,
                    "blocked_bot": persona.blocked_bot,
                }
            )
            result.append(entry)
        return result

    def chats(self) -> list[dict[str, Any]]:
        """Every chat: groups first, then each persona's private chat with the bot."""
        ordered = sorted(self._chats.values(), key=lambda chat: (chat.type == "private", chat.id))
        return [self._chat_dict(chat) for chat in ordered]

    def chat_members(self, chat_id: int) -> list[int]:
        return self._members(self._resolve_chat(chat_id))

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The chat's current messages as Telegram dicts (edits applied, deleted ones gone)."""
        chat = self._resolve_chat(chat_id)
        return [self._message_dict(message) for message in chat.messages.values()]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        message = self._resolve_chat(chat_id).messages.get(message_id)
        return self._message_dict(message) if message else None

    def last_message(self, chat_id: int) -> dict[str, Any] | None:
        chat = self._resolve_chat(chat_id)
        if not chat.messages:
            return None
        return self._message_dict(next(reversed(chat.messages.values())))

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for m in self.messages(chat_id) if m["from"]["id"] == self.bot_id]

    def chat_view(self, chat_id: int) -> dict[str, Any]:
        """What the panel shows for a chat: messages plus chat-level keyboard state."""
        chat = self._resolve_chat(chat_id)
        force_reply = [m.message_id for m in chat.messages.values() if m.force_reply]
        return {
            "chat": self._chat_dict(chat),
            "messages": self.messages(chat_id),
            "reply_keyboard": chat.reply_keyboard,
            "force_reply_message_id": force_reply[-1] if force_reply else None,
            "pinned_message_ids": list(chat.pinned),
        }

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return list(self._callback_answers)

    @property
    def chat_actions(self) -> list[ChatActionRecord]:
        return list(self._chat_actions)

    @property
    def request_log(self) -> list[RequestRecord]:
        return list(self._request_log)

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued for getUpdates/webhook delivery and not yet confirmed."""
        return list(self._pending)

    def commands(
        self,
        scope: dict[str, Any] | None = None,
        language_code: str = "",
    ) -> list[dict[str, Any]]:
        """The command list stored for exactly this scope and language ([] when none)."""
        request = Params({"scope": scope, "language_code": language_code}, {})
        return list(self._commands.get(self._scope_key(request), []))

    def command_state(self) -> dict[tuple[str, int | None, int | None, str], list[dict[str, Any]]]:
        """Every stored command list keyed by (scope type, chat id, user id, language)."""
        return {key: list(value) for key, value in self._commands.items()}

    def resolve_commands(self, chat_id: int, user_id: int) -> list[dict[str, Any]]:
        """The menu this user sees in this chat, by the Bot API's documented lookup order."""
        chat = self._resolve_chat(chat_id)
        language = (self._persona(user_id).spec.language_code or "")[:2]
        if chat.type == "private":
            scopes: list[tuple[str, int | None, int | None]] = [
                ("chat", chat.id, None),
                ("all_private_chats", None, None),
                ("default", None, None),
            ]
        else:
            admin = self._is_admin(chat, user_id)
            scopes = [("chat_member", chat.id, user_id)]
            if admin:
                scopes.append(("chat_administrators", chat.id, None))
            scopes.append(("chat", chat.id, None))
            if admin:
                scopes.append(("all_chat_administrators", None, None))
            scopes.extend([("all_group_chats", None, None), ("default", None, None)])
        for kind, scope_chat, scope_user in scopes:
            for lang in dict.fromkeys((language, "")):
                found = self._commands.get((kind, scope_chat, scope_user, lang))
                if found:
                    return list(found)
        return []

    def webhook_url(self) -> str | None:
        return self._webhook.url if self._webhook else None

    def file_bytes(self, file_id: str) -> bytes:
        stored = self.files.get(file_id)
        if stored is None:
            raise KeyError(file_id)
        return stored.data

    def file_info(self, file_id: str) -> StoredFile | None:
        return self.files.get(file_id)


class PersonaHandle:
    """Acts as one persona: `core.persona(1001).send_text(group_id, "/ticket ...")`."""

    def __init__(self, core: EmulatorCore, user_id: int) -> None:
        self.core = core
        self.user_id = user_id

    def send_text(self, chat_id: int, text: str, *, reply_to: int | None = None) -> dict[str, Any]:
        return self.core.user_send_text(self.user_id, chat_id, text, reply_to=reply_to)

    def start(self, payload: str | None = None) -> dict[str, Any]:
        return self.core.user_start(self.user_id, payload)

    def send_photo(
        self, chat_id: int, data: bytes, *, caption: str | None = None, reply_to: int | None = None
    ) -> dict[str, Any]:
        return self.core.user_send_photo(
            self.user_id, chat_id, data, caption=caption, reply_to=reply_to
        )

    def send_document(
        self,
        chat_id: int,
        data: bytes,
        *,
        file_name: str,
        mime_type: str | None = None,
        caption: str | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        return self.core.user_send_document(
            self.user_id,
            chat_id,
            data,
            file_name=file_name,
            mime_type=mime_type,
            caption=caption,
            reply_to=reply_to,
        )

    def send_video(
        self, chat_id: int, data: bytes, *, caption: str | None = None, reply_to: int | None = None
    ) -> dict[str, Any]:
        return self.core.user_send_video(
            self.user_id, chat_id, data, caption=caption, reply_to=reply_to
        )

    def send_album(
        self, chat_id: int, items: Iterable[MediaItem], *, caption: str | None = None
    ) -> list[dict[str, Any]]:
        return self.core.user_send_album(self.user_id, chat_id, list(items), caption=caption)

    def press(
        self,
        chat_id: int,
        message_id: int,
        callback_data: str | None = None,
        *,
        text: str | None = None,
    ) -> dict[str, Any]:
        return self.core.user_press_button(
            self.user_id, chat_id, message_id, callback_data, text=text
        )

    def edit_text(self, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
        return self.core.user_edit_text(self.user_id, chat_id, message_id, text)

    def follow_url(self, url: str) -> dict[str, Any] | None:
        return self.core.user_follow_url(self.user_id, url)
