"""What a team lead works from: paged lists with a button per ticket, evidence sent on a
press, Claim (领取) and Extend (延期)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Final

from telegram import InputMediaPhoto, InputMediaVideo
from telegram.constants import ParseMode
from telegram.error import Forbidden

from bot.domain.changes import ChangeTicket, TicketRef, change_of
from bot.domain.commands import ByOrder, Extend, ListCreated, ListMine, ListPending
from bot.domain.errors import Conflict, NotFound, Refused
from bot.domain.listing import (
    Cursor,
    TicketFilter,
    compact_cursor,
    deadline_cursor,
    from_compact,
)
from bot.domain.model import PENDING_STATUSES, Action, EvidenceType, TeamAction
from bot.domain.permissions import require_team
from bot.domain.views import EvidenceItem
from bot.i18n import Markup
from bot.rendering.callbacks import ExtendBy, FileChoice, ListPage, OnTicket, Press, Verb, encode
from bot.rendering.lead import ALBUM_SIZE, PAGE_SIZE, list_page, opened
from bot.rendering.messages import Message
from bot.rendering.render import name_of, tag
from bot.services.people import Session
from handlers.telegram.commands import learn_mentions
from handlers.telegram.markup import inline_markup
from handlers.telegram.turn import Turn

log = logging.getLogger(__name__)

_PENDING: Final = frozenset(PENDING_STATUSES)


class StartTheBotFirst(Refused):
    """A private message to someone who never opened the bot: Telegram refuses it."""

    key = "lead.start_first"


# --- lists ------------------------------------------------------------------------------------


async def _wanted(
    turn: Turn, session: Session, which: str, arg: str
) -> tuple[TicketFilter, Markup]:
    """The filter and heading of a chat list, from its letter and argument."""
    texts, me = turn.texts, session.person.id
    match which:
        case "m":
            return TicketFilter(statuses=_PENDING, assignee_id=me), texts("list.mine")
        case "c":
            return TicketFilter(creator_id=me), texts("list.created")
        case "o":
            return TicketFilter(order_id=arg), texts("list.order", order=arg)
    require_team(session.actor, TeamAction.LIST_PENDING)
    if arg.startswith("k"):
        kind = arg[1:]
        label = turn.app.renderer.kind_label(kind, texts)
        return TicketFilter(statuses=_PENDING, kinds=frozenset({kind})), texts(
            "list.pending_kind", kind=label
        )
    if arg.startswith("u"):
        if not arg[1:].isdigit():
            raise Refused("refused.button")
        user_id = int(arg[1:])
        people = await turn.app.services.people.people([user_id])
        heading = texts("list.pending_for", who=name_of(people, user_id, texts))
        return TicketFilter(statuses=_PENDING, assignee_id=user_id), heading
    return TicketFilter(statuses=_PENDING), texts("list.pending")


def _button(which: str, back: bool, page: int, cursor: Cursor, arg: str) -> str | None:
    """A ◀/▶ button's data; None when the argument makes it longer than Telegram allows
    (the list then shows its first page with the count, as before)."""
    direction = f"{which}{'p' if back else 'n'}"
    try:
        return encode(Verb.LIST_PAGE, direction, page, compact_cursor(cursor), arg or None)
    except ValueError:
        return None


async def _page(
    turn: Turn,
    session: Session,
    which: str,
    arg: str,
    *,
    number: int = 1,
    after: Cursor | None = None,
    before: Cursor | None = None,
) -> Message:
    wanted, heading = await _wanted(turn, session, which, arg)
    now = turn.app.clock.now()
    page = await turn.app.services.listing.search(
        session.actor, wanted, limit=PAGE_SIZE, now=now, after=after, before=before
    )
    if which == "o" and page.total == 0:
        raise NotFound("notfound.order", order_id=arg)
    tickets = page.tickets
    previous = following = None
    if tickets:
        first, last = tickets[0], tickets[-1]
        if number > 1:
            previous = _button(which, True, number - 1, deadline_cursor(first), arg)
        if number * PAGE_SIZE < page.total:
            following = _button(which, False, number + 1, deadline_cursor(last), arg)
    return list_page(
        turn.app.renderer,
        heading,
        page,
        turn.texts,
        session.team.zone,
        now,
        number=number,
        previous=previous,
        following=following,
    )


async def mine(turn: Turn, command: ListMine) -> None:
    """/mine — pending tickets assigned to me, overdue first, 10 a page."""
    await turn.reply(await _page(turn, await turn.session(), "m", ""))


async def created(turn: Turn, command: ListCreated) -> None:
    """/created — tickets I created."""
    await turn.reply(await _page(turn, await turn.session(), "c", ""))


async def pending(turn: Turn, command: ListPending) -> None:
    """/pending [@user|#kind] — the team's to-do list (supervisors)."""
    session = await turn.session()
    require_team(session.actor, TeamAction.LIST_PENDING)
    await learn_mentions(turn)
    arg = ""
    if command.kind:
        arg = f"k{command.kind}"
    elif command.assignee:
        arg = f"u{await turn.app.services.queries.member(session.actor, command.assignee)}"
    await turn.reply(await _page(turn, session, "p", arg))


async def order(turn: Turn, command: ByOrder) -> None:
    """/order <order_id> — every ticket of one order."""
    await turn.reply(await _page(turn, await turn.session(), "o", command.order_id))


async def page_pressed(turn: Turn, press: Press) -> None:
    """◀ ▶ on a list: the neighbouring page, edited in place."""
    wanted = press.payload
    if not isinstance(wanted, ListPage):
        raise Refused("refused.button")
    session = await turn.session()
    cursor = from_compact(wanted.cursor)
    message = await _page(
        turn,
        session,
        wanted.list,
        wanted.arg,
        number=wanted.page,
        after=None if wanted.back else cursor,
        before=cursor if wanted.back else None,
    )
    await turn.answer()
    await turn.edit(message)


# --- a ticket opened in private ----------------------------------------------------------------


async def _session_for(turn: Turn, ticket_id: int) -> Session:
    if not turn.private:
        return await turn.session()
    session = await turn.app.services.people.session_for_ticket(ticket_id, turn.person)
    turn.use(session)
    return session


async def _private(turn: Turn, message: Message) -> None:
    """Send `message` to the presser's private chat (StartTheBotFirst if Telegram refuses)."""
    try:
        await turn.context.bot.send_message(
            turn.person.id,
            message.text,
            parse_mode=ParseMode.HTML,
            reply_markup=inline_markup(message),
            disable_web_page_preview=True,
        )
    except Forbidden:
        raise StartTheBotFirst() from None


async def open_pressed(turn: Turn, press: Press) -> None:
    """A list row's button: the ticket's card in the presser's private chat."""
    target = press.payload
    if not isinstance(target, OnTicket):
        raise Refused("refused.button")
    session = await _session_for(turn, target.ticket_id)
    details = await turn.app.services.queries.show(session.actor, ticket_id=target.ticket_id)
    message = opened(
        turn.app.renderer,
        details.ticket,
        session.actor,
        details.people,
        details.evidence,
        turn.texts,
        session.team.zone,
        turn.app.clock.now(),
    )
    await _private(turn, message)
    await turn.answer(
        "" if turn.private else turn.texts("lead.sent_privately", tag=tag(details.ticket.number))
    )


# --- evidence -----------------------------------------------------------------------------------


async def _evidence(turn: Turn, ticket_id: int) -> tuple[int, list[EvidenceItem]]:
    session = await _session_for(turn, ticket_id)
    details = await turn.app.services.queries.show(session.actor, ticket_id=ticket_id)
    return details.ticket.number, details.evidence


async def _send_files(turn: Turn, items: Sequence[EvidenceItem]) -> None:
    """Photos and videos as albums of up to 10, documents one by one, by their file ids."""
    bot, chat_id = turn.context.bot, turn.person.id
    visual = [item for item in items if item.type != EvidenceType.DOCUMENT.value]
    try:
        for start in range(0, len(visual), ALBUM_SIZE):
            chunk = visual[start : start + ALBUM_SIZE]
            if len(chunk) == 1:
                await _send_one(turn, chunk[0])
                continue
            await bot.send_media_group(
                chat_id,
                [
                    InputMediaPhoto(item.file_id)
                    if item.type == EvidenceType.PHOTO.value
                    else InputMediaVideo(item.file_id)
                    for item in chunk
                ],
            )
        for item in items:
            if item.type == EvidenceType.DOCUMENT.value:
                await _send_one(turn, item)
    except Forbidden:
        raise StartTheBotFirst() from None


async def _send_one(turn: Turn, item: EvidenceItem) -> None:
    bot, chat_id = turn.context.bot, turn.person.id
    caption = item.caption or None
    if item.type == EvidenceType.PHOTO.value:
        await bot.send_photo(chat_id, item.file_id, caption=caption)
    elif item.type == EvidenceType.VIDEO.value:
        await bot.send_video(chat_id, item.file_id, caption=caption)
    else:
        await bot.send_document(chat_id, item.file_id, caption=caption)


async def file_pressed(turn: Turn, press: Press) -> None:
    """One evidence file's button: the file in the presser's private chat."""
    choice = press.payload
    if not isinstance(choice, FileChoice):
        raise Refused("refused.button")
    number, evidence = await _evidence(turn, choice.ticket_id)
    chosen = [item for item in evidence if item.id == choice.evidence_id]
    if not chosen:
        raise Refused("refused.button")
    try:
        await _send_one(turn, chosen[0])
    except Forbidden:
        raise StartTheBotFirst() from None
    await turn.answer("" if turn.private else turn.texts("lead.sent_privately", tag=tag(number)))


async def album_pressed(turn: Turn, press: Press) -> None:
    """All photos (and videos) of a ticket as albums of 10, documents after them."""
    target = press.payload
    if not isinstance(target, OnTicket):
        raise Refused("refused.button")
    number, evidence = await _evidence(turn, target.ticket_id)
    await _send_files(turn, evidence)
    await turn.answer("" if turn.private else turn.texts("lead.sent_privately", tag=tag(number)))


# --- claim and extend ---------------------------------------------------------------------------


async def claim_pressed(turn: Turn, press: Press) -> None:
    """领取: the first member to press becomes the assignee; later presses learn who did."""
    target = press.payload
    if not isinstance(target, OnTicket):
        raise Refused("refused.button")
    await _session_for(turn, target.ticket_id)
    change = ChangeTicket(TicketRef(ticket_id=target.ticket_id), Action.CLAIM)
    try:
        try:
            acted = await turn.execute(change)
        except Conflict:
            # Two presses at once: the loser tries again, and now sees who won.
            acted = await turn.execute(change)
    except Refused as refused:
        if refused.key != "refused.already_claimed":
            raise
        winner = int(refused.params["assignee_id"])
        people = await turn.app.services.people.people([winner])
        await turn.answer(
            turn.texts("lead.already_claimed", who=name_of(people, winner, turn.texts)),
            alert=True,
        )
        return
    texts = turn.texts
    people = await turn.app.services.people.people([turn.person.id])
    result = texts(
        "lead.claimed", tag=tag(acted.ticket.number), who=name_of(people, turn.person.id, texts)
    )
    await turn.answer(result)
    query = turn.update.callback_query
    original = getattr(query.message, "text_html", None) if query and query.message else None
    if original:
        await turn.edit(Message(f"{original}\n\n{result}"))


async def extend_pressed(turn: Turn, press: Press) -> None:
    """延期 on a reminder or an escalation: the deadline moves later by the button's hours."""
    target = press.payload
    if not isinstance(target, ExtendBy):
        raise Refused("refused.button")
    await _session_for(turn, target.ticket_id)
    details = (("extend_by", str(target.hours * 3600)),)
    reason = turn.texts("lead.extend_reason_button")
    change = ChangeTicket(
        TicketRef(ticket_id=target.ticket_id), Action.EXTEND, str(reason), details=details
    )
    acted = await turn.execute(change)
    session = await turn.session()
    result = turn.texts(
        "lead.extended",
        tag=tag(acted.ticket.number),
        due=turn.texts.moment(acted.ticket.due_at, session.team.zone),
    )
    await turn.answer(result)
    query = turn.update.callback_query
    original = getattr(query.message, "text_html", None) if query and query.message else None
    if original:
        await turn.edit(Message(f"{original}\n\n{result}"))


async def extend(turn: Turn, command: Extend) -> None:
    """/extend <t> <duration> <reason> — supervisors give a ticket more time."""
    acted = await turn.execute(change_of(command))
    zone = (await turn.session()).team.zone
    await turn.say(
        "lead.extended",
        tag=tag(acted.ticket.number),
        due=turn.texts.moment(acted.ticket.due_at, zone),
    )
