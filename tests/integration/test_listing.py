"""The team's ticket lists on SQLite and PostgreSQL: filters, search, keyset pages, buckets."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.errors import UsageError
from bot.domain.listing import (
    Bucket,
    DayWindow,
    SortOrder,
    TicketFilter,
    compact_cursor,
    deadline_cursor,
    from_compact,
)
from bot.domain.model import Action, Status
from bot.domain.ticket import Ticket
from storage.database import Database
from storage.listing import page_query
from storage.plans import explain
from tests.support.clock import FakeClock
from tests.support.world import (
    AGENT,
    ASSIGNEE,
    GROUP_CHAT_ID,
    OTHER_ASSIGNEE,
    SUPERVISOR,
    World,
    act,
    build_world,
    team_settings,
)

OTHER_GROUP = GROUP_CHAT_ID - 1


def _two_teams() -> object:
    team = {
        "chat_id": OTHER_GROUP,
        "name": "Other shop",
        "language": "en",
        "supervisors": [SUPERVISOR.id],
        "admins_are_supervisors": False,
    }
    settings = team_settings()
    return team_settings(teams=[settings.teams[0].model_dump(), team])


async def _numbers(world: World, wanted: TicketFilter, *, limit: int = 3) -> list[int]:
    """Every page of the list, followed cursor by cursor, as ticket numbers."""
    seen: list[int] = []
    cursor = None
    while True:
        page = await world.services.listing.search(
            world.actor(SUPERVISOR), wanted, cursor=cursor, limit=limit
        )
        seen.extend(ticket.number for ticket in page.tickets)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


async def _seven(world: World, clock: FakeClock) -> list[Ticket]:
    made = []
    for index in range(7):
        # Same deadline for pairs, so the id must break ties across page boundaries.
        if index % 2 == 0:
            clock.advance(timedelta(minutes=10))
        made.append(await world.create(f"TB{100 + index}", description=f"case {index}"))
    return made


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (SortOrder.DEADLINE, [1, 2, 3, 4, 5, 6, 7]),
        (SortOrder.NEWEST, [7, 6, 5, 4, 3, 2, 1]),
        (SortOrder.OLDEST, [1, 2, 3, 4, 5, 6, 7]),
        (SortOrder.UPDATED, [7, 5, 3, 6, 4, 2, 1]),
    ],
)
async def test_pages_follow_each_other_without_gaps_or_repeats(
    db: Database, clock: FakeClock, sort: SortOrder, expected: list[int]
) -> None:
    world = await build_world(db, clock)
    await _seven(world, clock)
    # Later notes on 3, 5 and 7 make them the most recently updated; the rest tie in pairs,
    # broken by id, newest first.
    clock.advance(timedelta(minutes=1))
    await act(world.services, world.actor(ASSIGNEE), Action.NOTE, number=3, text="x")
    clock.advance(timedelta(minutes=1))
    await act(world.services, world.actor(ASSIGNEE), Action.NOTE, number=5, text="x")
    clock.advance(timedelta(minutes=1))
    await act(world.services, world.actor(ASSIGNEE), Action.NOTE, number=7, text="x")

    assert await _numbers(world, TicketFilter(sort=sort)) == expected
    page = await world.services.listing.search(
        world.actor(SUPERVISOR), TicketFilter(sort=sort), limit=3
    )
    assert page.total == 7
    assert len(page.tickets) == 3


async def test_search_finds_by_number_order_prefix_and_description(
    db: Database, clock: FakeClock
) -> None:
    world = await build_world(db, clock)
    await world.create("TB1001", description="Cup arrived BROKEN")
    await world.create("TB2002", description="客户说收到的杯子碎了")
    await world.create("JD3003", description="100% refund asked")

    async def found(text: str) -> list[int]:
        return await _numbers(world, TicketFilter(text=text, sort=SortOrder.OLDEST))

    assert await found("T2") == [2]
    assert await found("#T3") == [3]
    assert await found("tb") == [1, 2]
    assert await found("TB10") == [1]
    assert await found("broken") == [1]
    assert await found("杯子") == [2]
    # LIKE's wildcards are searched for literally.
    assert await found("100%") == [3]
    assert await found("_") == []
    # Digits are a number and an order prefix at once.
    assert await found("3") == [3]


async def test_filters_narrow_by_kind_people_status_and_dates(
    db: Database, clock: FakeClock
) -> None:
    world = await build_world(db, clock)
    start = clock.now()
    await world.create("TB1", kind="aftersale")
    clock.advance(timedelta(hours=2))
    await world.create("TB2", kind="shipping", assignee=OTHER_ASSIGNEE, by=SUPERVISOR)
    clock.advance(timedelta(hours=2))
    await world.create("TB3", kind="task", assignee=None)
    await act(world.services, world.actor(ASSIGNEE), Action.AGREE, number=1)

    async def found(**fields: object) -> list[int]:
        wanted = TicketFilter(sort=SortOrder.OLDEST, **fields)  # type: ignore[arg-type]
        return await _numbers(world, wanted)

    assert await found(kinds=frozenset({"shipping", "task"})) == [2, 3]
    assert await found(assignee_id=OTHER_ASSIGNEE.id) == [2]
    assert await found(unassigned=True) == [3]
    assert await found(creator_id=SUPERVISOR.id) == [2]
    assert await found(statuses=frozenset({Status.RESOLVED})) == [1]
    assert await found(created_from=start + timedelta(hours=1)) == [2, 3]
    assert await found(created_to=start + timedelta(hours=3)) == [1, 2]


async def test_buckets_place_each_ticket_by_its_deadline_and_state(
    db: Database, clock: FakeClock
) -> None:
    world = await build_world(db, clock)
    t0 = clock.now()  # 2026-11-02 01:00 UTC, 09:00 in Shanghai; aftersale is due in 24 h
    await world.create("TB1")  # due t0+24h: overdue at the moment below
    clock.set(t0 + timedelta(hours=2))
    await world.create("TB2")  # due t0+26h: within the hour
    clock.set(t0 + timedelta(hours=12))
    await world.create("TB3")  # due t0+36h = 21:00 Shanghai the next day: today
    clock.set(t0 + timedelta(hours=20))
    await world.create("TB4", assignee=None)  # due t0+44h, after midnight Shanghai: later
    await world.create("TB5")
    await world.create("TB6")
    now = t0 + timedelta(hours=25, minutes=30)
    clock.set(now - timedelta(minutes=5))
    supervisor, assignee = world.actor(SUPERVISOR), world.actor(ASSIGNEE)
    await act(world.services, world.actor(AGENT), Action.REQUEST_CANCEL, number=2, text="dup")
    await act(world.services, assignee, Action.DISAGREE, number=5)
    await act(world.services, assignee, Action.DISAGREE, number=6)
    await act(world.services, supervisor, Action.RULE, number=6, text="shop pays")
    await act(world.services, supervisor, Action.APPEAL, number=6, text="photos show otherwise")
    clock.set(now)

    counts = await world.services.listing.bucket_counts(supervisor)

    assert counts == {
        Bucket.OVERDUE: 1,
        Bucket.DUE_WITHIN_HOUR: 1,
        Bucket.DUE_TODAY: 1,
        Bucket.LATER: 1,
        Bucket.UNASSIGNED: 1,
        Bucket.CANCEL_REQUESTED: 1,
        Bucket.ESCALATED: 1,
        Bucket.APPEALED: 1,
        Bucket.RESOLVED_TODAY: 0,
    }
    for bucket, number in [
        (Bucket.OVERDUE, 1),
        (Bucket.DUE_WITHIN_HOUR, 2),
        (Bucket.DUE_TODAY, 3),
        (Bucket.LATER, 4),
        (Bucket.UNASSIGNED, 4),
        (Bucket.ESCALATED, 5),
        (Bucket.APPEALED, 6),
    ]:
        assert await _numbers(world, TicketFilter(bucket=bucket)) == [number], bucket
    await act(world.services, assignee, Action.AGREE, number=3)
    counts = await world.services.listing.bucket_counts(supervisor)
    assert (counts[Bucket.DUE_TODAY], counts[Bucket.RESOLVED_TODAY]) == (0, 1)
    # An assignee's own view counts only what is assigned to them (4 has nobody).
    own = await world.services.listing.bucket_counts(assignee)
    assert own[Bucket.LATER] == 0
    assert own[Bucket.OVERDUE] == 1


async def test_another_teams_tickets_never_appear(db: Database, clock: FakeClock) -> None:
    world = await build_world(db, clock, _two_teams())  # type: ignore[arg-type]
    await world.create("TB1")
    session = await world.services.people.in_group(OTHER_GROUP, SUPERVISOR)
    assert session is not None
    other = session.actor

    page = await world.services.listing.search(other, TicketFilter(text="TB1"))
    counts = await world.services.listing.bucket_counts(other)

    assert page.tickets == []
    assert page.total == 0
    assert set(counts.values()) == {0}


async def test_a_cursor_not_handed_out_by_the_list_is_a_usage_error(
    db: Database, clock: FakeClock
) -> None:
    world = await build_world(db, clock)
    await _seven(world, clock)
    supervisor = world.actor(SUPERVISOR)
    page = await world.services.listing.search(supervisor, TicketFilter(), limit=2)
    assert page.next_cursor is not None

    with pytest.raises(UsageError):
        await world.services.listing.search(supervisor, TicketFilter(), cursor="garbage!")
    with pytest.raises(UsageError):
        # A deadline-order cursor cannot continue a newest-first list.
        await world.services.listing.search(
            supervisor, TicketFilter(sort=SortOrder.NEWEST), cursor=page.next_cursor
        )


async def test_the_deadline_list_reads_the_team_index(db: Database, clock: FakeClock) -> None:
    if db.backend != "sqlite":
        pytest.skip("PostgreSQL plans empty tables by cost ties; test_storage covers it")
    world = await build_world(db, clock)
    window = DayWindow.at(clock.now(), world.services.directory.team(world.team.id).settings.zone)
    query = page_query(
        world.team.id,
        TicketFilter(statuses=frozenset({Status.OPEN, Status.IN_PROGRESS})),
        window,
        after=None,
        limit=50,
    )

    plan = await db.read(lambda tx: explain(tx.connection, query, {}))

    # The team's deadline order is read from its index, so no sort of every ticket (0013).
    assert "ix_tickets_team_id_due_at_id" in plan
    assert "TEMP B-TREE" not in plan


async def test_a_page_back_by_a_compact_cursor_is_the_page_before(
    db: Database, clock: FakeClock
) -> None:
    """The chat's ◀: keyset backwards from a button's compact cursor, ties broken by id."""
    world = await build_world(db, clock)
    await _seven(world, clock)
    actor = world.actor(SUPERVISOR)
    wanted = TicketFilter()
    first = await world.services.listing.search(actor, wanted, limit=3)
    second = await world.services.listing.search(
        actor,
        wanted,
        limit=3,
        after=from_compact(compact_cursor(deadline_cursor(first.tickets[-1]))),
    )
    assert [t.number for t in second.tickets] == [4, 5, 6]

    back = await world.services.listing.search(
        actor,
        wanted,
        limit=3,
        before=from_compact(compact_cursor(deadline_cursor(second.tickets[0]))),
    )

    assert [t.number for t in back.tickets] == [1, 2, 3]
    assert back.next_cursor is None  # nothing before the first page
    middle = await world.services.listing.search(
        actor,
        wanted,
        limit=2,
        before=from_compact(compact_cursor(deadline_cursor(second.tickets[-1]))),
    )
    assert [t.number for t in middle.tickets] == [4, 5]
    assert middle.next_cursor is not None


async def test_an_exact_order_id_lists_that_order_only(db: Database, clock: FakeClock) -> None:
    world = await build_world(db, clock)
    await world.create("TB100", description="a")
    await world.create("TB1001", description="b")

    page = await world.services.listing.search(
        world.actor(AGENT), TicketFilter(order_id="TB100"), limit=10
    )

    assert [t.order_id for t in page.tickets] == ["TB100"]
