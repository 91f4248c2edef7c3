"""The forum topic of each ticket: wanted at creation, kept in step with the ticket's status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import Connection

from bot.domain.ticket import Ticket
from storage.tables import ticket_topics, tickets
from storage.tickets import ticket_from_row


@dataclass(frozen=True, slots=True)
class TopicState:
    """A ticket whose topic does not show it yet: what the topic shows, and the ticket now."""

    chat_id: int
    thread_id: int | None
    shown_status: str | None
    ticket: Ticket


class TopicRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def want(self, ticket_id: int, team_id: int, chat_id: int, now: datetime) -> None:
        """The new ticket gets a topic (the keeper opens it after commit)."""
        self._connection.execute(
            insert(ticket_topics).values(
                ticket_id=ticket_id,
                team_id=team_id,
                chat_id=chat_id,
                thread_id=None,
                shown_status=None,
                unavailable=False,
                leased_until=None,
                updated_at=now,
            )
        )

    def claim(
        self, now: datetime, lease_until: datetime, limit: int, *, skip_locked: bool
    ) -> list[TopicState]:
        """Lease topics to open, rename, close or reopen: never opened, or showing another
        status than their ticket's, and not leased by a live keeper.

        It compares every wanted topic with its ticket: topics are one per ticket of a forum
        team, and a round is one join over them."""
        query = (
            select(ticket_topics.c.ticket_id)
            .join(tickets, tickets.c.id == ticket_topics.c.ticket_id)
            .where(
                ticket_topics.c.unavailable.is_(False),
                or_(
                    ticket_topics.c.thread_id.is_(None),
                    ticket_topics.c.shown_status.is_(None),
                    ticket_topics.c.shown_status != tickets.c.status,
                ),
                or_(ticket_topics.c.leased_until.is_(None), ticket_topics.c.leased_until < now),
            )
            .order_by(ticket_topics.c.ticket_id)
            .limit(limit)
        )
        if skip_locked:
            query = query.with_for_update(of=ticket_topics, skip_locked=True)
        ids = list(self._connection.execute(query).scalars())
        if not ids:
            return []
        self._connection.execute(
            update(ticket_topics)
            .where(ticket_topics.c.ticket_id.in_(ids))
            .values(leased_until=lease_until)
        )
        states = (
            select(
                ticket_topics.c.chat_id,
                ticket_topics.c.thread_id,
                ticket_topics.c.shown_status,
                tickets,
            )
            .join(tickets, tickets.c.id == ticket_topics.c.ticket_id)
            .where(ticket_topics.c.ticket_id.in_(ids))
            .order_by(ticket_topics.c.ticket_id)
        )
        return [
            TopicState(row["chat_id"], row["thread_id"], row["shown_status"], ticket_from_row(row))
            for row in self._connection.execute(states).mappings()
        ]

    def shown(self, ticket_id: int, thread_id: int, status: str, now: datetime) -> None:
        self._connection.execute(
            update(ticket_topics)
            .where(ticket_topics.c.ticket_id == ticket_id)
            .values(thread_id=thread_id, shown_status=status, leased_until=None, updated_at=now)
        )

    def unavailable(self, ticket_id: int, now: datetime) -> None:
        """The group cannot have the ticket's topic: the ticket lives in the group as before."""
        self._connection.execute(
            update(ticket_topics)
            .where(ticket_topics.c.ticket_id == ticket_id)
            .values(unavailable=True, leased_until=None, updated_at=now)
        )

    def ticket_of(self, chat_id: int, thread_id: int) -> int | None:
        """The ticket whose topic this is (ix_ticket_topics_chat_id_thread_id)."""
        query = select(ticket_topics.c.ticket_id).where(
            and_(ticket_topics.c.chat_id == chat_id, ticket_topics.c.thread_id == thread_id)
        )
        value = self._connection.execute(query).scalar_one_or_none()
        return int(value) if value is not None else None

    def threads(self, ticket_ids: Iterable[int]) -> dict[int, int]:
        """Ticket id → its open topic's thread id, for the tickets that have one."""
        ids = sorted(set(ticket_ids))
        if not ids:
            return {}
        query = select(ticket_topics.c.ticket_id, ticket_topics.c.thread_id).where(
            ticket_topics.c.ticket_id.in_(ids), ticket_topics.c.thread_id.is_not(None)
        )
        return {int(row[0]): int(row[1]) for row in self._connection.execute(query)}
