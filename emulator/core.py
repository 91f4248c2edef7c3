"""The emulated Telegram world behind one facade: Bot API methods, personas, update delivery.

`EmulatorCore.call` answers Bot API calls exactly as the HTTP server would (status + JSON body);
the `user_*` methods make personas act (each returns the Update dict Telegram would deliver);
the inspection helpers at the end expose what happened (messages, callback answers, commands,
request log). The work is done by parts, one concern each: `chats.World` (personas, chats and
messages), `messages.MessageMethods`, `methods.ChatMethods` and `commands.CommandMenus` (Bot
API methods), `personas.Personas` (persona actions) and `delivery.UpdateDelivery` (the update
queue, getUpdates and webhooks).

Known deviations from Telegram (all deliberate, for an offline single-machine emulator):
- webhooks may use http and any port, but only loopback hosts; delivery is sequential (one
  update at a time), the webhook's response body is ignored, and an update is dropped after the
  configured retries;
- files are never fetched by HTTP URL; photos are not resized, every PhotoSize serves the
  original bytes (dimensions come from the PNG/JPEG/GIF/WebP header, else 1280x960);
- real Bot API methods that are not emulated answer 400 "the emulator does not implement X"
  (a 404 would make python-telegram-bot raise InvalidToken);
- inline mode knows article results with text only; messages sent via the bot cannot be edited
  by inline_message_id; topics exist in forum supergroups only (no private-chat topics) and
  messages in a topic do not reply to its creation message as Telegram's clients show them;
- no payments, business chats, or service messages other than the forum topics'; membership
  is static;
- flood limits are exact sliding windows with the Bot FAQ's numbers; chat actions do not count;
- callback queries expire after `callback_query_ttl` seconds (Telegram does not document it);
- URL auto-detection knows scheme URLs and a short TLD list; no phone/bank-card entities;
- unconfirmed updates are kept until confirmed (Telegram drops them after 24 hours).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from emulator.chats import Event, World
from emulator.commands import CommandMenus, ScopeKey
from emulator.delivery import Described, UpdateDelivery
from emulator.errors import ApiError, bad_request
from emulator.flood import FloodLimiter, FloodRules
from emulator.forums import ForumMethods
from emulator.inline import InlineMode, InlineQuery
from emulator.media import FileStore, StoredFile
from emulator.messages import MessageMethods
from emulator.methods import CallbackAnswer, ChatMethods
from emulator.params import Handler, Params, UploadedFile
from emulator.personas import Personas
from emulator.scenario import Scenario
from emulator.webhook import WebhookPoster

logger = logging.getLogger(__name__)

DOWNLOAD_LIMIT = 20 * 1024 * 1024
UPLOAD_LIMIT = 50 * 1024 * 1024
_TOKEN_FORMAT = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
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


@dataclass(frozen=True)
class RequestRecord:
    """One Bot API call as the emulator saw it."""

    time: float  # injected monotonic clock
    method: str
    chat_id: int | None
    status: int
    description: str | None = None


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
        self._download_limit = download_limit
        self._flood = FloodLimiter(clock, enabled=flood_limits, rules=flood_rules)
        self._files = FileStore()
        self._world = World(scenario, now)
        self._delivery = UpdateDelivery(
            first_update_id=scenario.first_update_id,
            date=self._world.date,
            sleep=sleep,
            poster=webhook_poster,
            retry_delays=webhook_retry_delays,
        )
        self._chat_methods = ChatMethods(
            self._world,
            self._files,
            clock=clock,
            callback_query_ttl=callback_query_ttl,
            download_limit=download_limit,
        )
        self._commands = CommandMenus(self._world)
        personas = Personas(self._world, self._delivery, self._files, clock)
        # The persona actions; each returns the Update Telegram would send the bot for it.
        self.user_send_text = personas.send_text
        self.user_start = personas.start
        self.user_follow_url = personas.follow_url
        self.user_send_media = personas.send_media
        self.user_send_photo = personas.send_photo
        self.user_send_document = personas.send_document
        self.user_send_video = personas.send_video
        self.user_send_album = personas.send_album
        self.user_edit_text = personas.edit_text
        self.user_press_button = personas.press_button
        self.user_block_bot = personas.block_bot
        self._inline = InlineMode(
            self._world,
            self._delivery,
            personas.deliver_message,
            clock=clock,
            query_ttl=callback_query_ttl,
        )
        self.user_inline_query = self._inline.type_query
        self.user_choose_inline_result = self._inline.choose
        self._request_log: list[RequestRecord] = []
        self._methods: dict[str, Handler] = {
            **self._delivery.handlers(),
            **MessageMethods(
                self._world, self._files, self._flood, upload_limit=upload_limit
            ).handlers(),
            **self._chat_methods.handlers(),
            **self._commands.handlers(),
            **ForumMethods(self._world).handlers(),
            **self._inline.handlers(),
        }

    # --- the Bot API entry point -----------------------------------------------------------------

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
            self._check_token(token)
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
        if isinstance(result, Described):
            body["result"] = result.result
            body["description"] = result.description
        else:
            body["result"] = result
        self._log(method, chat_id, 200, None)
        return 200, body

    def download(self, token: str, file_path: str) -> tuple[int, bytes, str]:
        """Serve /file/bot<token>/<file_path>: (status, body, content type)."""
        try:
            self._check_token(token)
        except ApiError as error:
            return error.status, json.dumps(error.body()).encode(), "application/json"
        stored = self._files.by_path(file_path)
        if stored is None:
            body = json.dumps({"ok": False, "error_code": 404, "description": "Not Found"})
            return 404, body.encode(), "application/json"
        if stored.file_size > self._download_limit:
            too_big = bad_request("file is too big")
            return too_big.status, json.dumps(too_big.body()).encode(), "application/json"
        return 200, stored.data, stored.mime_type or "application/octet-stream"

    def _check_token(self, token: str) -> None:
        """404 for a malformed token, 401 for a well-formed but wrong one, as Telegram answers."""
        if not _TOKEN_FORMAT.match(token):
            raise ApiError(404, "Not Found")
        if token != self.bot.token:
            raise ApiError(401, "Unauthorized")

    def _log(self, method: str, chat_id: int | None, status: int, description: str | None) -> None:
        self._request_log.append(RequestRecord(self._clock(), method, chat_id, status, description))

    def _log_chat_id(self, request: Params) -> int | None:
        value = request.raw("chat_id")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            if value.lstrip("-").isdigit():
                return int(value)
            chat = self._world.chat_by_username(value)
            return chat.id if chat else None
        return None

    def add_listener(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        """Call `listener` with every panel event; returns a function that unsubscribes."""
        return self._world.add_listener(listener)

    @property
    def waiting_count(self) -> int:
        """How many getUpdates calls (or the webhook worker) are parked waiting for updates."""
        return self._delivery.waiting_count

    def wake_waiters(self) -> None:
        """Wake every waiting getUpdates (used when the server shuts down)."""
        self._delivery.wake_waiters()

    async def aclose(self) -> None:
        """Stop webhook delivery, wake waiting polls and close the HTTP session."""
        await self._delivery.aclose()

    # --- runtime switches and inspection ---------------------------------------------------------

    @property
    def flood_limits(self) -> bool:
        return self._flood.enabled

    def impose_flood_wait(self, chat_id: int | None, seconds: int) -> None:
        """Refuse sends to `chat_id` (None: to every chat) with 429 for `seconds`, as Telegram
        may at any time; effective while flood limits are on."""
        self._flood.impose(chat_id, seconds)

    def set_flood_limits(self, enabled: bool) -> None:
        """Switch flood limits on or off; switching resets the windows."""
        self._flood.enabled = enabled
        self._flood.reset()

    def menu_button(self, chat_id: int) -> dict[str, Any]:
        """The menu button of a persona's private chat (setChatMenuButton), as the bot set it."""
        return self._chat_methods.menu_button(chat_id)

    def persona(self, user_id: int) -> dict[str, Any]:
        """One persona as `personas()` lists it; PersonaError for an unknown id."""
        return self._world.persona_view(user_id)

    def is_started(self, user_id: int) -> bool:
        return self._world.persona(user_id).started_bot

    def personas(self) -> list[dict[str, Any]]:
        """The cast, with their current started_bot state (for the panel)."""
        return [self._world.persona_view(user_id) for user_id in self._world.personas]

    def chats(self) -> list[dict[str, Any]]:
        """Every chat: groups first, then each persona's private chat with the bot."""
        return self._world.chat_list()

    def chat_members(self, chat_id: int) -> list[int]:
        return self._world.members(self._world.resolve_chat(chat_id))

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The chat's current messages as Telegram dicts (edits applied, deleted ones gone)."""
        return self._world.messages(chat_id)

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        return self._world.message(chat_id, message_id)

    def last_message(self, chat_id: int) -> dict[str, Any] | None:
        return self._world.last_message(chat_id)

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for m in self.messages(chat_id) if m["from"]["id"] == self.bot_id]

    def chat_view(self, chat_id: int) -> dict[str, Any]:
        """What the panel shows for a chat: messages plus chat-level keyboard state."""
        return self._world.chat_view(chat_id)

    def topics(self, chat_id: int) -> list[dict[str, Any]]:
        """The chat's forum topics as the panel lists them (with is_closed)."""
        return self._world.chat_view(chat_id)["topics"]  # type: ignore[no-any-return]

    def topic_messages(self, chat_id: int, thread_id: int | None) -> list[dict[str, Any]]:
        """The messages in one topic (None: the General topic)."""
        return [m for m in self.messages(chat_id) if m.get("message_thread_id") == thread_id]

    def inline_query(self, query_id: str) -> InlineQuery:
        """An inline query a persona typed, with the bot's answer once it came."""
        return self._inline.answer_of(query_id)

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return list(self._chat_methods.callback_answers)

    @property
    def request_log(self) -> list[RequestRecord]:
        return list(self._request_log)

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued for getUpdates/webhook delivery and not yet confirmed."""
        return self._delivery.pending()

    def commands(
        self,
        scope: dict[str, Any] | None = None,
        language_code: str = "",
    ) -> list[dict[str, Any]]:
        """The command list stored for exactly this scope and language ([] when none)."""
        return self._commands.stored(scope, language_code)

    def command_state(self) -> dict[ScopeKey, list[dict[str, Any]]]:
        """Every stored command list keyed by (scope type, chat id, user id, language)."""
        return self._commands.state()

    def resolve_commands(self, chat_id: int, user_id: int) -> list[dict[str, Any]]:
        """The menu this user sees in this chat, by the Bot API's documented lookup order."""
        return self._commands.resolve(chat_id, user_id)

    def file_bytes(self, file_id: str) -> bytes:
        stored = self._files.get(file_id)
        if stored is None:
            raise KeyError(file_id)
        return stored.data

    def file_info(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)
