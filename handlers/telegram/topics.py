"""A ticket's forum topic as its timeline: what members write there becomes a note, and a
photo or file posted there is offered to the assignee as evidence with one button."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Message as TelegramMessage
from telegram.constants import ParseMode
from telegram.error import Forbidden

from bot.domain.changes import ChangeTicket, TicketRef
from bot.domain.model import PENDING_STATUSES, Action
from bot.domain.people import Person
from bot.rendering.callbacks import OnTicket, Press, Verb, encode
from bot.rendering.messages import Button, Message
from bot.rendering.render import language_of, name_of, tag
from handlers.telegram.adapters import evidence_file
from handlers.telegram.markup import inline_markup
from handlers.telegram.turn import Turn

log = logging.getLogger(__name__)


async def ticket_of_topic(turn: Turn) -> int | None:
    """The ticket whose topic the message was written in (None: not in a ticket's topic)."""
    message = turn.message
    if turn.private or message is None or not message.is_topic_message:
        return None
    thread_id = message.message_thread_id
    if thread_id is None or turn.app.services.directory.by_chat(turn.chat_id) is None:
        return None
    session = await turn.session()
    return await turn.app.services.queries.ticket_of_topic(session.actor, turn.chat_id, thread_id)


async def note_from_topic(turn: Turn) -> bool:
    """Text written in a ticket's topic is a note on its timeline. Whether it was one."""
    message = turn.message
    ticket_id = await ticket_of_topic(turn)
    if ticket_id is None or message is None or not message.text:
        return False
    if message.via_bot is not None:
        return False  # an inline result (a ticket's summary) someone shared: no discussion
    # The topic is the discussion: the note needs no answer there (the assignee hears of it).
    await turn.execute(ChangeTicket(TicketRef(ticket_id=ticket_id), Action.NOTE, message.text))
    return True


async def offer_file(turn: Turn) -> bool:
    """A file posted in a ticket's topic goes to the assignee's private chat with an "Add as
    evidence" button (nothing is attached until they press it). Whether it was in a topic."""
    message = turn.message
    ticket_id = await ticket_of_topic(turn)
    if ticket_id is None or message is None:
        return False
    session = await turn.session()
    queries = turn.app.services.queries
    ticket = await queries.ticket(session.actor, ticket_id=ticket_id)
    assignee_id = ticket.assignee_id
    if assignee_id is None or ticket.status not in PENDING_STATUSES:
        return True
    people: dict[int, Person] = await queries.people({assignee_id, turn.person.id})
    language = language_of(people.get(assignee_id), session.team.language, private=True)
    texts = turn.app.catalogs[language]
    text = texts(
        "topic.file_offer", who=name_of(people, turn.person.id, texts), tag=tag(ticket.number)
    )
    button = Button(texts("button.take_evidence"), encode(Verb.TAKE_EVIDENCE, ticket.id))
    try:
        await turn.context.bot.copy_message(
            assignee_id,
            turn.chat_id,
            message.message_id,
            caption=text,
            parse_mode=ParseMode.HTML,
            reply_markup=inline_markup(Message(text, ((button,),))),
        )
    except Forbidden as error:
        # They never opened the bot: the file stays in the topic, where they can see it.
        log.info("file offer for T%s to %s refused: %s", ticket.number, assignee_id, error.message)
    return True


async def take_evidence(turn: Turn, press: Press) -> None:
    """The assignee's "Add as evidence" on a file offered from the topic."""
    query = turn.update.callback_query
    target = press.payload
    pressed = query.message if query is not None else None
    file = evidence_file(pressed) if isinstance(pressed, TelegramMessage) else None
    if not isinstance(target, OnTicket) or pressed is None or file is None:
        await turn.answer()
        return
    session = await turn.app.services.people.session_for_ticket(target.ticket_id, turn.person)
    turn.use(session)
    # The offer's text is no caption of the evidence.
    file = replace(file, caption=None)
    attached = await turn.app.services.tickets.attach_evidence(
        file, TicketRef(ticket_id=target.ticket_id), await turn.origin(), reply_chat_id=turn.chat_id
    )
    number = tag(attached.ticket.number)
    key = "reply.evidence_duplicate" if attached.duplicate else "reply.evidence_added"
    await turn.answer(turn.texts(key, tag=number, count=attached.count))
    await turn.context.bot.edit_message_reply_markup(turn.chat_id, pressed.message_id)
