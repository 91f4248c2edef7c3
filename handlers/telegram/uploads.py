"""Evidence files: photos (largest size), documents and videos, single or as an album."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Final

from bot.domain.changes import TicketRef
from bot.domain.commands import CollectEvidence
from bot.domain.dialogue import DialogueInput, DialogueStep, begin
from bot.rendering.messages import Message
from bot.rendering.render import tag
from handlers.telegram import dialogues, topics
from handlers.telegram.adapters import evidence_file
from handlers.telegram.commands import parse
from handlers.telegram.turn import Turn, handler

log = logging.getLogger(__name__)

#: An album's files are separate updates; when they are handled concurrently (webhook mode)
#: a later one may arrive before the first is stored, so it looks for the album's ticket a
#: few times before asking the user.
_ALBUM_LOOKUPS: Final = (0.0, 0.3, 0.7, 1.0)


async def _ticket_of_album(turn: Turn, media_group_id: str, *, wait: bool) -> int | None:
    session = await turn.session()
    for delay in _ALBUM_LOOKUPS if wait else _ALBUM_LOOKUPS[:1]:
        if delay:
            await asyncio.sleep(delay)
        found = await turn.app.services.queries.ticket_of_album(session.actor, media_group_id)
        if found is not None:
            return found
    return None


async def _asked_about(turn: Turn, media_group_id: str) -> bool:
    """Whether "which ticket?" was asked for this album already (asked once, not per file)."""
    service = turn.app.dialogues
    current = await service.get(turn.chat_id, turn.person.id)
    if current is None:
        asked = begin(DialogueInput.UNKNOWN_ALBUM, None, album=media_group_id)
    elif not current.takes(DialogueInput.UNKNOWN_ALBUM):
        return False  # another dialogue is under way: leave it be
    elif current.step is DialogueStep.ASKED and current.data.get("album") == media_group_id:
        return True
    else:
        asked = current.then(DialogueInput.UNKNOWN_ALBUM, album=media_group_id)
    await service.put(turn.chat_id, turn.person.id, asked)
    return False


@handler
async def on_file(turn: Turn) -> None:
    """A photo, document or video: evidence for the ticket its caption or dialogue names."""
    message = turn.message
    file = evidence_file(message) if message else None
    if message is None or file is None:
        return
    caption = (message.caption or "").lstrip()
    number: int | None = None
    ticket_id: int | None = None
    if caption.startswith(("/", "／")):
        command = parse(turn)
        if not isinstance(command, CollectEvidence):
            await turn.settle_language()
            await turn.reply(Message(turn.texts("reply.evidence_which")))
            return
        number = command.number
        # The command is not what the file shows: keep only the words after it, if any.
        file = replace(file, caption=command.caption)
    else:
        dialogue = await turn.app.dialogues.get(turn.chat_id, turn.person.id)
        step = dialogue if dialogue is not None and dialogue.takes(DialogueInput.FILE) else None
        if step is not None:
            await turn.session(step.team_id)
        if file.media_group_id:
            # An album goes to the ticket its caption names, even during an evidence step for
            # another ticket; its captioned file may still be being stored. In a group most
            # albums are just people sharing pictures: look once, never wait there.
            wait = turn.private or step is not None
            ticket_id = await _ticket_of_album(turn, file.media_group_id, wait=wait)
        if ticket_id is None and step is not None:
            ticket_id = int(step.data["ticket_id"])
    if number is None and ticket_id is None:
        if await topics.offer_file(turn):
            return
        if turn.private or dialogues.answers_the_bot(turn):
            if file.media_group_id and await _asked_about(turn, file.media_group_id):
                return
            await turn.settle_language()
            await turn.reply(Message(turn.texts("reply.evidence_which")))
        return
    attached = await turn.app.services.tickets.attach_evidence(
        file, TicketRef(number, ticket_id), await turn.origin(), reply_chat_id=turn.chat_id
    )
    ticket = attached.ticket
    if number is not None:
        # "/evidence T12" as a caption: the files that follow go to that ticket too.
        await turn.app.dialogues.put(
            turn.chat_id,
            turn.person.id,
            begin(DialogueInput.COLLECT_EVIDENCE, ticket.team_id, ticket_id=ticket.id),
        )
    if file.media_group_id:
        return  # the album is acknowledged once, for all its files, through the outbox
    texts = turn.texts
    if attached.duplicate:
        await turn.say("reply.evidence_duplicate", tag=tag(ticket.number))
        return
    text = texts("reply.evidence_added", tag=tag(ticket.number), count=attached.count)
    await turn.reply(Message(text, dialogues.finish_button(turn, ticket)))


@handler
async def on_text(turn: Turn) -> None:
    """Plain text: the next step of a dialogue, if the sender is in one."""
    if await dialogues.on_text(turn):
        return
    if await topics.note_from_topic(turn):
        return
    if turn.private:
        await turn.settle_language()
        await turn.reply(turn.app.renderer.help(turn.texts, private=True))
