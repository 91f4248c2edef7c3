"""A marketplace's events as changes to tickets (through the one ticket service), and what the
platform answered to a reply or an appeal, on the ticket's timeline."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from bot.clock import Clock
from bot.config import PlatformSettings
from bot.domain.actions import Template
from bot.domain.changes import ChangeTicket, Origin, TicketRef
from bot.domain.commands import CreateTicket
from bot.domain.errors import AlreadyProcessed, NotFound, Refused
from bot.domain.model import Action, Event, EventType
from bot.domain.notices import EventNotice, EventSnapshot, Notice, PlatformMessage
from bot.domain.notifications import chat_destination, snapshot
from bot.domain.platform import (
    PLATFORM_USER_ID,
    PlatformEvent,
    PlatformLink,
    PlatformTicketCreated,
    PlatformTicketEvent,
    ReplyOption,
)
from bot.domain.ticket import Ticket
from bot.services.directory import Directory
from bot.services.platform_side import PLATFORM_KIND
from bot.services.tickets import Created, TicketService
from storage.database import Database
from storage.transaction import Transaction

log = logging.getLogger(__name__)

#: Each event type after creation, and the action it asks of the ticket.
EVENT_ACTIONS: Final = {
    "ticket.timeout": Action.ESCALATE,
    "ticket.ruled": Action.PLATFORM_RULE,
    "appeal.decided": Action.DECIDE_APPEAL,
}


class Received(StrEnum):
    """What became of one event: done, or seen before / nothing left to do (both no-ops)."""

    CREATED = "created"
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class Receipt:
    result: Received
    ticket_number: int | None = None


class PlatformService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        directory: Directory,
        tickets: TicketService,
        platforms: tuple[PlatformSettings, ...],
    ) -> None:
        self._db = database
        self._clock = clock
        self._directory = directory
        self._tickets = tickets
        self._platforms = {platform.name: platform for platform in platforms}

    def settings(self, name: str) -> PlatformSettings:
        """A configured platform; NotFound for any other name."""
        try:
            return self._platforms[name]
        except KeyError:
            raise NotFound("notfound.platform", platform=name) from None

    async def options(self, ticket: Ticket) -> tuple[ReplyOption, ...]:
        """The reply options of a platform's ticket (none for any other ticket)."""
        if ticket.kind != PLATFORM_KIND or ticket.id is None:
            return ()
        ticket_id = ticket.id
        link = await self._db.read(lambda tx: tx.platform.of_ticket(ticket_id))
        return link.options if link is not None else ()

    async def receive(self, platform: str, event_id: str, event: PlatformEvent) -> Receipt:
        """Apply one signed event once: a repeated event id changes nothing."""
        if await self._db.read(lambda tx: tx.platform.seen(platform, event_id)):
            return Receipt(Received.DUPLICATE)
        try:
            if isinstance(event, PlatformTicketCreated):
                return await self._created(platform, event_id, event)
            return await self._changed(platform, event_id, event)
        except AlreadyProcessed:
            return Receipt(Received.DUPLICATE)

    async def _created(self, platform: str, event_id: str, event: PlatformTicketCreated) -> Receipt:
        chat_id = self.settings(platform).teams.get(event.shop_id)
        profile = self._directory.by_chat(chat_id) if chat_id is not None else None
        if profile is None:
            raise NotFound("notfound.platform_shop", shop=event.shop_id)
        link = PlatformLink(platform, event.platform_ticket_id, event.shop_id, event.options)
        origin = Origin.platform(profile.team.id, platform, event_id)
        command = CreateTicket(event.order_id, PLATFORM_KIND, None, event.complaint)
        created = await self._tickets.create(
            command, origin, confirmed=True, platform=link, due_at=event.deadline
        )
        assert isinstance(created, Created)
        return Receipt(Received.CREATED, created.ticket.number)

    async def _changed(self, platform: str, event_id: str, event: PlatformTicketEvent) -> Receipt:
        def find(tx: Transaction) -> tuple[int, int] | None:
            link = tx.platform.by_platform_id(platform, event.platform_ticket_id)
            ticket = tx.tickets.by_id(link.ticket_id or 0) if link else None
            return (ticket.id or 0, ticket.team_id) if ticket else None

        found = await self._db.read(find)
        if found is None:
            raise NotFound("notfound.platform_ticket", ticket=event.platform_ticket_id)
        ticket_id, team_id = found
        details = (("verdict", event.verdict),) if event.verdict else ()
        change = ChangeTicket(
            TicketRef(ticket_id=ticket_id), EVENT_ACTIONS[event.type], event.text, details=details
        )
        origin = Origin.platform(team_id, platform, event_id)
        try:
            acted = await self._tickets.execute(change, origin)
        except Refused as refused:
            # A timeout after the reply, a ruling already recorded: nothing left to do, but the
            # event is remembered so that it stays a no-op.
            log.info("platform %s event %s on T%s: %s", platform, event_id, ticket_id, refused.key)
            now = self._clock.now()
            await self._db.transact(lambda tx: tx.platform.claim(platform, event_id, now))
            return Receipt(Received.IGNORED)
        return Receipt(Received.APPLIED, acted.ticket.number)


def record_platform_answer(
    tx: Transaction, message: PlatformMessage, error: str | None, now: datetime
) -> None:
    """What the platform answered, on the ticket's timeline; a refusal also in the assignee's
    chat (the dispatcher calls this in the transaction that settles the delivery)."""
    ticket = tx.tickets.by_id(message.ticket_id)
    if ticket is None or ticket.id is None:
        return
    payload: dict[str, object] = {"type": message.type, "accepted": error is None}
    if error is not None:
        payload["text"] = error
    event = Event(EventType.PLATFORM_ANSWERED, PLATFORM_USER_ID, now, payload)
    tx.events.append(ticket.id, ticket.team_id, event)
    if error is None or ticket.assignee_id is None:
        return
    notice = EventNotice(
        Template.PLATFORM_REFUSED,
        snapshot(ticket),
        EventSnapshot(event.type.value, event.actor_id, now.isoformat(), dict(payload)),
    )
    tx.outbox.add(ticket.team_id, [Notice(chat_destination(ticket.assignee_id), notice)], now)
