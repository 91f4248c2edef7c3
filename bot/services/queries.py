"""Read-only use cases: a ticket with its timeline, the to-do lists, stats and export rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.domain.changes import TicketRef
from bot.domain.commands import UserRef
from bot.domain.errors import NotFound
from bot.domain.exports import ExportFacts
from bot.domain.model import Kind, TeamAction
from bot.domain.people import Person, Team
from bot.domain.permissions import Actor, require_team
from bot.domain.ticket import Ticket
from bot.domain.views import EvidenceItem, TicketStats, TimelineEntry
from bot.services.directory import Directory
from bot.services.lookups import load_ticket, member_id
from storage.database import Database
from storage.tickets import TicketRepository, ticket_from_row
from storage.transaction import Transaction

#: Payload keys of events that name users (shown by name on the timeline).
_PEOPLE_KEYS = ("from", "to", "requested_by", "assignee_id")


@dataclass(frozen=True, slots=True)
class TicketDetails:
    ticket: Ticket
    kind: Kind
    timeline: list[TimelineEntry]
    evidence: list[EvidenceItem]
    people: dict[int, Person]


@dataclass(frozen=True, slots=True)
class TicketList:
    tickets: list[Ticket]
    people: dict[int, Person]
    total: int | None = None


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of inline search: tickets of the user's teams, and where the next page starts."""

    tickets: list[Ticket]
    people: dict[int, Person]
    teams: dict[int, Team]
    next_offset: int | None


def _listed(tx: Transaction, tickets: list[Ticket], total: int | None = None) -> TicketList:
    ids = {t.creator_id for t in tickets} | {t.assignee_id for t in tickets if t.assignee_id}
    return TicketList(tickets, tx.people.people(ids), total)


class QueryService:
    def __init__(self, database: Database, clock: Clock, directory: Directory) -> None:
        self._db = database
        self._clock = clock
        self._directory = directory

    async def ticket(
        self, actor: Actor, *, number: int | None = None, ticket_id: int | None = None
    ) -> Ticket:
        require_team(actor, TeamAction.VIEW)
        return await self._db.read(lambda tx: load_ticket(tx, actor, TicketRef(number, ticket_id)))

    async def show(
        self, actor: Actor, *, number: int | None = None, ticket_id: int | None = None
    ) -> TicketDetails:
        require_team(actor, TeamAction.VIEW)

        def body(tx: Transaction) -> TicketDetails:
            ticket = load_ticket(tx, actor, TicketRef(number, ticket_id))
            assert ticket.id is not None
            timeline = tx.events.timeline(ticket.id)
            ids = {ticket.creator_id}
            if ticket.assignee_id is not None:
                ids.add(ticket.assignee_id)
            for entry in timeline:
                if entry.event.actor_id is not None:
                    ids.add(entry.event.actor_id)
                ids.update(
                    value
                    for key in _PEOPLE_KEYS
                    if isinstance(value := entry.event.payload.get(key), int)
                )
            return TicketDetails(
                ticket,
                self._directory.kind_or_default(ticket.kind),
                timeline,
                tx.evidence.of_ticket(ticket.id),
                tx.people.people(ids),
            )

        return await self._db.read(body)

    async def open_duplicate(self, actor: Actor, order_id: str, kind: str) -> int | None:
        """The number of an open ticket of the team for this order and kind, if any."""
        require_team(actor, TeamAction.VIEW)
        return await self._db.read(
            lambda tx: tx.tickets.open_duplicate(actor.team_id, order_id, kind)
        )

    async def card(self, actor: Actor, ticket_id: int) -> tuple[Ticket, dict[int, Person], int]:
        """A ticket with the names and evidence count its card shows."""
        require_team(actor, TeamAction.VIEW)

        def body(tx: Transaction) -> tuple[Ticket, dict[int, Person], int]:
            ticket = load_ticket(tx, actor, TicketRef(ticket_id=ticket_id))
            ids = {ticket.creator_id} | ({ticket.assignee_id} if ticket.assignee_id else set())
            if ticket.cancel_request is not None:
                ids.add(ticket.cancel_request.requested_by)
            return ticket, tx.people.people(ids), tx.evidence.count(ticket_id)

        return await self._db.read(body)

    async def ticket_of_topic(self, actor: Actor, chat_id: int, thread_id: int) -> int | None:
        """The ticket of the actor's team whose forum topic this is, if any."""
        require_team(actor, TeamAction.VIEW)
        found = await self._db.read(lambda tx: tx.topics.ticket_of(chat_id, thread_id))
        if found is None:
            return None
        ticket = await self.ticket(actor, ticket_id=found)
        return ticket.id

    async def search(self, user_id: int, text: str, *, offset: int, limit: int) -> SearchPage:
        """Inline search across the user's own teams only: tickets by order id prefix, number
        or text; an empty text lists their own to-do. `limit` per page."""
        directory = self._directory

        def body(tx: Transaction) -> SearchPage:
            teams = {
                m.team.id: m.team
                for m in tx.people.memberships(user_id)
                if directory.by_chat(m.team.chat_id) is not None
            }
            if text.strip():
                found = tx.search.find(teams, text, offset=offset, limit=limit + 1)
            else:
                found = tx.search.to_do(teams, user_id, offset=offset, limit=limit + 1)
            more = len(found) > limit
            listed = _listed(tx, found[:limit])
            return SearchPage(
                listed.tickets, listed.people, teams, offset + limit if more else None
            )

        return await self._db.read(body)

    async def ticket_of_album(self, actor: Actor, media_group_id: str) -> int | None:
        """The ticket an album's first files went to (its later files carry no caption)."""
        items = await self._db.read(lambda tx: tx.evidence.of_media_group(media_group_id))
        mine = [item for item in items if item.uploader_id == actor.user_id]
        return mine[0].ticket_id if mine else None

    async def mine(self, actor: Actor) -> TicketList:
        require_team(actor, TeamAction.VIEW)
        user_id = actor.user_id or 0
        return await self._db.read(
            lambda tx: _listed(tx, tx.tickets.assigned_to(actor.team_id, user_id))
        )

    async def created(self, actor: Actor) -> TicketList:
        require_team(actor, TeamAction.VIEW)
        user_id = actor.user_id or 0
        return await self._db.read(
            lambda tx: _listed(tx, tx.tickets.created_by(actor.team_id, user_id))
        )

    async def pending(
        self, actor: Actor, *, assignee: UserRef | None = None, kind: str | None = None
    ) -> TicketList:
        require_team(actor, TeamAction.LIST_PENDING)

        def body(tx: Transaction) -> TicketList:
            assignee_id = member_id(tx, actor.team_id, assignee) if assignee else None
            tickets = tx.tickets.pending(actor.team_id, assignee_id=assignee_id, kind=kind)
            total = tx.tickets.count_pending(actor.team_id, assignee_id=assignee_id, kind=kind)
            return _listed(tx, tickets, total)

        return await self._db.read(body)

    async def by_order(self, actor: Actor, order_id: str) -> TicketList:
        require_team(actor, TeamAction.VIEW)
        found = await self._db.read(
            lambda tx: _listed(tx, tx.tickets.by_order(actor.team_id, order_id))
        )
        if not found.tickets:
            raise NotFound("notfound.order", order_id=order_id)
        return found

    async def stats(
        self, actor: Actor, period: timedelta | None
    ) -> tuple[TicketStats, dict[int, Person]]:
        require_team(actor, TeamAction.STATS)
        since = self._clock.now() - period if period else None

        def body(tx: Transaction) -> tuple[TicketStats, dict[int, Person]]:
            stats = tx.tickets.stats(actor.team_id, since)
            return stats, tx.people.people(a for a in stats.by_assignee if a is not None)

        return await self._db.read(body)

    async def export(self, actor: Actor, period: timedelta | None) -> AsyncIterator[list[Ticket]]:
        """The team's tickets (created since `period` ago) in batches, never all in memory."""
        require_team(actor, TeamAction.EXPORT)
        since = self._clock.now() - period if period else None
        query = TicketRepository.export_query(actor.team_id, since)
        async for rows in self._db.stream(query):
            yield [ticket_from_row(row) for row in rows]

    async def member(self, actor: Actor, ref: UserRef) -> int:
        """The id of the team's member `ref` names (NotFound otherwise)."""
        require_team(actor, TeamAction.VIEW)
        return await self._db.read(lambda tx: member_id(tx, actor.team_id, ref))

    async def export_facts(self, actor: Actor, tickets: list[Ticket]) -> dict[int, ExportFacts]:
        """What an export adds to a batch of the team's tickets (ruling, appeal, counts, times)."""
        require_team(actor, TeamAction.EXPORT)
        ids = [t.id for t in tickets if t.id is not None and t.team_id == actor.team_id]
        return await self._db.read(lambda tx: tx.events.export_facts(ids))

    async def people(self, user_ids: set[int]) -> dict[int, Person]:
        return await self._db.read(lambda tx: tx.people.people(user_ids))
