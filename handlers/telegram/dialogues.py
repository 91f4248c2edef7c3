"""Multi-step conversations: guided /ticket, duplicate confirmation, notes, evidence.

Each step's state is a `Dialogue` in the database, keyed by chat and user, so a step can be
taken after a restart or by another bot process; prompts ask for a reply (ForceReply) so they
work in groups with Telegram's privacy mode on.
"""

from __future__ import annotations

from typing import Any, Final

from bot.domain.changes import ChangeTicket, TicketRef
from bot.domain.commands import MAX_TEXT, CreateTicket, UserRef, parse_order_id
from bot.domain.dialogue import Dialogue, DialogueInput, DialogueStep, begin
from bot.domain.errors import Refused, UsageError
from bot.domain.model import Action, Outcome
from bot.domain.ticket import Ticket
from bot.i18n import Markup
from bot.rendering.callbacks import Verb, encode
from bot.rendering.messages import Button, Keyboard, Message
from bot.rendering.render import name_of, tag
from bot.services.people import Session
from bot.services.tickets import DuplicateFound
from handlers.telegram.turn import Turn

#: Members offered as assignee buttons (the rest can be named with @username).
MAX_MEMBER_BUTTONS = 10


def _ref_data(assignee: UserRef | None) -> dict[str, Any] | None:
    if assignee is None:
        return None
    return {"username": assignee.username, "user_id": assignee.user_id, "name": assignee.name}


def _ref(data: dict[str, Any] | None) -> UserRef | None:
    return UserRef(**data) if data else None


async def create(turn: Turn, session: Session, command: CreateTicket, *, confirmed: bool) -> None:
    """Create the ticket, or ask first when one is open for the same order and kind."""
    services = turn.app.services
    result = await services.tickets.create(
        command, await turn.origin(), confirmed=confirmed, receipt_chat=turn.chat_id
    )
    texts = turn.texts
    if isinstance(result, DuplicateFound):
        await _save(
            turn,
            begin(
                DialogueInput.DUPLICATE_FOUND,
                session.team.id,
                order_id=command.order_id,
                kind=command.kind,
                assignee=_ref_data(command.assignee),
                description=command.description,
            ),
        )
        buttons = (
            (
                Button(texts("button.create_anyway"), encode(Verb.DUPLICATE_CONFIRM)),
                Button(texts("button.abort"), encode(Verb.NEW_ABORT)),
            ),
        )
        await turn.reply(Message(texts("reply.duplicate", tag=tag(result.number)), buttons))
        return
    ticket = result.ticket
    due = texts.moment(ticket.due_at, session.team.zone)
    if ticket.assignee_id is None:
        text = texts("reply.created_unassigned", tag=tag(ticket.number), due=due)
    else:
        people = (
            {ticket.assignee_id: result.assignee}
            if result.assignee is not None
            else await services.people.people([ticket.assignee_id])
        )
        assignee = name_of(people, ticket.assignee_id, texts)
        text = texts("reply.created", tag=tag(ticket.number), assignee=assignee, due=due)
    claim: Keyboard = ()
    if ticket.assignee_id is None and turn.in_group:
        # Posted in the group with Claim: the first member to press takes it.
        claim = ((Button(texts("lead.claim"), encode(Verb.CLAIM, ticket.id)),),)
    if turn.update.callback_query is not None:
        await turn.edit(Message(text, claim))
    else:
        await turn.reply(Message(text, claim))
    # Told: the receipt written with the ticket (for a reply lost to a crash) is not needed.
    services.tickets.answered(result)


async def confirm_duplicate(turn: Turn) -> None:
    dialogue = await _expect(turn, DialogueInput.CREATE_ANYWAY)
    session = await turn.session(dialogue.team_id)
    data = dialogue.data
    command = CreateTicket(
        data["order_id"], data["kind"], _ref(data["assignee"]), data["description"]
    )
    await create(turn, session, command, confirmed=True)
    await turn.app.dialogues.clear(turn.chat_id, turn.person.id)
    await turn.answer()


# --- guided /ticket ------------------------------------------------------------------------


async def start_new_ticket(turn: Turn, description: str | None) -> None:
    session = await turn.session()
    await _save(turn, begin(DialogueInput.GUIDED_TICKET, session.team.id, description=description))
    texts = turn.texts
    await turn.reply(
        Message(
            texts("new.ask_order"),
            force_reply=True,
            placeholder=texts("new.placeholder_order"),
        )
    )


async def _ask_kind(turn: Turn, order_id: str) -> None:
    texts = turn.texts
    renderer = turn.app.renderer
    names = list(turn.app.services.directory.kinds)
    buttons = tuple(
        tuple(
            Button(renderer.kind_label(name, texts), encode(Verb.NEW_KIND, name))
            for name in names[index : index + 2]
        )
        for index in range(0, len(names), 2)
    )
    buttons += ((Button(texts("button.abort"), encode(Verb.NEW_ABORT)),),)
    await turn.reply(Message(texts("new.ask_kind", order=order_id), buttons))


async def choose_kind(turn: Turn, kind_name: str) -> None:
    dialogue = await _expect(turn, DialogueInput.KIND)
    kind = turn.app.services.directory.kind(kind_name)
    await _save(turn, dialogue.then(DialogueInput.KIND, kind=kind.name))
    texts = turn.texts
    members = await turn.app.services.people.members(
        dialogue.team_id or 0, limit=MAX_MEMBER_BUTTONS
    )
    rows: list[tuple[Button, ...]] = [
        tuple(
            Button(person.display_name, encode(Verb.NEW_ASSIGNEE, person.id))
            for person in members[i : i + 2]
        )
        for i in range(0, len(members), 2)
    ]
    last = [Button(texts("button.nobody"), encode(Verb.NEW_ASSIGNEE, -1))]
    if kind.default_assignee is not None:
        last.insert(0, Button(texts("button.default_assignee"), encode(Verb.NEW_ASSIGNEE, 0)))
    rows.append(tuple(last))
    rows.append((Button(texts("button.abort"), encode(Verb.NEW_ABORT)),))
    await turn.answer()
    await turn.edit(
        Message(texts("new.ask_assignee", kind=kind.label(texts.language)), tuple(rows))
    )


async def choose_assignee(turn: Turn, user_id: int) -> None:
    dialogue = await _expect(turn, DialogueInput.ASSIGNEE)
    people = turn.app.services.people
    if user_id > 0 and not (dialogue.team_id and await people.is_member(dialogue.team_id, user_id)):
        # Only the team's members are offered: another id is a forged button.
        raise Refused("refused.button")
    dialogue = dialogue.then(DialogueInput.ASSIGNEE, assignee_id=user_id)
    data = dialogue.data
    await turn.answer()
    if data.get("description"):
        # Given with /ticket already: the description step is answered without asking.
        await _confirm(turn, dialogue.then(DialogueInput.TEXT))
        return
    await _save(turn, dialogue)
    texts = turn.texts
    # The buttons' message keeps what was chosen; the question is asked as a reply prompt.
    chosen = texts(
        "new.chosen",
        order=data["order_id"],
        kind=turn.app.renderer.kind_label(data["kind"], texts),
        assignee=await _assignee_text(turn, user_id),
    )
    await turn.edit(Message(chosen))
    await turn.reply(
        Message(
            texts("new.ask_description"),
            force_reply=True,
            placeholder=texts("new.placeholder_description"),
        )
    )


async def _assignee_text(turn: Turn, user_id: int) -> Markup:
    """The assignee chosen by button: a member, the kind's default (0) or nobody (-1)."""
    texts = turn.texts
    if user_id == 0:
        return texts("button.default_assignee")
    if user_id < 0:
        return texts("person.nobody")
    people = await turn.app.services.people.people([user_id])
    return name_of(people, user_id, texts)


def _guided_command(data: dict[str, Any]) -> CreateTicket:
    assignee_id = data.get("assignee_id")
    assignee = UserRef(user_id=assignee_id) if assignee_id and assignee_id > 0 else None
    return CreateTicket(data["order_id"], data["kind"], assignee, data["description"])


async def _confirm(turn: Turn, dialogue: Dialogue) -> None:
    """The last step: a summary, a duplicate warning if one applies, Create or Discard."""
    await _save(turn, dialogue)
    data = dialogue.data
    session = await turn.session(dialogue.team_id)
    texts = turn.texts
    services = turn.app.services
    command = _guided_command(data)
    text = texts(
        "new.confirm",
        order=command.order_id,
        kind=turn.app.renderer.kind_label(command.kind or "", texts),
        assignee=await _assignee_text(turn, int(data.get("assignee_id") or 0)),
        description=command.description,
    )
    duplicate = await services.queries.open_duplicate(
        session.actor, command.order_id, command.kind or ""
    )
    if duplicate is not None:
        text = Markup(f"{text}\n\n{texts('new.duplicate', tag=tag(duplicate))}")
    buttons = (
        (
            Button(texts("button.create"), encode(Verb.NEW_CREATE)),
            Button(texts("button.abort"), encode(Verb.NEW_ABORT)),
        ),
    )
    message = Message(text, buttons)
    if turn.update.callback_query is not None:
        await turn.edit(message)
    else:
        await turn.reply(message)


async def create_from_dialogue(turn: Turn) -> None:
    dialogue = await _expect(turn, DialogueInput.CREATE)
    session = await turn.session(dialogue.team_id)
    await create(turn, session, _guided_command(dialogue.data), confirmed=True)
    await turn.app.dialogues.clear(turn.chat_id, turn.person.id)
    await turn.answer()


async def abort(turn: Turn) -> None:
    await end(turn, DialogueInput.ABORT)
    await turn.answer()
    await turn.edit(Message(turn.texts("reply.discarded")))


async def end(turn: Turn, given: DialogueInput) -> None:
    """The user ended their dialogue with `given` (Discard, Finish, Keep), if it takes it."""
    await turn.app.dialogues.end(turn.chat_id, turn.person.id, given)


async def _save(turn: Turn, dialogue: Dialogue) -> None:
    await turn.app.dialogues.put(turn.chat_id, turn.person.id, dialogue)


async def _expect(turn: Turn, given: DialogueInput) -> Dialogue:
    """The sender's dialogue here, if it waits for `given`; OutOfStep ("expired") if not."""
    return await turn.app.dialogues.expect(turn.chat_id, turn.person.id, given)


# --- replies to prompts --------------------------------------------------------------------


async def on_text(turn: Turn) -> bool:
    """A plain text that continues a dialogue; False if no dialogue wanted it."""
    message = turn.message
    if message is None or not message.text:
        return False
    if not turn.private and not answers_the_bot(turn):
        # In a group only an answer to the bot's prompt continues a dialogue: people go on
        # talking to each other meanwhile (and with privacy mode on the bot sees nothing else).
        return False
    dialogue = await turn.app.dialogues.get(turn.chat_id, turn.person.id)
    if dialogue is None or not dialogue.takes(DialogueInput.TEXT):
        return False
    text = message.text.strip()
    if text.lower() in _CANCEL_WORDS and dialogue.takes(DialogueInput.ABORT):
        # A reply prompt has no buttons: "取消" (cancel) as the answer discards the draft.
        await end(turn, DialogueInput.ABORT)
        await turn.say("reply.discarded")
        return True
    if dialogue.step is DialogueStep.ORDER:
        order_id = parse_order_id(text)
        await _save(turn, dialogue.then(DialogueInput.TEXT, order_id=order_id))
        await turn.session(dialogue.team_id)
        await _ask_kind(turn, order_id)
    elif dialogue.step is DialogueStep.DESCRIPTION:
        if len(text) > MAX_TEXT:
            raise UsageError("ticket", "text_too_long", limit=MAX_TEXT)
        await _confirm(turn, dialogue.then(DialogueInput.TEXT, description=text))
    else:
        assert dialogue.step is DialogueStep.NOTE
        await turn.session(dialogue.team_id)
        ref = TicketRef(ticket_id=int(dialogue.data["ticket_id"]))
        acted = await turn.execute(ChangeTicket(ref, Action.NOTE, text))
        await turn.app.dialogues.clear(turn.chat_id, turn.person.id)
        await turn.say("reply.noted", tag=tag(acted.ticket.number))
    return True


#: Answers to a reply prompt that discard the ticket being drafted.
_CANCEL_WORDS: Final = frozenset({"取消", "放弃", "cancel", "/cancel", "discard"})


def answers_the_bot(turn: Turn) -> bool:
    """Whether the message replies to one of the bot's (a prompt, a card, a notice)."""
    message = turn.message
    replied = message.reply_to_message if message is not None else None
    sender = replied.from_user if replied is not None else None
    return sender is not None and sender.id == turn.context.bot.id


async def ask_note(turn: Turn, ticket: Ticket, team_id: int) -> None:
    await _save(turn, begin(DialogueInput.ASK_NOTE, team_id, ticket_id=ticket.id))
    texts = turn.texts
    await turn.reply(
        Message(
            texts("reply.note_prompt", tag=tag(ticket.number)),
            force_reply=True,
            placeholder=texts("new.placeholder_note"),
        )
    )


# --- evidence ------------------------------------------------------------------------------


def finish_button(turn: Turn, ticket: Ticket) -> tuple[tuple[Button, ...], ...]:
    return ((Button(turn.texts("button.finish"), encode(Verb.FINISH, ticket.id)),),)


async def collect_evidence(
    turn: Turn, ticket: Ticket, prompt_key: str = "reply.evidence_prompt", **params: object
) -> None:
    """From now on, files this user sends in this chat go to `ticket`, until Finish."""
    await _save(turn, begin(DialogueInput.COLLECT_EVIDENCE, ticket.team_id, ticket_id=ticket.id))
    text = turn.texts(prompt_key, tag=tag(ticket.number), **params)
    await turn.reply(Message(text, finish_button(turn, ticket)))


async def after_outcome(turn: Turn, ticket: Ticket) -> None:
    """The outcome is recorded: ask for the negotiation evidence, offer Finish."""
    texts = turn.texts
    assert ticket.outcome is not None
    # "Done" needs no negotiation evidence; files may still be kept with the ticket.
    key = "reply.outcome_done" if ticket.outcome is Outcome.DONE else "reply.outcome"
    await collect_evidence(turn, ticket, key, outcome=texts(f"outcome.{ticket.outcome.value}"))
