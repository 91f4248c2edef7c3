"""A common command costs the database one write transaction and nothing else: who the sender
is comes from the in-memory roster, the rest is read inside the command's own transaction,
and the update id is recorded there too (no lookup before, no record after)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest
from sqlalchemy import Select

from bot.config import DatabaseSettings
from storage.database import Body, Database
from tests.support.botworld import AGENT, ASSIGNEE, GROUP, BotWorld, settings_for, start_world
from tests.support.clock import FakeClock

T = TypeVar("T")


class CountingDatabase:
    """The database, counting the transactions (writes) and reads that reach it."""

    def __init__(self, inner: Database) -> None:
        self.inner = inner
        self.outbox_written = inner.outbox_written
        self.write_health = inner.write_health
        self.writes = 0
        self.reads = 0

    @property
    def backend(self) -> str:
        return self.inner.backend

    async def transact(self, body: Body[T]) -> T:
        self.writes += 1
        return await self.inner.transact(body)

    async def read(self, body: Body[T]) -> T:
        self.reads += 1
        return await self.inner.read(body)

    async def lookup(self, body: Body[T]) -> T:
        self.reads += 1
        return await self.inner.lookup(body)

    def stream(self, query: Select[Any], batch: int = 1000) -> Any:
        self.reads += 1
        return self.inner.stream(query, batch)

    async def migrate(self) -> str | None:
        return await self.inner.migrate()

    async def dispose(self) -> None:
        await self.inner.dispose()

    @contextmanager
    def counting(self) -> Iterator[Callable[[], tuple[int, int]]]:
        """(writes, reads) made inside the block."""
        writes, reads = self.writes, self.reads
        yield lambda: (self.writes - writes, self.reads - reads)


@pytest.fixture
async def counted(
    db: Database, clock: FakeClock, database: DatabaseSettings
) -> AsyncIterator[tuple[BotWorld, CountingDatabase]]:
    counting = CountingDatabase(db)
    world = await start_world(counting, clock, settings_for(database.url))
    yield world, counting
    await world.bot.stop()


async def _ticket_note_press(world: BotWorld, db: CountingDatabase, order: str) -> list[Any]:
    """/ticket, /note and the assignee's Acknowledge on the card; each one's (writes, reads)."""
    costs = []
    with db.counting() as cost:
        await world.send(AGENT, GROUP, f"/ticket {order} #aftersale @zhouhao_aftersale 杯子碎了")
    costs.append(("/ticket", cost()))
    number = len(await world.tickets())
    with db.counting() as cost:
        await world.send(AGENT, GROUP, f"/note T{number} 客户很着急")
    costs.append(("/note", cost()))
    await world.deliver()
    card = next(
        m
        for m in reversed(world.core.bot_messages(ASSIGNEE.id))
        if "✋ 确认接单" in world.buttons(m)
    )
    with db.counting() as cost:
        await world.press_text(ASSIGNEE, ASSIGNEE.id, card, "✋ 确认接单")
    costs.append(("press", cost()))
    return costs


async def test_ticket_note_and_a_press_are_one_write_transaction_each(
    counted: tuple[BotWorld, CountingDatabase],
) -> None:
    world, db = counted
    # The first time fills the roster (who the agent and the assignee are): cache misses.
    await _ticket_note_press(world, db, "TB20261102001")

    costs = await _ticket_note_press(world, db, "TB20261102002")

    assert costs == [("/ticket", (1, 0)), ("/note", (1, 0)), ("press", (1, 0))]
    assert [t.number for t in await world.tickets()] == [1, 2]
    assert world.core.callback_answers[-1].text == "✋ 你已确认接单 #T2。"
    assert "#T2" in world.bot_texts(GROUP)[-1]


async def test_a_redelivered_command_is_still_handled_once(
    counted: tuple[BotWorld, CountingDatabase],
) -> None:
    """No lookup before a new update does not make an old one new: a copy delivered again
    (after a restart, a webhook retry) is looked up, and changes nothing."""
    world, _ = counted
    update = await world.send(AGENT, GROUP, "/ticket TB20261102001 @zhouhao_aftersale 杯子碎了")
    said = len(world.bot_texts(GROUP))

    await world.bot.process(update)

    assert len(await world.tickets()) == 1
    assert len(world.bot_texts(GROUP)) == said


async def test_a_card_costs_its_claim_and_its_record_and_an_idle_round_one_read(
    counted: tuple[BotWorld, CountingDatabase],
) -> None:
    """The receipt the reply made unnecessary is settled by the claim, not in a write
    of its own; a round with nothing due finds out with a read and takes no write lock."""
    world, db = counted
    await world.send(AGENT, GROUP, "/ticket TB20261102001 #aftersale @zhouhao_aftersale 碎了")
    await world.deliver()
    cards = len(world.core.bot_messages(ASSIGNEE.id))
    await world.send(AGENT, GROUP, "/ticket TB20261102002 #aftersale @zhouhao_aftersale 碎了")

    with db.counting() as cost:
        delivered = await world.bot.dispatcher.deliver_once()
    card = cost()
    with db.counting() as cost:
        idle = await world.bot.dispatcher.deliver_once()

    assert delivered == 1
    assert card == (2, 0)  # the claim, which settles the receipt first; the record
    assert len(world.core.bot_messages(ASSIGNEE.id)) == cards + 1
    assert "#T2" in world.core.bot_messages(ASSIGNEE.id)[-1]["text"]
    assert (idle, cost()) == (0, (0, 1))
    # Both receipts (held back two minutes) were settled: nothing waits.
    assert await db.read(lambda tx: tx.outbox.pending()) == 0
