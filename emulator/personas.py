"""What personas do: type, send files and albums, edit, press buttons, start or block the bot.

Each action changes the world as a Telegram client would and returns the Update dict Telegram
would send the bot for it; the update is queued only if the bot would get it (privacy mode,
allowed_updates).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from emulator.chats import Chat, Message, Query, World
from emulator.delivery import UpdateDelivery
from emulator.entities import clean_and_trim, find_auto_entities, to_api_entities
from emulator.errors import PersonaError
from emulator.forums import thread_for_persona
from emulator.markup import callback_buttons
from emulator.media import FileStore, MediaKind, guess_mime_type, media_payload
from emulator.messages import MAX_CAPTION, MAX_TEXT
from emulator.params import UploadedFile


@dataclass(frozen=True)
class MediaItem:
    """One file a persona sends, alone or as part of an album."""

    kind: MediaKind
    file: UploadedFile
    width: int | None = None
    height: int | None = None
    duration: int | None = None


class Personas:
    """The personas' actions on the world; each returns the Update it caused."""

    def __init__(
        self,
        world: World,
        delivery: UpdateDelivery,
        files: FileStore,
        clock: Callable[[], float],
    ) -> None:
        self._world = world
        self._delivery = delivery
        self._files = files
        self._clock = clock
        self._query_ids = itertools.count(4_611_686_018_427_387_904 + world.bot_id)

    # --- what a Telegram client allows and shows -------------------------------------------------

    def _chat_for_user(self, user_id: int, chat_id: int) -> Chat:
        persona = self._world.persona(user_id)
        chat = self._world.chats.get(chat_id)
        if chat is None:
            raise PersonaError(f"unknown chat {chat_id}")
        if chat.type == "private":
            if chat.id != user_id:
                raise PersonaError(f"{user_id} cannot write in the private chat of {chat.id}")
            if not persona.started_bot:
                persona.started_bot = True
                self._world.emit({"type": "persona", "user_id": user_id, "started_bot": True})
        elif user_id not in self._world.members(chat):
            raise PersonaError(f"{user_id} is not a member of chat {chat_id}")
        return chat

    @staticmethod
    def _reply_to(chat: Chat, reply_to: int | None) -> int | None:
        if reply_to is not None and reply_to not in chat.messages:
            raise PersonaError(f"no message {reply_to} in chat {chat.id} to reply to")
        return reply_to

    def _bot_sees(self, chat: Chat, message: Message) -> bool:
        """Privacy mode: in groups where it is no admin the bot sees commands and replies only."""
        bot = self._world.bot
        if chat.type == "private" or not bot.privacy_mode or self._world.is_admin(chat, bot.id):
            return True
        if message.reply_to_message_id is not None:
            replied = chat.messages.get(message.reply_to_message_id)
            if replied is not None and replied.from_id == bot.id:
                return True
        text = message.text if message.text is not None else message.caption or ""
        entities = message.entities if message.text is not None else message.caption_entities
        for entity in entities:
            if entity["type"] == "bot_command" and entity["offset"] == 0:
                command = text[: entity["length"]]
                target = command.partition("@")[2]
                return not target or target.lower() == bot.username.lower()
        return False

    @staticmethod
    def _text(text: str) -> tuple[str, list[dict[str, Any]]]:
        plain, _ = clean_and_trim(text, [])
        return plain, to_api_entities(plain, find_auto_entities(plain))

    def _caption(self, caption: str | None) -> tuple[str | None, list[dict[str, Any]]]:
        if not caption:
            return None, []
        plain, entities = self._text(caption)
        if len(plain) > MAX_CAPTION:
            raise PersonaError("a caption holds at most 1024 characters")
        return (plain or None), entities

    def _media(self, item: MediaItem) -> Any:
        if not item.file.data:
            raise PersonaError("an empty file cannot be sent")
        return media_payload(
            self._files,
            item.kind,
            item.file,
            width=item.width or 640,
            height=item.height or 360,
            duration=item.duration or 0,
        )

    def deliver_message(self, chat: Chat, message: Message) -> dict[str, Any]:
        """Queue a persona's stored message for the bot, if the bot would see it."""
        return self._deliver_message(chat, message)

    def _deliver_message(self, chat: Chat, message: Message) -> dict[str, Any]:
        payload = self._world.message_dict(message)
        return self._delivery.push("message", payload, deliver=self._bot_sees(chat, message))

    # --- actions ---------------------------------------------------------------------------------

    def _thread(
        self, chat: Chat, user_id: int, thread_id: int | None, reply_to: int | None
    ) -> int | None:
        """The topic a person writes in: the one open in the client, else the replied one's."""
        thread_for_persona(self._world, chat, user_id, thread_id)
        if thread_id is None and reply_to is not None and reply_to in chat.messages:
            return chat.messages[reply_to].thread_id
        return thread_id

    def send_text(
        self,
        user_id: int,
        chat_id: int,
        text: str,
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """The persona types `text` into `chat_id` (optionally replying, or in a forum topic);
        returns the Update."""
        chat = self._chat_for_user(user_id, chat_id)
        thread_id = self._thread(chat, user_id, thread_id, reply_to)
        plain, entities = self._text(text)
        if not plain:
            raise PersonaError("a message needs some text")
        if len(plain) > MAX_TEXT:
            raise PersonaError("a message holds at most 4096 characters")
        message = self._world.store(
            chat,
            user_id,
            text=plain,
            entities=entities,
            reply_to_message_id=self._reply_to(chat, reply_to),
            thread_id=thread_id,
        )
        return self._deliver_message(chat, message)

    def start(self, user_id: int, payload: str | None = None) -> dict[str, Any]:
        """The persona opens the private chat with the bot (deep link payload optional)."""
        text = "/start" if not payload else f"/start {payload}"
        return self.send_text(user_id, user_id, text)

    def follow_url(self, user_id: int, url: str) -> dict[str, Any] | None:
        """Follow a URL button: a t.me/<bot>?start=X link sends "/start X" to the bot."""
        payload = self._world.deep_link_payload(url)
        if payload is None:
            return None
        return self.start(user_id, payload or None)

    def send_media(
        self,
        user_id: int,
        chat_id: int,
        item: MediaItem,
        *,
        caption: str | None = None,
        reply_to: int | None = None,
        media_group_id: str | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """The persona sends one photo, video or document; returns the Update."""
        chat = self._chat_for_user(user_id, chat_id)
        thread_id = self._thread(chat, user_id, thread_id, reply_to)
        text, entities = self._caption(caption)
        message = self._world.store(
            chat,
            user_id,
            caption=text,
            caption_entities=entities,
            media_kind=item.kind,
            media=self._media(item),
            reply_to_message_id=self._reply_to(chat, reply_to),
            media_group_id=media_group_id,
            thread_id=thread_id,
        )
        return self._deliver_message(chat, message)

    def send_photo(
        self,
        user_id: int,
        chat_id: int,
        data: bytes,
        *,
        caption: str | None = None,
        reply_to: int | None = None,
        file_name: str = "photo.jpg",
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """The persona sends a photo; the message carries several PhotoSizes, largest last."""
        item = MediaItem("photo", UploadedFile(file_name, "image/jpeg", data))
        return self.send_media(
            user_id, chat_id, item, caption=caption, reply_to=reply_to, thread_id=thread_id
        )

    def send_document(
        self,
        user_id: int,
        chat_id: int,
        data: bytes,
        *,
        file_name: str,
        mime_type: str | None = None,
        caption: str | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """The persona sends a file; the document keeps its name, MIME type and size."""
        upload = UploadedFile(file_name, guess_mime_type(file_name, mime_type), data)
        item = MediaItem("document", upload)
        return self.send_media(
            user_id, chat_id, item, caption=caption, reply_to=reply_to, thread_id=thread_id
        )

    def send_video(
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
        return self.send_media(user_id, chat_id, item, caption=caption, reply_to=reply_to)

    def send_album(
        self,
        user_id: int,
        chat_id: int,
        items: Sequence[MediaItem],
        *,
        caption: str | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
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
        group_id = self._world.new_media_group_id()
        return [
            self.send_media(
                user_id,
                chat_id,
                item,
                caption=caption if index == 0 else None,
                reply_to=reply_to,
                media_group_id=group_id,
                thread_id=thread_id,
            )
            for index, item in enumerate(items)
        ]

    def edit_text(self, user_id: int, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
        """The persona edits one of their own text messages; returns the edited_message Update."""
        chat = self._chat_for_user(user_id, chat_id)
        message = chat.messages.get(message_id)
        if message is None or message.from_id != user_id or message.text is None:
            raise PersonaError(f"{user_id} has no text message {message_id} in chat {chat_id}")
        plain, entities = self._text(text)
        if not plain:
            raise PersonaError("a message needs some text")
        message.text, message.entities = plain, entities
        message.edit_date = self._world.date()
        self._world.emit_edit(message)
        return self._delivery.push(
            "edited_message",
            self._world.message_dict(message),
            deliver=self._bot_sees(chat, message),
        )

    def _chat_instance(self, chat_id: int) -> str:
        # Stable per chat, opaque like Telegram's.
        return str((abs(chat_id) * 6_364_136_223_846_793_005 + self._world.bot_id) % (1 << 63))

    def press_button(
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
        self._world.queries[query_id] = Query(user_id, chat.id, message_id, self._clock())
        payload = {
            "id": query_id,
            "from": self._world.user_dict(user_id),
            "message": self._world.message_dict(message),
            "chat_instance": self._chat_instance(chat.id),
            "data": match[0]["callback_data"],
        }
        return self._delivery.push("callback_query", payload)

    def block_bot(self, user_id: int, blocked: bool = True) -> dict[str, Any]:
        """The persona blocks (or unblocks) the bot: sends to them then fail with 403.

        Returns the my_chat_member Update Telegram sends for it.
        """
        persona = self._world.persona(user_id)
        was_blocked = persona.blocked_bot
        persona.blocked_bot = blocked
        if blocked:
            persona.started_bot = True
        bot_user = self._world.user_dict(self._world.bot_id)

        def status(kicked: bool) -> dict[str, Any]:
            if kicked:
                return {"status": "kicked", "user": bot_user, "until_date": 0}
            return {"status": "member", "user": bot_user}

        payload = {
            "chat": self._world.chat_dict(self._world.chats[user_id]),
            "from": self._world.user_dict(user_id),
            "date": self._world.date(),
            "old_chat_member": status(was_blocked),
            "new_chat_member": status(blocked),
        }
        self._world.emit(
            {"type": "persona", "user_id": user_id, "started_bot": persona.started_bot}
        )
        return self._delivery.push("my_chat_member", payload)
