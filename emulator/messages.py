"""Bot API methods that send, copy, forward, edit and delete messages."""

from __future__ import annotations

import logging
from typing import Any

from emulator.chats import Chat, Message, World
from emulator.entities import to_api_entities
from emulator.errors import ApiError, bad_request, too_many_requests
from emulator.flood import FloodLimiter
from emulator.formatting import format_text
from emulator.forums import thread_for_bot
from emulator.markup import Markup, parse_markup
from emulator.media import FileStore, MediaKind, StoredFile, media_payload
from emulator.params import Handler, Params, UploadedFile

logger = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
DELETE_WINDOW = 48 * 3600
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
_WRONG_FILE = "wrong file identifier/HTTP URL specified"


class MessageMethods:
    """sendMessage, sendPhoto/Document/Video, sendMediaGroup, copy/forward, edits, deletions."""

    def __init__(
        self, world: World, files: FileStore, flood: FloodLimiter, *, upload_limit: int
    ) -> None:
        self._world = world
        self._files = files
        self._flood = flood
        self._upload_limit = upload_limit

    def handlers(self) -> dict[str, Handler]:
        return {
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
        }

    # --- parameters shared by the methods --------------------------------------------------------

    def _format(
        self, text: str, parse_mode: str | None, explicit: Any
    ) -> tuple[str, list[dict[str, Any]]]:
        if explicit is not None and not isinstance(explicit, list):
            raise bad_request("can't parse entities JSON object")
        plain, entities = format_text(text, parse_mode, explicit, self._world.lookup_user)
        return plain, to_api_entities(plain, entities)

    def _text_params(self, request: Params, name: str) -> tuple[str, list[dict[str, Any]]]:
        raw = request.get_str(name) or ""
        entities_name = "entities" if name == "text" else "caption_entities"
        explicit = request.get_json(entities_name, error="can't parse entities JSON object")
        return self._format(raw, request.get_str("parse_mode"), explicit)

    def _caption(self, request: Params) -> tuple[str | None, list[dict[str, Any]]]:
        if request.get_str("caption") is None:
            return None, []
        caption, entities = self._text_params(request, "caption")
        if len(caption) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        return (caption or None), entities

    @staticmethod
    def _markup(request: Params) -> Markup | None:
        raw = request.get_json(
            "reply_markup", error="can't parse reply keyboard markup JSON object"
        )
        return parse_markup(raw)

    @staticmethod
    def _reply_target(chat: Chat, request: Params) -> int | None:
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

    def _flood_gate(self, chat: Chat) -> None:
        retry_after = self._flood.check(chat.id, chat.type != "private")
        if retry_after is not None:
            raise too_many_requests(retry_after)

    def _apply_chat_markup(self, chat: Chat, markup: Markup | None) -> tuple[Any, bool]:
        """Chat-level effect of a markup; returns (inline keyboard for the message, force_reply)."""
        if markup is None:
            return None, False
        if markup.kind == "keyboard":
            chat.reply_keyboard = markup.value
            self._world.emit({"type": "keyboard", "chat_id": chat.id, "keyboard": markup.value})
        elif markup.kind == "remove_keyboard":
            chat.reply_keyboard = None
            self._world.emit({"type": "keyboard", "chat_id": chat.id, "keyboard": None})
        return markup.inline, markup.kind == "force_reply"

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
        stored = self._files.get(value)
        if stored is None:
            raise bad_request(_WRONG_FILE)
        return stored

    def _send(self, chat: Chat, markup: Markup | None, **fields: Any) -> Message:
        """Store a bot message in `chat` after its markup took effect, and count it for flood."""
        inline, force_reply = self._apply_chat_markup(chat, markup)
        message = self._world.store(
            chat, self._world.bot_id, reply_markup=inline, force_reply=force_reply, **fields
        )
        self._flood.record(chat.id)
        return message

    # --- sending ---------------------------------------------------------------------------------

    async def _send_message(self, request: Params) -> dict[str, Any]:
        text, entities = self._text_params(request, "text")
        markup = self._markup(request)
        chat = self._world.writable_chat(request)
        if not text:
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        reply_to = self._reply_target(chat, request)
        thread_id = thread_for_bot(self._world, chat, request, reply_to)
        self._flood_gate(chat)
        message = self._send(
            chat,
            markup,
            text=text,
            entities=entities,
            reply_to_message_id=reply_to,
            thread_id=thread_id,
        )
        return self._world.message_dict(message)

    async def _send_media(self, request: Params, kind: MediaKind) -> dict[str, Any]:
        caption, caption_entities = self._caption(request)
        markup = self._markup(request)
        chat = self._world.writable_chat(request)
        reply_to = self._reply_target(chat, request)
        thread_id = thread_for_bot(self._world, chat, request, reply_to)
        source = self._input_file(request, kind)
        self._flood_gate(chat)
        dimensions: dict[str, int | None] = {}
        if kind == "video":
            dimensions = {
                "width": request.get_int("width", default=640),
                "height": request.get_int("height", default=360),
                "duration": request.get_int("duration", default=0),
            }
        media = media_payload(self._files, kind, source, **dimensions)
        message = self._send(
            chat,
            markup,
            caption=caption,
            caption_entities=caption_entities,
            media_kind=kind,
            media=media,
            reply_to_message_id=reply_to,
            thread_id=thread_id,
        )
        return self._world.message_dict(message)

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
        chat = self._world.writable_chat(request)
        reply_to = self._reply_target(chat, request)
        thread_id = thread_for_bot(self._world, chat, request, reply_to)
        self._flood_gate(chat)
        group_id = self._world.new_media_group_id()
        return [
            self._world.message_dict(
                self._send(
                    chat,
                    None,
                    caption=caption,
                    caption_entities=caption_entities,
                    media_kind=kind,
                    media=media_payload(self._files, kind, source),
                    reply_to_message_id=reply_to,
                    media_group_id=group_id,
                    thread_id=thread_id,
                )
            )
            for kind, source, caption, caption_entities in prepared
        ]

    def _source_message(self, request: Params) -> Message:
        source_chat = self._world.resolve_chat(request.chat_id("from_chat_id"))
        message_id = request.require_int("message_id", "message identifier is not specified")
        message = source_chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to copy not found")
        return message

    async def _copy_message(self, request: Params) -> dict[str, Any]:
        source = self._source_message(request)
        markup = self._markup(request)
        chat = self._world.writable_chat(request)
        reply_to = self._reply_target(chat, request)
        caption, caption_entities = source.caption, source.caption_entities
        if request.get_str("caption") is not None:
            caption, caption_entities = self._caption(request)
        thread_id = thread_for_bot(self._world, chat, request, reply_to)
        self._flood_gate(chat)
        message = self._send(
            chat,
            markup,
            text=source.text,
            entities=list(source.entities),
            caption=caption if source.media_kind else None,
            caption_entities=caption_entities if source.media_kind else [],
            media_kind=source.media_kind,
            media=source.media,
            reply_to_message_id=reply_to,
            thread_id=thread_id,
        )
        return {"message_id": message.message_id}

    async def _forward_message(self, request: Params) -> dict[str, Any]:
        source = self._source_message(request)
        chat = self._world.writable_chat(request)
        thread_id = thread_for_bot(self._world, chat, request, None)
        self._flood_gate(chat)
        origin: dict[str, Any] = {
            "type": "user",
            "date": source.date,
            "sender_user": self._world.user_dict(source.from_id),
        }
        message = self._send(
            chat,
            None,
            text=source.text,
            entities=list(source.entities),
            caption=source.caption,
            caption_entities=list(source.caption_entities),
            media_kind=source.media_kind,
            media=source.media,
            forward_origin=origin,
            thread_id=thread_id,
        )
        return self._world.message_dict(message)

    # --- editing ---------------------------------------------------------------------------------

    def _message_to_edit(self, request: Params) -> tuple[Chat, Message]:
        if request.has("inline_message_id"):
            # Inline mode is not emulated, so no inline message can exist.
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._world.resolve_chat(request.chat_id())
        message_id = request.require_int("message_id", "message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if message.from_id != self._world.bot_id:
            raise bad_request("message can't be edited")
        return chat, message

    def _edit_markup(self, request: Params) -> dict[str, Any] | None:
        markup = self._markup(request)
        if markup is not None and markup.inline is None:
            raise bad_request("inline keyboard expected")
        return markup.inline if markup else None

    def _edited(self, chat: Chat, message: Message, *, dated: bool = True) -> dict[str, Any]:
        """Finish an edit: stamp it (Telegram skips keyboard-only edits), count it, show it."""
        if dated:
            message.edit_date = self._world.date()
        self._flood.record(chat.id)
        self._world.emit_edit(message)
        return self._world.message_dict(message)

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
        return self._edited(chat, message)

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
        return self._edited(chat, message)

    async def _edit_message_reply_markup(self, request: Params) -> dict[str, Any]:
        inline = self._edit_markup(request)
        chat, message = self._message_to_edit(request)
        if inline == message.reply_markup:
            raise bad_request(_NOT_MODIFIED)
        self._flood_gate(chat)
        message.reply_markup = inline
        return self._edited(chat, message, dated=False)

    # --- deleting --------------------------------------------------------------------------------

    def _delete_one(self, chat: Chat, message_id: int) -> None:
        message = chat.messages.get(message_id)
        if message is None:
            raise bad_request("message to delete not found")
        bot_id = self._world.bot_id
        own = message.from_id == bot_id
        if not own and chat.type != "private" and not self._world.is_admin(chat, bot_id):
            raise bad_request("message can't be deleted")
        if self._world.date() - message.date > DELETE_WINDOW:
            raise bad_request("message can't be deleted")
        del chat.messages[message_id]
        if message_id in chat.pinned:
            chat.pinned.remove(message_id)

    async def _delete_message(self, request: Params) -> bool:
        chat = self._world.resolve_chat(request.chat_id())
        message_id = request.require_int("message_id", "message identifier is not specified")
        self._delete_one(chat, message_id)
        self._world.emit({"type": "delete", "chat_id": chat.id, "message_ids": [message_id]})
        return True

    async def _delete_messages(self, request: Params) -> bool:
        chat = self._world.resolve_chat(request.chat_id())
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
            self._world.emit({"type": "delete", "chat_id": chat.id, "message_ids": deleted})
        return True
