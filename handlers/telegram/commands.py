"""The chat grammar's commands: parse, call one service, answer."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Final

from telegram import ChatMember, ChatMemberRestricted
from telegram.error import TelegramError

from bot.domain.changes import ChangeTicket, TicketCommand, TicketRef, change_of
from bot.domain.commands import (
    Cancel,
    CollectEvidence,
    Command,
    CreateTicket,
    Export,
    Help,
    RecordOutcome,
    SetLanguage,
    ShowTicket,
    Start,
    StartGuidedTicket,
    Stats,
    Transfer,
    parse_command,
)
from bot.domain.dialogue import DialogueInput, begin
from bot.domain.errors import UsageError
from bot.domain.links import ticket_link_of
from bot.domain.model import Action
from bot.rendering.callbacks import Verb, encode
from bot.rendering.lead import evidence_buttons
from bot.rendering.messages import Button, Message
from bot.rendering.render import name_of, tag
from bot.services.people import Session
from handlers.telegram import dialogues
from handlers.telegram.adapters import mentioned_people, message_text
from handlers.telegram.exports import send_export
from handlers.telegram.turn import Turn, handler

log = logging.getLogger(__name__)

_IN_CHAT: Final = frozenset({ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER})


def parse(turn: Turn) -> Command:
    message = turn.message
    if message is None:
        raise UsageError("help", "not_a_command")
    directory = turn.app.services.directory
    return parse_command(
        message_text(message),
        kinds=directory.kind_names,
        bot_username=turn.app.bot_username or None,
        kind_aliases=directory.kind_aliases,
    )


async def learn_mentions(turn: Turn) -> None:
    """People named by text mention (no username) become known, so they can be assigned.

    Being mentioned makes nobody a member: only the group says who is in it (they wrote
    there, or Telegram's getChatMember counts them in)."""
    message = turn.message
    if message is None:
        return
    people = turn.app.services.people
    team_id = None if turn.private else (await turn.session()).team.id
    for person in mentioned_people(message):
        in_group = team_id is not None and await _in_chat(turn, person.id)
        await people.learn(person, team_id if in_group else None)


async def _in_chat(turn: Turn, user_id: int) -> bool:
    try:
        member = await turn.context.bot.get_chat_member(turn.chat_id, user_id)
    except TelegramError as error:
        log.info("membership of %s in %s unknown: %s", user_id, turn.chat_id, error)
        return False
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status in _IN_CHAT


async def ticket(turn: Turn, command: CreateTicket | StartGuidedTicket) -> None:
    """/ticket <order_id> [#kind] [@assignee] <description>, or guided with no arguments."""
    session = await turn.session()
    if isinstance(command, StartGuidedTicket):
        await dialogues.start_new_ticket(turn, command.description)
        return
    assert isinstance(command, CreateTicket)
    await learn_mentions(turn)
    await dialogues.create(turn, session, command, confirmed=False)


async def show(turn: Turn, command: ShowTicket) -> None:
    """/show <t> — the ticket, its timeline and evidence."""
    await show_ticket(turn, await turn.session(), TicketRef(command.number))


async def show_ticket(turn: Turn, session: Session, ticket: TicketRef) -> None:
    """Answer with the ticket, its timeline and evidence (/show, and the Show button)."""
    queries = turn.app.services.queries
    details = await queries.show(session.actor, number=ticket.number, ticket_id=ticket.ticket_id)
    shown = turn.app.renderer.details(
        details.ticket,
        details.timeline,
        details.evidence,
        details.people,
        turn.texts,
        session.team.zone,
        turn.app.clock.now(),
    )
    assert details.ticket.id is not None
    files = evidence_buttons(details.ticket.id, details.evidence, turn.texts)
    await turn.reply(Message(shown.text, shown.buttons + files))


def _changed(
    reply: str, *, with_due: bool = False
) -> Callable[[Turn, TicketCommand], Awaitable[None]]:
    """A command that makes its change and says so (with the new deadline, if `with_due`)."""

    async def answer(turn: Turn, command: TicketCommand) -> None:
        acted = await turn.execute(change_of(command))
        params: dict[str, object] = {"tag": tag(acted.ticket.number)}
        if with_due:
            zone = (await turn.session()).team.zone
            params["due"] = turn.texts.moment(acted.ticket.due_at, zone)
        await turn.say(reply, **params)

    return answer


#: /note <t> <text>
note = _changed("reply.noted")
#: /verdict <t> <text> — record the platform's ruling on an escalated ticket.
verdict = _changed("reply.ruled")
#: /appeal <t> <reason>
appeal = _changed("reply.appealed")
#: /reopen <t> [reason] — supervisors give a ticket a fresh deadline.
reopen = _changed("reply.reopened", with_due=True)
#: /remind <t> [text] — nudge the assignee (催办): their card again, with the text.
remind = _changed("reply.nudged")
#: /hold <t> <reason> — 挂起: waiting for the customer; the deadline clock stops.
hold = _changed("reply.held")
#: /resume <t> — the clock runs again, the deadline moved by the pause.
resume = _changed("reply.resumed", with_due=True)


async def transfer(turn: Turn, command: Transfer) -> None:
    """/transfer <t> @user [reason] (or as a reply to a message of the new assignee)."""
    await learn_mentions(turn)
    acted = await turn.execute(change_of(command))
    people = await turn.app.services.people.people([acted.ticket.assignee_id or 0])
    await turn.say(
        "reply.transferred",
        tag=tag(acted.ticket.number),
        to=name_of(people, acted.ticket.assignee_id, turn.texts),
    )


async def outcome(turn: Turn, command: RecordOutcome) -> None:
    """/outcome <t> agreed|disagreed|done [note] — the same as the card's buttons."""
    acted = await turn.execute(change_of(command))
    await dialogues.after_outcome(turn, acted.ticket)


async def evidence(turn: Turn, command: CollectEvidence) -> None:
    """/evidence <t> — the next files in this chat go to the ticket (also as a caption)."""
    session = await turn.session()
    found = await turn.app.services.queries.ticket(session.actor, number=command.number)
    await dialogues.collect_evidence(turn, found)


async def cancel(turn: Turn, command: Cancel) -> None:
    """/cancel <t> <reason> — supervisors confirm and cancel; anyone else asks them to."""
    session = await turn.session()
    services = turn.app.services
    found = await services.queries.ticket(session.actor, number=command.number)
    if found.may(session.actor, Action.CANCEL):
        assert found.id is not None
        await turn.app.dialogues.put(
            turn.chat_id,
            turn.person.id,
            begin(
                DialogueInput.ASK_CANCEL,
                session.team.id,
                ticket_id=found.id,
                reason=command.reason,
            ),
        )
        texts = turn.texts
        buttons = (
            (
                Button(
                    texts("button.confirm_cancel"),
                    encode(Verb.CANCEL_CONFIRM, found.id, found.stamp),
                ),
                Button(texts("button.keep"), encode(Verb.CANCEL_ABORT, found.id)),
            ),
        )
        text = texts("reply.cancel_confirm", tag=tag(found.number), reason=command.reason)
        await turn.reply(Message(text, buttons))
        return
    request = ChangeTicket(TicketRef(command.number), Action.REQUEST_CANCEL, command.reason)
    acted = await turn.execute(request)
    await turn.say("reply.cancel_requested", tag=tag(acted.ticket.number))


async def stats(turn: Turn, command: Stats) -> None:
    """/stats [7d|30d] — counts by kind, status and assignee; share resolved in time."""
    session = await turn.session()
    period = command.period or timedelta(days=7)
    found, people = await turn.app.services.queries.stats(session.actor, period)
    await turn.reply(turn.app.renderer.stats(found, people, turn.texts, period))


async def export(turn: Turn, command: Export) -> None:
    """/export [csv|xlsx] [7d|30d] — a spreadsheet of the team's tickets, streamed."""
    session = await turn.session()
    await send_export(turn, session, command)


async def lang(turn: Turn, command: SetLanguage) -> None:
    """/lang zh|en — the group's language (supervisors), or mine in private chat."""
    texts_of = turn.app.catalogs[command.language]
    if turn.private:
        await turn.app.services.people.set_private_language(turn.person, command.language)
        await turn.reply(
            Message(
                texts_of(
                    "reply.language_private", language=texts_of(f"language.{command.language}")
                )
            )
        )
        return
    session = await turn.session()
    await turn.app.services.people.set_team_language(session, command.language)
    await turn.reply(
        Message(texts_of("reply.language_team", language=texts_of(f"language.{command.language}")))
    )


async def help_command(turn: Turn, command: Help) -> None:
    """/help — the grammar with examples."""
    if turn.private:
        await turn.settle_language()
    else:
        await turn.session()
    await turn.reply(turn.app.renderer.help(turn.texts, private=turn.private))


@handler
async def unknown(turn: Turn) -> None:
    """A command outside the grammar: say so with the list of commands, in private chat and
    in a team's group, unless it was addressed to another bot."""
    if not turn.private and turn.app.services.directory.by_chat(turn.chat_id) is None:
        return
    try:
        parse(turn)
    except UsageError as error:
        if error.key == "problem.other_bot":
            return
        if not turn.private:
            await turn.session()
        raise


async def start(turn: Turn, command: Start) -> None:
    """/start — in private: DMs now work, and the user's pending cards arrive."""
    if not turn.private:
        await turn.session()
        await turn.reply(turn.app.renderer.help(turn.texts, private=False))
        return
    queued = await turn.app.services.people.started(turn.person)
    link = ticket_link_of(command.payload)
    if link is not None:
        # A ticket's "Open" button: its card, for anyone of its team (else "not found").
        turn.subject = link.number
        await show_ticket(turn, await turn.session(link.team_id), TicketRef(link.number))
        return
    await turn.settle_language()
    texts = turn.texts
    await turn.say("reply.welcome", name=turn.person.display_name)
    if queued:
        await turn.reply(Message(texts("reply.cards_coming", count=queued)))
