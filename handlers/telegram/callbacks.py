"""Button presses. A button carries ids, never rights: every press is checked again against
who pressed it, their role in the ticket's team and the ticket's state, and a refusal is an
alert that changes nothing."""

from __future__ import annotations

from typing import Final

from bot.domain.commands import UserRef
from bot.domain.dialogue import DialogueInput
from bot.domain.errors import DomainError, Refused
from bot.domain.model import Action, Outcome
from bot.rendering.callbacks import BadCallback, Callback, Verb, decode, encode
from bot.rendering.messages import Button, Message
from bot.rendering.render import name_of, tag
from bot.services.tickets import Acted
from handlers.telegram import dialogues
from handlers.telegram.turn import Turn, handler

_OUTCOMES: Final = {
    Verb.AGREE: Outcome.AGREED,
    Verb.DISAGREE: Outcome.DISAGREED,
    Verb.DONE: Outcome.DONE,
}
#: Presses that are answered on the card they were made on (re-rendered in place).
_ON_CARD: Final = frozenset({Verb.ACKNOWLEDGE, Verb.AGREE, Verb.DISAGREE, Verb.DONE})
_TICKET_VERBS: Final = frozenset(
    {
        Verb.ACKNOWLEDGE,
        Verb.AGREE,
        Verb.DISAGREE,
        Verb.DONE,
        Verb.EVIDENCE,
        Verb.FINISH,
        Verb.NOTE,
        Verb.TRANSFER,
        Verb.TRANSFER_TO,
        Verb.CANCEL_CONFIRM,
        Verb.CANCEL_ABORT,
        Verb.APPROVE_CANCEL,
        Verb.REJECT_CANCEL,
        Verb.SHOW,
    }
)


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


def _decode(turn: Turn) -> Callback:
    query = turn.update.callback_query
    try:
        callback = decode(query.data if query else None)
        if callback.verb in _TICKET_VERBS:
            callback.int_arg(0)
        return callback
    except (BadCallback, ValueError, IndexError):
        raise ForgedButton() from None


@handler
async def on_button(turn: Turn) -> None:
    """Every inline button of the bot."""
    callback = _decode(turn)
    if callback.verb in _PERSONAL:
        _check_owner(turn)
    if callback.verb in _TICKET_VERBS:
        await _ticket_button(turn, callback)
    elif callback.verb is Verb.NEW_KIND:
        await dialogues.choose_kind(turn, callback.args[0])
    elif callback.verb is Verb.NEW_ASSIGNEE:
        await dialogues.choose_assignee(turn, callback.int_arg(0))
    elif callback.verb is Verb.NEW_CREATE:
        await dialogues.create_from_dialogue(turn)
    elif callback.verb is Verb.NEW_ABORT:
        await dialogues.abort(turn)
    elif callback.verb is Verb.DUPLICATE_CONFIRM:
        await dialogues.confirm_duplicate(turn)
    elif callback.verb is Verb.TEAM:
        session = await turn.session(callback.int_arg(0))
        await turn.answer()
        await turn.edit(Message(turn.texts("reply.team_chosen", team=session.team.name)))
    else:
        raise ForgedButton()


def _version(callback: Callback) -> int:
    try:
        return callback.int_arg(1)
    except (IndexError, ValueError):
        raise ForgedButton() from None


async def _ticket_button(turn: Turn, callback: Callback) -> None:
    ticket_id = callback.int_arg(0)
    session = await turn.app.services.people.session_for_ticket(ticket_id, turn.person)
    turn.use(session)
    actor = session.actor
    services = turn.app.services
    texts = turn.texts
    verb = callback.verb
    if verb in _OUTCOMES:
        # The version the card showed: a press on an outdated card is a conflict, not a guess.
        acted = await services.tickets.record_outcome(
            actor,
            _OUTCOMES[verb],
            ticket_id=ticket_id,
            expected_version=_version(callback),
            update_id=turn.update_id,
            in_group=turn.in_group,
        )
        await _refresh_card(turn, acted)
        await turn.answer()
        await dialogues.after_outcome(turn, acted.ticket)
    elif verb is Verb.ACKNOWLEDGE:
        acted = await turn.act(Action.ACKNOWLEDGE, ticket_id=ticket_id)
        await _refresh_card(turn, acted)
        await turn.answer(texts("reply.acknowledged", tag=tag(acted.ticket.number)))
    elif verb is Verb.EVIDENCE:
        ticket = await services.queries.ticket(actor, ticket_id=ticket_id)
        if not ticket.may(actor, Action.ADD_EVIDENCE):
            raise _refusal(Action.ADD_EVIDENCE, ticket.status.value)
        await turn.answer()
        await dialogues.collect_evidence(turn, ticket)
    elif verb is Verb.FINISH:
        ticket, _, count = await services.queries.card(actor, ticket_id)
        await dialogues.end(turn, DialogueInput.FINISH)
        await turn.answer()
        await turn.edit(
            Message(texts("reply.evidence_finished", tag=tag(ticket.number), count=count))
        )
    elif verb is Verb.NOTE:
        ticket = await services.queries.ticket(actor, ticket_id=ticket_id)
        if not ticket.may(actor, Action.NOTE):
            raise _refusal(Action.NOTE, ticket.status.value)
        await turn.answer()
        await dialogues.ask_note(turn, ticket, session.team.id)
    elif verb is Verb.TRANSFER:
        await _ask_transfer(turn, ticket_id)
    elif verb is Verb.TRANSFER_TO:
        acted = await turn.act(
            Action.TRANSFER,
            ticket_id=ticket_id,
            assignee=UserRef(user_id=callback.int_arg(1)),
        )
        people = await services.people.people([acted.ticket.assignee_id or 0])
        await turn.answer()
        await turn.edit(
            Message(
                texts(
                    "reply.transferred",
                    tag=tag(acted.ticket.number),
                    to=name_of(people, acted.ticket.assignee_id, texts),
                )
            )
        )
    elif verb is Verb.CANCEL_CONFIRM:
        await _confirm_cancel(turn, ticket_id, _version(callback))
    elif verb is Verb.CANCEL_ABORT:
        await dialogues.end(turn, DialogueInput.KEEP)
        ticket = await services.queries.ticket(actor, ticket_id=ticket_id)
        await turn.answer()
        await turn.edit(Message(texts("reply.cancel_kept", tag=tag(ticket.number))))
    elif verb in (Verb.APPROVE_CANCEL, Verb.REJECT_CANCEL):
        approve = verb is Verb.APPROVE_CANCEL
        acted = await turn.act(
            Action.APPROVE_CANCEL if approve else Action.REJECT_CANCEL,
            ticket_id=ticket_id,
        )
        key = "reply.cancelled" if approve else "reply.cancel_rejected"
        result = texts(key, tag=tag(acted.ticket.number))
        await turn.answer(result)
        await _close_prompt(turn, result)
    elif verb is Verb.SHOW:
        details = await services.queries.show(actor, ticket_id=ticket_id)
        await turn.answer()
        await turn.reply(
            turn.app.renderer.details(
                details.ticket,
                details.timeline,
                details.evidence,
                details.people,
                texts,
                session.team.zone,
                turn.app.clock.now(),
            )
        )


def _refusal(action: Action, status: str) -> DomainError:
    return Refused("refused.transition", action=action.value, status=status)


async def _refresh_card(turn: Turn, acted: Acted) -> None:
    """Show the ticket's new state on the card the button was pressed on."""
    query = turn.update.callback_query
    if query is None or query.message is None or not turn.private:
        return
    session = await turn.session()
    assert acted.ticket.id is not None
    ticket, people, count = await turn.app.services.queries.card(session.actor, acted.ticket.id)
    card = turn.app.renderer.card(
        ticket, turn.person.id, people, turn.texts, session.team.zone, turn.app.clock.now(), count
    )
    await turn.edit(card)


async def _close_prompt(turn: Turn, result: str) -> None:
    """Replace a notice's buttons with what was decided, so nobody presses them again."""
    query = turn.update.callback_query
    if query is None or query.message is None:
        return
    original = getattr(query.message, "text_html", None) or ""
    await turn.edit(Message(f"{original}\n\n{result}"))


async def _ask_transfer(turn: Turn, ticket_id: int) -> None:
    session = await turn.session()
    services = turn.app.services
    ticket = await services.queries.ticket(session.actor, ticket_id=ticket_id)
    if not ticket.may(session.actor, Action.TRANSFER):
        raise _refusal(Action.TRANSFER, ticket.status.value)
    members = await services.people.members(session.team.id, limit=dialogues.MAX_MEMBER_BUTTONS)
    others = [person for person in members if person.id != ticket.assignee_id]
    texts = turn.texts
    await turn.answer()
    if not others:
        await turn.reply(Message(texts("reply.transfer_nobody")))
        return
    buttons = tuple(
        (Button(person.display_name, encode(Verb.TRANSFER_TO, ticket_id, person.id)),)
        for person in others
    )
    await turn.reply(Message(texts("reply.transfer_prompt", tag=tag(ticket.number)), buttons))


async def _confirm_cancel(turn: Turn, ticket_id: int, version: int) -> None:
    """A supervisor confirms the cancel they typed; the reason is in their dialogue."""
    dialogue = await turn.app.dialogues.expect(
        turn.chat_id, turn.person.id, DialogueInput.CONFIRM_CANCEL
    )
    if dialogue.data.get("ticket_id") != ticket_id:
        # Presses by others were refused already: this confirmation has lapsed.
        raise DomainError("reply.expired")
    await turn.session()
    acted = await turn.act(
        Action.CANCEL,
        ticket_id=ticket_id,
        text=str(dialogue.data["reason"]),
        expected_version=version,
    )
    await turn.app.dialogues.clear(turn.chat_id, turn.person.id)
    result = turn.texts("reply.cancelled", tag=tag(acted.ticket.number))
    await turn.answer(result)
    await turn.edit(Message(result))
