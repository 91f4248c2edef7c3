"""Telegram objects turned into the domain's plain values (people, command text, files)."""

from __future__ import annotations

from telegram import Message, MessageEntity, User

from bot.domain.commands import MessageText, ReplyTo, TextMention
from bot.domain.model import EvidenceType
from bot.domain.people import Person
from bot.services.tickets import EvidenceFile


def person_of(user: User) -> Person:
    return Person(
        id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
    )


def _utf16_to_index(text: str, offset: int) -> int:
    """Telegram counts entity offsets in UTF-16 code units; Python strings in code points."""
    units = 0
    for index, char in enumerate(text):
        if units >= offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def message_text(message: Message) -> MessageText:
    """The command text of a message (or caption), its text mentions and what it replies to."""
    text = message.text or message.caption or ""
    entities = message.entities or message.caption_entities or ()
    mentions = []
    for entity in entities:
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            start = _utf16_to_index(text, entity.offset)
            end = _utf16_to_index(text, entity.offset + entity.length)
            mentions.append(TextMention(start, end, entity.user.id, text[start:end]))
    reply = message.reply_to_message
    reply_to = None
    if reply is not None:
        sender = reply.from_user
        reply_to = ReplyTo(
            text=reply.text or reply.caption,
            sender_id=sender.id if sender else None,
            sender_is_bot=bool(sender and sender.is_bot),
        )
    return MessageText(text, tuple(mentions), reply_to)


def mentioned_people(message: Message) -> list[Person]:
    """Users named by text mentions (they carry the full user): learned before resolving."""
    entities = message.entities or message.caption_entities or ()
    return [
        person_of(entity.user)
        for entity in entities
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None
    ]


def evidence_file(message: Message) -> EvidenceFile | None:
    """The file a message carries: the largest photo size, a document or a video."""
    caption = message.caption
    group = message.media_group_id
    if message.photo:
        largest = max(message.photo, key=lambda size: (size.file_size or 0, size.width))
        return EvidenceFile(
            EvidenceType.PHOTO,
            largest.file_id,
            largest.file_unique_id,
            largest.file_size,
            caption=caption,
            media_group_id=group,
        )
    for kind, attachment in (
        (EvidenceType.DOCUMENT, message.document),
        (EvidenceType.VIDEO, message.video),
    ):
        if attachment is not None:
            return EvidenceFile(
                kind,
                attachment.file_id,
                attachment.file_unique_id,
                attachment.file_size,
                file_name=attachment.file_name,
                mime_type=attachment.mime_type,
                caption=caption,
                media_group_id=group,
            )
    return None
