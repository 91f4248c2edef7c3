"""What a team lead works from in the chat: list pages with buttons, evidence buttons, the
ticket opened from a list, and the supervisors' daily digest."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from bot.domain.listing import TicketPage
from bot.domain.model import Action, EvidenceType, Role
from bot.domain.notices import DigestNotice
from bot.domain.people import Person
from bot.domain.permissions import Actor
from bot.domain.ticket import Ticket
from bot.domain.views import EvidenceItem
from bot.i18n import Markup, Texts
from bot.rendering.callbacks import Verb, encode
from bot.rendering.messages import Button, Keyboard, Message
from bot.rendering.render import _STATUS_ICON as STATUS_ICON
from bot.rendering.render import Renderer, name_of, tag

#: Rows per page of a chat list.
PAGE_SIZE: Final = 10
#: How much of a description a list row shows.
_SHORT: Final = 24
#: Hours the Extend buttons of reminders and escalations offer.
EXTEND_HOURS: Final = (2, 24)
#: Files one album holds (Telegram's sendMediaGroup limit).
ALBUM_SIZE: Final = 10

_FILE_ICON: Final = {
    EvidenceType.PHOTO.value: "🖼",
    EvidenceType.VIDEO.value: "🎬",
    EvidenceType.DOCUMENT.value: "📄",
}


def short(text: str) -> str:
    """The start of a description, on one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= _SHORT else f"{flat[: _SHORT - 1]}…"


def list_page(
    renderer: Renderer,
    heading: Markup,
    page: TicketPage,
    texts: Texts,
    zone: ZoneInfo,
    now: datetime,
    *,
    number: int,
    previous: str | None,
    following: str | None,
) -> Message:
    """One page of a list: a row per ticket (overdue first), a button per row that opens it,
    and ◀ ▶ (callback data `previous`/`following`) when there is a page that way."""
    if not page.tickets:
        return Message(f"{heading}\n{texts('list.empty')}")
    pages = max(1, -(-page.total // PAGE_SIZE))
    lines = [heading]
    for ticket in page.tickets:
        lines.append(
            texts(
                "lead.list_row",
                icon=STATUS_ICON[ticket.status],
                tag=tag(ticket.number),
                kind=renderer.kind_label(ticket.kind, texts),
                order=ticket.order_id,
                assignee=name_of(page.people, ticket.assignee_id, texts),
                description=short(ticket.description),
                deadline=renderer.deadline(ticket, texts, zone, now),
            )
        )
    lines.append(texts("lead.list_page", page=number, pages=pages, total=page.total))
    opens = [
        Button(
            texts("lead.open_row", number=ticket.number, order=ticket.order_id),
            encode(Verb.OPEN, ticket.id),
        )
        for ticket in page.tickets
    ]
    rows: list[tuple[Button, ...]] = [tuple(opens[i : i + 2]) for i in range(0, len(opens), 2)]
    nav: list[Button] = []
    if previous is not None:
        nav.append(Button(texts("lead.previous"), previous))
    if following is not None:
        nav.append(Button(texts("lead.next"), following))
    if nav:
        rows.append(tuple(nav))
    return Message("\n".join(lines), tuple(rows))


def evidence_buttons(ticket_id: int, evidence: Sequence[EvidenceItem], texts: Texts) -> Keyboard:
    """A button per file, and one for all the photos as albums when there are several."""
    buttons = [
        Button(
            texts(
                "lead.file_button",
                icon=_FILE_ICON.get(item.type, "📄"),
                index=index,
                name=short(item.file_name or item.caption or texts(f"evidence.type.{item.type}")),
            ),
            encode(Verb.EVIDENCE_FILE, ticket_id, item.id),
        )
        for index, item in enumerate(evidence, start=1)
    ]
    rows: list[tuple[Button, ...]] = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    photos = sum(1 for item in evidence if item.type == EvidenceType.PHOTO.value)
    if photos > 1:
        rows.append(
            (Button(texts("lead.all_photos", count=photos), encode(Verb.EVIDENCE_ALL, ticket_id)),)
        )
    return tuple(rows)


def opened(
    renderer: Renderer,
    ticket: Ticket,
    viewer: Actor,
    people: Mapping[int, Person],
    evidence: Sequence[EvidenceItem],
    texts: Texts,
    zone: ZoneInfo,
    now: datetime,
) -> Message:
    """A ticket opened from a list or a notice, in the presser's private chat: the assignee's
    card with its buttons; anyone else the summary, Claim if it is free, and the evidence."""
    assert ticket.id is not None
    if ticket.assignee_id == viewer.user_id and viewer.user_id is not None:
        card = renderer.card(ticket, viewer.user_id, people, texts, zone, now, len(evidence))
        return Message(card.text, card.buttons + evidence_buttons(ticket.id, evidence, texts))
    lines = [renderer.summary(ticket, people, texts, zone, now)]
    if evidence:
        lines.append(texts("ticket.evidence_count", count=len(evidence)))
    rows: list[tuple[Button, ...]] = []
    if ticket.assignee_id is None and ticket.may(viewer, Action.CLAIM):
        rows.append((Button(texts("lead.claim"), encode(Verb.CLAIM, ticket.id)),))
    rows.append((Button(texts("button.show"), encode(Verb.SHOW, ticket.id)),))
    return Message("\n".join(lines), tuple(rows) + evidence_buttons(ticket.id, evidence, texts))


def extend_buttons(ticket_id: int, texts: Texts) -> tuple[Button, ...]:
    return tuple(
        Button(texts("lead.extend_hours", hours=hours), encode(Verb.EXTEND, ticket_id, hours))
        for hours in EXTEND_HOURS
    )


_SECTIONS: Final = ("overdue", "due_today", "escalated", "cancel_requested")


def digest(
    renderer: Renderer,
    notice: DigestNotice,
    team_name: str,
    texts: Texts,
    zone: ZoneInfo,
    now: datetime,
) -> Message:
    """A supervisor's morning: each section's count and its first tickets, each with the time
    left or overdue."""
    lines = [texts("lead.digest_heading", team=team_name)]
    for section in _SECTIONS:
        count = int(notice.counts.get(section, 0))
        lines.append(texts(f"lead.digest_{section}", count=count))
        for number, kind, order_id, due in notice.tickets.get(section, []):
            due_at = datetime.fromisoformat(str(due))
            left = due_at - now
            when = (
                texts("lead.digest_left", left=texts.span(left))
                if left.total_seconds() >= 0
                else texts("lead.digest_over", over=texts.span(-left))
            )
            lines.append(
                texts(
                    "lead.digest_row",
                    tag=tag(int(number)),
                    kind=renderer.kind_label(str(kind), texts),
                    order=str(order_id),
                    when=when,
                )
            )
    if not any(notice.counts.values()):
        lines.append(texts("lead.digest_clear"))
    return Message("\n".join(lines))


def supervisor(user_id: int, team_id: int) -> Actor:
    """A supervisor as the rendering asks what they could do (a press is checked again)."""
    return Actor(user_id, team_id, Role.SUPERVISOR)
