"""Evidence files through the Bot API: read with getFile (the token and Telegram's file URL
stay here), and a file uploaded from the page sent to its uploader's private chat so Telegram
keeps it like any other evidence."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Bot, InputFile, Message

from bot.domain.model import EvidenceType
from bot.services.tickets import EvidenceFile


class UploadRefused(Exception):
    """Telegram would not take the file (the uploader never started the bot, a bad file)."""


@dataclass(frozen=True, slots=True)
class TelegramFiles:
    bot: Bot

    async def read(self, file_id: str) -> bytes:
        remote = await self.bot.get_file(file_id)
        return bytes(await remote.download_as_bytearray())

    async def store(
        self, chat_id: int, data: bytes, file_name: str, mime_type: str | None, caption: str
    ) -> EvidenceFile:
        """Send the file to `chat_id` and describe what Telegram keeps of it."""
        from telegram.error import TelegramError

        is_image = (mime_type or "").startswith("image/") and not file_name.lower().endswith(
            (".gif", ".svg")
        )
        try:
            if is_image:
                upload = InputFile(data, filename=file_name)
                sent: Message = await self.bot.send_photo(chat_id, upload, caption=caption)
            else:
                upload = InputFile(data, filename=file_name)
                sent = await self.bot.send_document(chat_id, upload, caption=caption)
        except TelegramError as error:
            raise UploadRefused(error.message) from None
        if sent.photo:
            photo = sent.photo[-1]
            return EvidenceFile(
                EvidenceType.PHOTO, photo.file_id, photo.file_unique_id, photo.file_size
            )
        document = sent.document
        if document is None:
            raise UploadRefused("Telegram kept no file")
        return EvidenceFile(
            EvidenceType.DOCUMENT,
            document.file_id,
            document.file_unique_id,
            document.file_size,
            file_name=document.file_name or file_name,
            mime_type=document.mime_type or mime_type,
        )
