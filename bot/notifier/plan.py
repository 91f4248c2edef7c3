"""Turning outbox rows into concrete deliveries: which chat, which text, send or edit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from bot.domain.actions import Template
from bot.domain.links import TicketLink
from bot.domain.notices import (
    AlbumAck,
    CardNotice,
    CreationReceipt,
    DigestNotice,
    DmFallback,
    EventNotice,
    Notice,
    NoticePayload,
    PlatformMessage,
    WebhookNotice,
    chat_destination,
    chat_of,
    from_json,
    to_json,
)
from bot.domain.people import Person, Team
from bot.domain.platform import ReplyOption
from bot.domain.ticket import Ticket
from bot.i18n import Catalogs, Markup, Texts
from bot.rendering.callbacks import Verb, encode
from bot.rendering.lead import digest
from bot.rendering.messages import Button, Message
from bot.rendering.notices import render_notice
from bot.rendering.render import Renderer, language_of, mention, name_of, tag
from bot.services.directory import Directory
from bot.services.platform_side import PLATFORM_KIND
from storage.delivery import OutboxRow
from storage.transaction import Transaction


@dataclass(frozen=True, slots=True)
class TelegramDelivery:
    """Send `message` to `chat_id`, or edit `edit_message_id` there (a card kept up to date)."""

    row: OutboxRow
    chat_id: int
    message: Message
    edit_message_id: int | None = None
    #: Remember the sent message as the card of this ticket in this chat.
    card_ticket_id: int | None = None
    #: Remember the sent message as this ticket's first escalation in this (group) chat.
    escalation_ticket_id: int | None = None
    #: For a private chat: the team group to fall back to if the user never started the bot.
    fallback_team_id: int | None = None


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    row: OutboxRow
    url: str
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PlatformDelivery:
    """A reply or an appeal for a platform's reply_url."""

    row: OutboxRow
    message: PlatformMessage


@dataclass(frozen=True, slots=True)
class Skipped:
    """Nothing to send any more (the ticket is gone): recorded as delivered."""

    row: OutboxRow
    reason: str


Delivery = TelegramDelivery | WebhookDelivery | PlatformDelivery | Skipped


@dataclass
class Facts:
    """Everything rendering a batch needs, read in one transaction."""

    teams: dict[int, Team] = field(default_factory=dict)
    people: dict[int, Person] = field(default_factory=dict)
    admins: dict[int, list[int]] = field(default_factory=dict)
    tickets: dict[int, Ticket] = field(default_factory=dict)
    cards: dict[tuple[int, int], int] = field(default_factory=dict)
    #: (ticket, group) → the message of the ticket's first escalation there.
    escalations: dict[tuple[int, int], int] = field(default_factory=dict)
    evidence: dict[int, int] = field(default_factory=dict)
    albums: dict[str, int] = field(default_factory=dict)
    #: Ticket id → the thread of its forum topic, for tickets that have one.
    topics: dict[int, int] = field(default_factory=dict)
    #: A platform's reply options, for the cards of its tickets.
    options: dict[int, tuple[ReplyOption, ...]] = field(default_factory=dict)


def _user_ids(notice: NoticePayload) -> Iterable[int]:
    """Everyone a notice names, so their names are read with the batch."""
    if isinstance(notice, EventNotice):
        details = notice.event.payload
        candidates: tuple[object, ...] = (
            notice.ticket.creator_id,
            notice.ticket.assignee_id,
            notice.event.actor_id,
            details.get("from"),
            details.get("to"),
            details.get("requested_by"),
            details.get("assignee_id"),
        )
    elif isinstance(notice, DmFallback):
        candidates = (notice.user_id,)
        if notice.original is not None:
            candidates += tuple(_user_ids(from_json(notice.original)))
    elif isinstance(notice, AlbumAck):
        candidates = (notice.user_id,)
    elif isinstance(notice, CardNotice):
        candidates = (notice.actor_id,)
    else:
        candidates = ()
    return (value for value in candidates if isinstance(value, int))


def _ticket_id(notice: NoticePayload) -> int | None:
    """The ticket whose current state the message shows (cards, receipts, fallbacks)."""
    if isinstance(notice, CardNotice | AlbumAck | DmFallback | CreationReceipt):
        return notice.ticket_id
    return None


#: Notices that stay in the group's General topic even for a ticket with its own topic.
_GENERAL: Final = frozenset({Template.CREATED, Template.ESCALATED})


def _escalation_in_group(notice: NoticePayload, chat_id: int | None) -> int | None:
    """The ticket of an escalation notice to a group chat (None for anything else)."""
    if not isinstance(notice, EventNotice) or notice.template is not Template.ESCALATED:
        return None
    if chat_id is None or chat_id >= 0:
        return None
    return notice.ticket.ticket_id


def _topic_ticket(row: OutboxRow) -> int | None:
    """The ticket whose topic a group-bound row belongs in (None: General, or no group)."""
    chat_id = chat_of(row.destination)
    if chat_id is None or chat_id > 0:
        return None
    notice = row.notice
    if isinstance(notice, CreationReceipt):
        return None  # where the reply it stands in for would have been: beside the command
    if isinstance(notice, EventNotice):
        return None if notice.template in _GENERAL else notice.ticket.ticket_id
    return _ticket_id(notice)


def _in_topic(delivery: Delivery, facts: Facts) -> Delivery:
    if not isinstance(delivery, TelegramDelivery):
        return delivery
    ticket_id = _topic_ticket(delivery.row)
    thread_id = facts.topics.get(ticket_id) if ticket_id is not None else None
    if thread_id is None:
        return delivery
    return replace(delivery, message=replace(delivery.message, thread_id=thread_id))


class Planner:
    """Renders outbox rows; reads what it needs in one transaction per batch."""

    def __init__(
        self,
        directory: Directory,
        renderer: Renderer,
        catalogs: Catalogs,
        *,
        bot_username: Callable[[], str] = lambda: "",
    ) -> None:
        self._directory = directory
        self._renderer = renderer
        self._catalogs = catalogs
        self._bot_username = bot_username

    def load(self, tx: Transaction, rows: list[OutboxRow]) -> Facts:
        facts = Facts()
        team_ids = {row.team_id for row in rows if row.team_id is not None}
        user_ids: set[int] = set()
        for team_id in team_ids:
            team_and_admins = tx.people.team_and_admins(team_id)
            if team_and_admins is not None:
                facts.teams[team_id], facts.admins[team_id] = team_and_admins
            # Notices name their own team's supervisors (`supervisors`), not other teams'.
            user_ids.update(self._directory.supervisors_of(team_id))
        for row in rows:
            notice = row.notice
            user_ids.update(_user_ids(notice))
            chat_id = chat_of(row.destination)
            if chat_id is not None and chat_id > 0:
                user_ids.add(chat_id)
            ticket_id = _ticket_id(notice)
            found = tx.tickets.for_card(ticket_id, chat_id) if ticket_id else None
            if ticket_id and found is not None:
                ticket = found.ticket
                facts.tickets[ticket_id] = ticket
                user_ids.update(
                    uid for uid in (ticket.creator_id, ticket.assignee_id) if uid is not None
                )
                facts.evidence[ticket_id] = found.evidence_count
                platform = ticket.kind == PLATFORM_KIND
                link = tx.platform.of_ticket(ticket_id) if platform else None
                if link is not None:
                    facts.options[ticket_id] = link.options
                if chat_id is not None and found.card_message_id is not None:
                    facts.cards[(ticket_id, chat_id)] = found.card_message_id
            first = _escalation_in_group(notice, chat_id)
            if first is not None and chat_id is not None:
                message_id = tx.escalations.message_id(first, chat_id)
                if message_id is not None:
                    facts.escalations[(first, chat_id)] = message_id
            if isinstance(notice, AlbumAck):
                group = str(notice.media_group_id)
                facts.albums[group] = len(tx.evidence.of_media_group(group))
        facts.topics = tx.topics.threads(
            ticket_id for row in rows if (ticket_id := _topic_ticket(row)) is not None
        )
        for admins in facts.admins.values():
            user_ids.update(admins)
        facts.people = tx.people.people(user_ids)
        return facts

    def _texts(self, team: Team, chat_id: int, people: Mapping[int, Person]) -> Texts:
        private = chat_id > 0
        return self._catalogs[language_of(people.get(chat_id), team.language, private=private)]

    def supervisors(self, team_id: int, facts: Facts) -> list[int]:
        profile = self._directory.team(team_id)
        ids = set(profile.supervisors)
        if profile.settings.admins_are_supervisors:
            ids.update(facts.admins.get(team_id, []))
        return sorted(ids)

    def plan(self, rows: list[OutboxRow], facts: Facts, now: datetime) -> list[Delivery]:
        return [_in_topic(self._plan(row, facts, now), facts) for row in rows]

    def _plan(self, row: OutboxRow, facts: Facts, now: datetime) -> Delivery:
        notice = row.notice
        if isinstance(notice, WebhookNotice):
            return WebhookDelivery(row, row.destination.partition(":")[2], dict(notice.body))
        if isinstance(notice, PlatformMessage):
            return PlatformDelivery(row, notice)
        chat_id = chat_of(row.destination)
        team = facts.teams.get(row.team_id or -1)
        if chat_id is None or team is None:
            return Skipped(row, f"no chat or team for {row.destination}")
        texts = self._texts(team, chat_id, facts.people)
        zone = team.zone
        fallback = team.id if chat_id > 0 else None
        if isinstance(notice, CardNotice):
            ticket = facts.tickets.get(notice.ticket_id)
            if ticket is None or ticket.id is None:
                return Skipped(row, "ticket no longer exists")
            if chat_id < 0:
                return self._group_card(row, chat_id, ticket, team, facts, texts, now)
            message = self._renderer.card(
                ticket,
                chat_id,
                facts.people,
                texts,
                zone,
                now,
                facts.evidence.get(ticket.id, 0),
                options=facts.options.get(ticket.id, ()),
            )
            if notice.resend:
                nudge = texts(
                    "notice.nudged" if notice.text else "notice.nudged_plain",
                    who=name_of(facts.people, notice.actor_id, texts),
                    text=notice.text or "",
                )
                message = replace(message, text=Markup(f"{nudge}\n\n{message.text}"))
            return TelegramDelivery(
                row,
                chat_id,
                message,
                edit_message_id=None if notice.resend else facts.cards.get((ticket.id, chat_id)),
                card_ticket_id=ticket.id,
                fallback_team_id=fallback,
            )
        if isinstance(notice, AlbumAck):
            ticket = facts.tickets.get(notice.ticket_id)
            if ticket is None:
                return Skipped(row, "ticket no longer exists")
            count = facts.albums.get(str(notice.media_group_id), 0)
            text = texts("notice.album_ack", count=count, tag=tag(ticket.number))
            # Like a single file's receipt, it offers Finish: the evidence step stays open.
            finish = Button(texts("button.finish"), encode(Verb.FINISH, ticket.id))
            return TelegramDelivery(row, chat_id, Message(text, ((finish,),)))
        if isinstance(notice, DigestNotice):
            message = digest(self._renderer, notice, team.name, texts, zone, now)
            return TelegramDelivery(row, chat_id, message)
        if isinstance(notice, CreationReceipt):
            if notice.ticket_id not in facts.tickets:
                return Skipped(row, "ticket no longer exists")
            return TelegramDelivery(
                row, chat_id, Message(texts("notice.receipt", tag=tag(notice.number)))
            )
        if isinstance(notice, DmFallback):
            message = self._fallback(notice, team, facts, texts, now)
            card_of = notice.ticket_id if notice.original is None else None
            if card_of is None:
                return TelegramDelivery(row, chat_id, message)
            ticket = facts.tickets.get(card_of)
            if ticket is not None and ticket.assignee_id != notice.user_id:
                # A former assignee's card: the group's card follows the ticket, not them.
                return Skipped(row, "the refused card is no longer its user's")
            # A refused card becomes the ticket's card in the group: redrawn in place later.
            return TelegramDelivery(
                row,
                chat_id,
                message,
                edit_message_id=None if notice.resend else facts.cards.get((card_of, chat_id)),
                card_ticket_id=card_of,
            )
        message = render_notice(
            self._renderer,
            notice,
            facts.people,
            texts,
            zone,
            self.supervisors(team.id, facts),
            now,
        )
        if chat_id < 0 and not message.buttons:
            message = self._with_open(message, team.id, notice.ticket.number, texts)
        first = _escalation_in_group(notice, chat_id)
        if first is not None:
            if int(notice.event.payload.get("level", 1)) > 1:
                # Escalated again: an answer to the first escalation, not a new thread of it.
                message = replace(message, reply_to=facts.escalations.get((first, chat_id)))
            else:
                # The first escalation is remembered, so that later ones can answer it.
                return TelegramDelivery(row, chat_id, message, escalation_ticket_id=first)
        return TelegramDelivery(row, chat_id, message, fallback_team_id=fallback)

    def _group_card(
        self,
        row: OutboxRow,
        chat_id: int,
        ticket: Ticket,
        team: Team,
        facts: Facts,
        texts: Texts,
        now: datetime,
    ) -> Delivery:
        """Redraw a ticket's card in the group (where it went because its assignee had not
        started the bot): the call while they cannot be written to, else the summary."""
        card_id = facts.cards.get((ticket.id or 0, chat_id))
        if card_id is None:
            return Skipped(row, "no card of the ticket in the group")
        assignee = facts.people.get(ticket.assignee_id or 0)
        if assignee is not None and assignee.dm_open is False:
            fallback = DmFallback(assignee.id, ticket.number, ticket.id, "", self._bot_username())
            message = self._fallback(fallback, team, facts, texts, now)
        else:
            summary = self._renderer.summary(ticket, facts.people, texts, team.zone, now)
            message = Message(summary)
        return TelegramDelivery(
            row, chat_id, message, edit_message_id=card_id, card_ticket_id=ticket.id
        )

    def _with_open(self, message: Message, team_id: int, number: int, texts: Texts) -> Message:
        """A group notice without buttons of its own carries an "Open" button: the ticket's
        deep link into private chat (a notice asking for a decision keeps just its choices)."""
        username = self._bot_username()
        if not username:
            return message
        url = TicketLink(team_id, number).url(username)
        return replace(
            message, buttons=(*message.buttons, (Button(texts("button.open_ticket"), url=url),))
        )

    def _fallback(
        self, notice: DmFallback, team: Team, facts: Facts, texts: Texts, now: datetime
    ) -> Message:
        """The group message for a user the bot cannot write to: a mention, what it was about
        (in the group's language), and a button that opens the bot (its /start then delivers
        their pending cards in private)."""
        number = notice.number
        ticket = facts.tickets.get(notice.ticket_id or 0)
        if number is None and ticket is not None:
            number = ticket.number
        text = texts(
            "notice.dm_fallback",
            user=mention(facts.people, notice.user_id, texts),
            tag=tag(number) if number else Markup(""),
        )
        original = from_json(notice.original) if notice.original is not None else None
        if ticket is not None:
            summary = self._renderer.summary(ticket, facts.people, texts, team.zone, now)
            text = Markup(f"{text}\n\n{summary}")
        elif isinstance(original, EventNotice):
            refused = render_notice(
                self._renderer,
                original,
                facts.people,
                texts,
                team.zone,
                self.supervisors(team.id, facts),
                now,
            )
            text = Markup(f"{text}\n\n{refused.text}")
        elif notice.text:
            text = Markup(f"{text}\n\n{notice.text}")
        url = f"https://t.me/{notice.bot_username}?start=cards"
        return Message(text, ((Button(texts("button.open_bot"), url=url),),))


def fallback_notice(
    row: OutboxRow, user_id: int, message: Message, bot_username: str, group_chat_id: int
) -> Notice:
    """The outbox row that takes a refused DM to the team's group."""
    notice = row.notice
    number = notice.ticket.number if isinstance(notice, EventNotice) else None
    return Notice(
        chat_destination(group_chat_id),
        DmFallback(
            user_id,
            number,
            _ticket_id(notice),
            message.text,
            bot_username,
            original=to_json(notice) if isinstance(notice, EventNotice) else None,
            resend=isinstance(notice, CardNotice) and notice.resend,
        ),
    )
