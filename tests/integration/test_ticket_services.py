"""Ticket use cases on real SQLite and PostgreSQL: numbering, races, events and the outbox."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import ColumnElement, Table, func, select

from bot.domain.changes import ChangeTicket, TicketRef
from bot.domain.commands import CreateTicket, UserRef
from bot.domain.errors import Conflict, NotFound, Refused
from bot.domain.model import Action, EventType, Role, Status
from bot.services.tickets import Acted, Created, DuplicateFound
from storage.database import Database
from storage.tables import events, outbox, tickets
from tests.support.clock import FakeClock
from tests.support.world import (
    AGENT,
    ASSIGNEE,
    OTHER_ASSIGNEE,
    OUTSIDER,
    SUPERVISOR,
    act,
    build_world,
    chat_origin,
)


async def _count(db: Database, table: Table, *where: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(table).where(*where)
    return await db.read(lambda tx: int(tx.connection.execute(query).scalar_one()))


async def test_creating_writes_ticket_event_and_assignee_card(
    db: Database, clock: FakeClock
) -> None:
    world = await build_world(db, clock)

    ticket = await world.create()

    assert ticket.number == 1
    assert ticket.status is Status.OPEN
    assert ticket.assignee_id == ASSIGNEE.id
    assert ticket.due_at == clock.now() + timedelta(hours=24)
    assert await _count(db, events, events.c.type == EventType.CREATED.value) == 1
    rows = await db.read(lambda tx: tx.outbox.rows())
    assert [(row.destination, row.payload["template"]) for row in rows] == [
        (f"chat:{ASSIGNEE.id}", "card")
    ]


async def test_duplicate_order_and_kind_asks_for_confirmation_and_writes_nothing(
    db: Database, clock: FakeClock
) -> None:
    world = await build_world(db, clock)
    first = await world.create("TB1001")
    command = CreateTicket("TB1001", "aftersale", None, "again")

    warned = await world.services.tickets.create(
        command, chat_origin(world.actor(AGENT), in_group=True)
    )

    assert warned == DuplicateFound(first.number)
    assert await _count(db, tickets) == 1
    confirmed = await world.services.tickets.create(
        command, chat_origin(world.actor(AGENT), in_group=True), confirmed=True
    )
    assert isinstance(confirmed, Created)
    assert confirmed.ticket.number == 2


async def test_unknown_assignee_is_not_found_and_leaves_no_half_ticket(
    db: Database, clock: FakeClock
) -> None:
    world = await build_world(db, clock)
    command = CreateTicket("TB1", "aftersale", UserRef(username="nobody_here"), "x")

    with pytest.raises(NotFound) as raised:
        await world.services.tickets.create(command, chat_origin(world.actor(AGENT), in_group=True))

    assert raised.value.key == "notfound.member"
    assert await _count(db, tickets) == 0
    assert await _count(db, outbox) == 0


async def test_fifty_concurrent_creations_get_fifty_consecutive_numbers(
    db: Database, clock: FakeClock
) -> None:
    world = await build_world(db, clock)

    created = await asyncio.gather(
        *(world.create(f"TB{index:05d}", assignee=None) for index in range(50))
    )

    assert sorted(ticket.number for ticket in created) == list(range(1, 51))
    assert await _count(db, events) == 50


async def test_cancel_racing_outcome_has_one_winner_and_a_clear_conflict(
    db: Database, clock: FakeClock
) -> None:
    world = await build_world(db, clock)
    ticket = await world.create()
    service = world.services.tickets

    # The supervisor confirms the cancel and the assignee presses Agreed on the same version of
    # the ticket at the same moment (buttons carry the version they were shown with).
    seen = TicketRef(ticket.number, seen=ticket.stamp)
    results = await asyncio.gather(
        service.execute(
            ChangeTicket(seen, Action.CANCEL, "duplicate order"),
            chat_origin(world.actor(SUPERVISOR)),
        ),
        service.execute(ChangeTicket(seen, Action.AGREE), chat_origin(world.actor(ASSIGNEE))),
        return_exceptions=True,
    )

    winners = [r for r in results if isinstance(r, Acted)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert isinstance(losers[0], Conflict)
    assert losers[0].key == "error.conflict"
    details = await world.services.queries.show(world.actor(SUPERVISOR), number=ticket.number)
    assert [entry.event.type for entry in details.timeline] == [
        EventType.CREATED,
        winners[0].event.type,
    ]
    assert details.ticket.status is winners[0].ticket.status


async def test_a_stale_write_is_refused_by_the_version_column(
    db: Database, clock: FakeClock
) -> None:
    world = await build_world(db, clock)
    ticket = await world.create()
    await act(world.services, world.actor(ASSIGNEE), Action.ACKNOWLEDGE, number=ticket.number)

    with pytest.raises(Conflict):
        await db.transact(lambda tx: tx.tickets.save(ticket, expected_version=ticket.version))


async def test_agent_cannot_cancel_only_request(db: Database, clock: FakeClock) -> None:
    world = await build_world(db, clock)
    ticket = await world.create()

    with pytest.raises(Refused):
        await act(
            world.services, world.actor(AGENT), Action.CANCEL, number=ticket.number, text="dup"
        )
    requested = await act(
        world.services, world.actor(AGENT), Action.REQUEST_CANCEL, number=ticket.number, text="dup"
    )
    assert requested.ticket.cancel_request is not None
    rejected = await act(
        world.services, world.actor(SUPERVISOR), Action.REJECT_CANCEL, number=ticket.number
    )
    assert rejected.ticket.status is Status.OPEN
    assert rejected.ticket.cancel_request is None


async def test_outsider_sees_no_ticket_of_the_team(db: Database, clock: FakeClock) -> None:
    world = await build_world(db, clock)
    ticket = await world.create()

    assert world.actor(OUTSIDER).team_role is Role.STRANGER
    with pytest.raises(Refused):
        await world.services.queries.show(world.actor(OUTSIDER), number=ticket.number)


async def test_transfer_moves_the_card_and_requires_acknowledging_again(
    db: Database, clock: FakeClock
) -> None:
    world = await build_world(db, clock)
    ticket = await world.create()
    service = world.services.tickets
    await act(world.services, world.actor(ASSIGNEE), Action.ACKNOWLEDGE, number=ticket.number)

    moved = await service.execute(
        ChangeTicket(
            TicketRef(ticket.number),
            Action.TRANSFER,
            "warehouse issue",
            UserRef(username=OTHER_ASSIGNEE.username),
        ),
        chat_origin(world.actor(ASSIGNEE)),
    )

    assert moved.ticket.status is Status.OPEN
    assert moved.ticket.assignee_id == OTHER_ASSIGNEE.id
    destinations = [row.destination for row in await db.read(lambda tx: tx.outbox.rows())]
    assert f"chat:{OTHER_ASSIGNEE.id}" in destinations
