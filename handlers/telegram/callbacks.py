"""Button presses. A button carries ids, never rights: every press is checked again against
who pressed it, their role in the ticket's team and the ticket's state, and a refusal is an
alert that changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from bot.domain.changes import ChangeTicket, TicketRef
from bot.domain.commands import UserRef
from bot.domain.dialogue import DialogueInput
from bot.domain.errors import DomainError, NotFound
from bot.domain.model import Action, Outcome
from bot.domain.ticket import Ticket
from bot.rendering.callbacks import (
    BadCallback,
    KindChoice,
    OnTicket,
    OptionChoice,
    PersonChoice,
    Press,
    TeamChoice,
    TransferTo,
    Verb,
    decode,
    encode,
)
from bot.rendering.messages import Button, Message
from bot.rendering.render import name_of, tag
from bot.services.people import Session
from bot.services.tickets import Acted
from handlers.telegram import dialogues, lead, topics
from handlers.telegram.commands import show_ticket
from handlers.telegram.turn import Turn, handler

_OUTCOMES: Final = {
    Verb.AGREE: Outcome.AGREED,
    Verb.DISAGREE: Outcome.DISAGREED,
    Verb.DONE: Outcome.DONE,
}
#: Buttons of one person's own step (a prompt answering their message): nobody else's to press.
_PERSONAL: Final = frozenset(
    {
        Verb.NEW_KIND,
        Verb.NEW_ASSIGNEE,
        Verb.NEW_CREATE,
        Verb.NEW_ABORT,
        Verb.DUPLICATE_CONFIRM,
        Verb.CANCEL_CONFIRM,
        Verb.CANCEL_ABORT,
        Verb.FINISH,
        Verb.LIST_PAGE,
    }
)


class ForgedButton(DomainError):
    key = "refused.button"


class NotYours(DomainError):
    key = "refused.not_yours"


def _check_owner(turn: Turn) -> None:
    """A prompt the bot sent in answer to someone's message is theirs: in a group, a press by
    anyone else is refused before it can change the prompt or their dialogue."""
    query = turn.update.callback_query
    pressed = query.message if query is not None else None
    replied = getattr(pressed, "reply_to_message", None)
    sender = getattr(replied, "from_user", None)
    if sender is not None and not sender.is_bot and sender.id != turn.person.id:
        raise NotYours()


def _decode(turn: Turn) -> Press:
    query = turn.update.callback_query
    try:
        return decode(query.data if query else None)
    except BadCallback:
        raise ForgedButton() from None


@handler
async def on_button(turn: Turn) -> None:
    """Every inline button of the bot: decode the press, then hand it to its verb's handler."""
    press = _decode(turn)
    if press.verb in _PERSONAL:
        _check_owner(turn)
    await BUTTONS[press.verb](turn, press)


async def _ticket_session(turn: Turn, ticket_id: int) -> Session:
    """The presser's session for the ticket: in a group, the group's team (a press is judged in
    the chat it happened in, so another team's ticket is not found); in private chat, the
    team of the ticket whose card it is."""
    if not turn.private:
        return await turn.session()
    session = await turn.app.services.people.session_for_ticket(ticket_id, turn.person)
    turn.use(session)
    return session


def _on_ticket(press: Press) -> OnTicket:
    if not isinstance(press.payload, OnTicket):
        raise ForgedButton()
    return press.payload


async def _change(
    turn: Turn,
    target: OnTicket | TransferTo,
    action: Action | Outcome,
    text: str | None = None,
    assignee: UserRef | None = None,
) -> Acted:
    """Make the change the press asks for, in the presser's session for the ticket, bound to
    the stamp the button was drawn with (a press drawn before a transfer or a cancel is a
    conflict)."""
    seen = TicketRef(ticket_id=target.ticket_id, seen=target.stamp)
    change = ChangeTicket(seen, action, text, assignee)
    if turn.private:
        # Someone in one team can only have that team's cards: no lookup of the ticket's
        # team first. A ticket of another team is then "not found": looked up as before.
        only = await turn.app.services.people.session_in_only_team(turn.person)
        if only is not None:
            turn.use(only)
            try:
                return await turn.execute(change)
            except NotFound:
                pass
    await _ticket_session(turn, target.ticket_id)
    return await turn.execute(change)


async def _outcome(turn: Turn, press: Press) -> None:
    acted = await _change(turn, _on_ticket(press), _OUTCOMES[press.verb])
    await _refresh_card(turn, acted)
    await turn.answer()
    await dialogues.after_outcome(turn, acted.ticket)


async def _platform_option(turn: Turn, press: Press) -> None:
    """One of a platform's reply options: refused with the reason until what it needs is there."""
    choice = press.payload
    if not isinstance(choice, OptionChoice):
        raise ForgedButton()
    await _ticket_session(turn, choice.ticket_id)
    seen = TicketRef(ticket_id=choice.ticket_id, seen=choice.stamp)
    details = (("option_index", str(choice.index)),)
    acted = await turn.execute(ChangeTicket(seen, Action.REPLY_PLATFORM, details=details))
    await _refresh_card(turn, acted)
    language = turn.texts.language.value
    option = acted.event.payload.get(f"option_{language}", "")
    await turn.answer(
        turn.texts("reply.platform_replied", tag=tag(acted.ticket.number), option=option)
    )


async def _acknowledge(turn: Turn, press: Press) -> None:
    acted = await _change(turn, _on_ticket(press), Action.ACKNOWLEDGE)
    await _refresh_card(turn, acted)
    await turn.answer(turn.texts("reply.acknowledged", tag=tag(acted.ticket.number)))


async def _allowed(turn: Turn, target: OnTicket, action: Action) -> Ticket:
    """The ticket, if the presser may do `action` on it now (a prompt follows the press)."""
    session = await _ticket_session(turn, target.ticket_id)
    ticket = await turn.app.services.queries.ticket(session.actor, ticket_id=target.ticket_id)
    ticket.check(session.actor, action)
    return ticket


async def _evidence(turn: Turn, press: Press) -> None:
    ticket = await _allowed(turn, _on_ticket(press), Action.ADD_EVIDENCE)
    await turn.answer()
    await dialogues.collect_evidence(turn, ticket)


async def _note(turn: Turn, press: Press) -> None:
    ticket = await _allowed(turn, _on_ticket(press), Action.NOTE)
    await turn.answer()
    await dialogues.ask_note(turn, ticket, ticket.team_id)


async def _finish(turn: Turn, press: Press) -> None:
    target = _on_ticket(press)
    session = await _ticket_session(turn, target.ticket_id)
    ticket, _, count = await turn.app.services.queries.card(session.actor, target.ticket_id)
    await dialogues.end(turn, DialogueInput.FINISH)
    await turn.answer()
    texts = turn.texts
    await turn.edit(Message(texts("reply.evidence_finished", tag=tag(ticket.number), count=count)))


async def _transfer_to(turn: Turn, press: Press) -> None:
    target = press.payload
    if not isinstance(target, TransferTo):
        raise ForgedButton()
    acted = await _change(turn, target, Action.TRANSFER, assignee=UserRef(user_id=target.user_id))
    people = await turn.app.services.people.people([acted.ticket.assignee_id or 0])
    texts = turn.texts
    to = name_of(people, acted.ticket.assignee_id, texts)
    await turn.answer()
    await turn.edit(Message(texts("reply.transferred", tag=tag(acted.ticket.number), to=to)))


async def _cancel_abort(turn: Turn, press: Press) -> None:
    target = _on_ticket(press)
    session = await _ticket_session(turn, target.ticket_id)
    await dialogues.end(turn, DialogueInput.KEEP)
    ticket = await turn.app.services.queries.ticket(session.actor, ticket_id=target.ticket_id)
    await turn.answer()
    await turn.edit(Message(turn.texts("reply.cancel_kept", tag=tag(ticket.number))))


async def _settle_cancel_request(turn: Turn, press: Press) -> None:
    target = _on_ticket(press)
    approve = press.verb is Verb.APPROVE_CANCEL
    action = Action.APPROVE_CANCEL if approve else Action.REJECT_CANCEL
    if target.stamp is None:
        # Drawn for a request we can no longer tell apart from a later one.
        await _allowed(turn, target, action)
        raise ForgedButton()
    # Bound to the request the notice showed: a later request needs its own notice.
    acted = await _change(turn, target, action)
    key = "reply.cancelled" if approve else "reply.cancel_rejected"
    result = turn.texts(key, tag=tag(acted.ticket.number))
    await turn.answer(result)
    await _close_prompt(turn, result)


async def _show(turn: Turn, press: Press) -> None:
    target = _on_ticket(press)
    session = await _ticket_session(turn, target.ticket_id)
    await show_ticket(turn, session, TicketRef(ticket_id=target.ticket_id))
    # Answered after: a refusal (another team's ticket) is the press's alert, and a press
    # is answered once.
    await turn.answer()


async def _new_kind(turn: Turn, press: Press) -> None:
    if not isinstance(press.payload, KindChoice):
        raise ForgedButton()
    await dialogues.choose_kind(turn, press.payload.kind)


async def _new_assignee(turn: Turn, press: Press) -> None:
    if not isinstance(press.payload, PersonChoice):
        raise ForgedButton()
    await dialogues.choose_assignee(turn, press.payload.user_id)


async def _team(turn: Turn, press: Press) -> None:
    if not isinstance(press.payload, TeamChoice):
        raise ForgedButton()
    session = await turn.session(press.payload.team_id)
    await turn.answer()
    await turn.edit(Message(turn.texts("reply.team_chosen", team=session.team.name)))


def _no_arguments(step: Callable[[Turn], Awaitable[None]]) -> ButtonHandler:
    async def press_handler(turn: Turn, press: Press) -> None:
        await step(turn)

    return press_handler


def _cancel_confirm(turn: Turn, press: Press) -> Awaitable[None]:
    return _confirm_cancel(turn, _on_ticket(press))


def _transfer(turn: Turn, press: Press) -> Awaitable[None]:
    return _ask_transfer(turn, _on_ticket(press))


ButtonHandler = Callable[[Turn, Press], Awaitable[None]]

#: Every verb and the handler of its press.
BUTTONS: Final[Mapping[Verb, ButtonHandler]] = {
    Verb.ACKNOWLEDGE: _acknowledge,
    Verb.AGREE: _outcome,
    Verb.DISAGREE: _outcome,
    Verb.DONE: _outcome,
    Verb.EVIDENCE: _evidence,
    Verb.FINISH: _finish,
    Verb.NOTE: _note,
    Verb.TRANSFER: _transfer,
    Verb.TRANSFER_TO: _transfer_to,
    Verb.CANCEL_CONFIRM: _cancel_confirm,
    Verb.CANCEL_ABORT: _cancel_abort,
    Verb.APPROVE_CANCEL: _settle_cancel_request,
    Verb.REJECT_CANCEL: _settle_cancel_request,
    Verb.SHOW: _show,
    Verb.NEW_KIND: _new_kind,
    Verb.NEW_ASSIGNEE: _new_assignee,
    Verb.NEW_CREATE: _no_arguments(dialogues.create_from_dialogue),
    Verb.NEW_ABORT: _no_arguments(dialogues.abort),
    Verb.DUPLICATE_CONFIRM: _no_arguments(dialogues.confirm_duplicate),
    Verb.TEAM: _team,
    Verb.TAKE_EVIDENCE: topics.take_evidence,
    Verb.PLATFORM_OPTION: _platform_option,
    Verb.LIST_PAGE: lead.page_pressed,
    Verb.OPEN: lead.open_pressed,
    Verb.EVIDENCE_FILE: lead.file_pressed,
    Verb.EVIDENCE_ALL: lead.album_pressed,
    Verb.CLAIM: lead.claim_pressed,
    Verb.EXTEND: lead.extend_pressed,
}


async def _refresh_card(turn: Turn, acted: Acted) -> None:
    """Show the ticket's new state on the card the button was pressed on."""
    query = turn.update.callback_query
    if query is None or query.message is None or not turn.private:
        return
    session = await turn.session()
    assert acted.ticket.id is not None
    if acted.card is not None:
        ticket, people, count = acted.ticket, acted.card.people, acted.card.evidence
    else:
        ticket, people, count = await turn.app.services.queries.card(session.actor, acted.ticket.id)
    card = turn.app.renderer.card(
        ticket,
        turn.person.id,
        people,
        turn.texts,
        session.team.zone,
        turn.app.clock.now(),
        count,
        options=await turn.app.services.platform.options(ticket),
    )
    await turn.edit(card)


async def _close_prompt(turn: Turn, result: str) -> None:
    """Replace a notice's buttons with what was decided, so nobody presses them again."""
    query = turn.update.callback_query
    if query is None or query.message is None:
        return
    original = getattr(query.message, "text_html", None) or ""
    await turn.edit(Message(f"{original}\n\n{result}"))


async def _ask_transfer(turn: Turn, target: OnTicket) -> None:
    ticket = await _allowed(turn, target, Action.TRANSFER)
    assert ticket.id is not None
    services = turn.app.services
    members = await services.people.members(ticket.team_id, limit=dialogues.MAX_MEMBER_BUTTONS)
    others = [person for person in members if person.id != ticket.assignee_id]
    texts = turn.texts
    await turn.answer()
    if not others:
        await turn.reply(Message(texts("reply.transfer_nobody")))
        return
    buttons = tuple(
        (
            Button(
                person.display_name,
                encode(Verb.TRANSFER_TO, ticket.id, person.id, ticket.stamp),
            ),
        )
        for person in others
    )
    await turn.reply(Message(texts("reply.transfer_prompt", tag=tag(ticket.number)), buttons))


async def _confirm_cancel(turn: Turn, target: OnTicket) -> None:
    """A supervisor confirms the cancel they typed; the reason is in their dialogue."""
    dialogue = await turn.app.dialogues.expect(
        turn.chat_id, turn.person.id, DialogueInput.CONFIRM_CANCEL
    )
    if dialogue.data.get("ticket_id") != target.ticket_id:
        # Presses by others were refused already: this confirmation has lapsed.
        raise DomainError("reply.expired")
    acted = await _change(turn, target, Action.CANCEL, str(dialogue.data["reason"]))
    await turn.app.dialogues.clear(turn.chat_id, turn.person.id)
    result = turn.texts("reply.cancelled", tag=tag(acted.ticket.number))
    await turn.answer(result)
    await turn.edit(Message(result))
