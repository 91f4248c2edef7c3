"""The topic keeper: a forum topic per ticket, kept in step with the ticket after each commit.

A ticket created in a team with `topics = "per_ticket"` wants a topic (written in the creating
transaction). The keeper opens it (named like `#T42 · 售后处理 · TB1001 · 处理中`), renames it
when the status changes, closes it when the ticket is finished and reopens it on reopen. It
reads what to do from the database (`ticket_topics` against `tickets`), so every entrypoint
that changes a ticket is covered; it leases what it works on, so several processes never open
a ticket's topic twice, and what failed is done again once its lease ran out. A group that
cannot have topics (not a forum, or the bot lacks can_manage_topics) gets one line saying so,
and its tickets live in the group as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from datetime import timedelta
from enum import StrEnum
from typing import Final

from bot.clock import Clock
from bot.domain.errors import NotFound
from bot.domain.model import PENDING_STATUSES, Status
from bot.domain.ticket import Ticket
from bot.i18n import Catalogs
from bot.rendering.render import Renderer
from bot.services.directory import Directory
from storage.database import Database
from storage.topics import TopicState

log = logging.getLogger(__name__)

#: Telegram's limit for a topic's name.
MAX_TOPIC_NAME: Final = 128
#: Topics brought in step per round.
ROUND_LIMIT: Final = 50


class Unavailable(StrEnum):
    """Why a group cannot have topics; the value names the hint's text."""

    NOT_FORUM = "topic.not_forum"
    NO_RIGHT = "topic.no_right"


class TopicsUnavailable(Exception):
    def __init__(self, reason: Unavailable) -> None:
        super().__init__(reason.value)
        self.reason = reason


class TopicGone(Exception):
    """The topic was deleted in the group: the ticket gets a new one."""


class Forum:
    """What the keeper needs from Telegram (handlers/telegram/forum.py implements it)."""

    async def create(self, chat_id: int, name: str) -> int:
        """Open a topic; its thread id. TopicsUnavailable if the group cannot have one."""
        raise NotImplementedError

    async def rename(self, chat_id: int, thread_id: int, name: str) -> None:
        raise NotImplementedError

    async def set_closed(self, chat_id: int, thread_id: int, closed: bool) -> None:
        raise NotImplementedError

    async def hint(self, chat_id: int, text: str) -> None:
        """One line in the group's General topic."""
        raise NotImplementedError


def finished(status: Status | str) -> bool:
    return Status(status) not in PENDING_STATUSES


class TopicKeeper:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        directory: Directory,
        renderer: Renderer,
        catalogs: Catalogs,
        forum: Forum,
        *,
        poll_interval: timedelta,
        lease: timedelta,
    ) -> None:
        self._db = database
        self._clock = clock
        self._directory = directory
        self._renderer = renderer
        self._catalogs = catalogs
        self._forum = forum
        self._poll = poll_interval.total_seconds()
        self._lease = lease
        self._wake = database.outbox_written
        #: Teams told once (per process) that their group cannot have topics.
        self._hinted: set[int] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Keep topics in step until `stop` is set; a failing round is logged and retried."""
        while not stop.is_set():
            try:
                done = await self.sync_once()
            except Exception:
                log.exception("topic round failed; retrying in %.1fs", self._poll)
                done = 0
            if done:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll)

    async def sync_once(self) -> int:
        """One round: every topic that does not show its ticket yet. Returns how many."""
        now = self._clock.now()
        until = now + self._lease
        states = await self._db.transact(
            lambda tx: tx.topics.claim(now, until, ROUND_LIMIT, skip_locked=tx.skip_locked)
        )
        for state in states:
            await self._sync(state)
        return len(states)

    def name(self, ticket: Ticket) -> str:
        """The topic's name in the team's language, with the status, cut to Telegram's limit."""
        team = self._directory.team(ticket.team_id).team
        texts = self._catalogs[team.language]
        name = texts(
            "topic.name",
            number=ticket.number,
            kind=self._renderer.kind_label(ticket.kind, texts),
            order=ticket.order_id,
            status=texts(f"status.{ticket.status.value}"),
        )
        return html.unescape(str(name))[:MAX_TOPIC_NAME]

    async def _sync(self, state: TopicState) -> None:
        ticket = state.ticket
        ticket_id = ticket.id or 0
        now = self._clock.now()
        try:
            name = self.name(ticket)
        except NotFound:
            log.warning("ticket %s belongs to a team no longer configured: no topic", ticket_id)
            await self._db.transact(lambda tx: tx.topics.unavailable(ticket_id, now))
            return
        try:
            thread_id = await self._apply(state, name)
        except TopicsUnavailable as error:
            await self._unavailable(ticket, state.chat_id, error.reason)
            return
        status = ticket.status.value
        await self._db.transact(lambda tx: tx.topics.shown(ticket_id, thread_id, status, now))

    async def _apply(self, state: TopicState, name: str) -> int:
        forum, chat_id, ticket = self._forum, state.chat_id, state.ticket
        thread_id = state.thread_id
        if thread_id is not None:
            try:
                await forum.rename(chat_id, thread_id, name)
                was_finished = state.shown_status is not None and finished(state.shown_status)
                if finished(ticket.status) != was_finished:
                    await forum.set_closed(chat_id, thread_id, finished(ticket.status))
                return thread_id
            except TopicGone:
                log.info("topic %s of ticket %s was deleted: opening another", thread_id, ticket.id)
        thread_id = await forum.create(chat_id, name)
        if finished(ticket.status):
            await forum.set_closed(chat_id, thread_id, True)
        return thread_id

    async def _unavailable(self, ticket: Ticket, chat_id: int, reason: Unavailable) -> None:
        ticket_id = ticket.id or 0
        now = self._clock.now()
        await self._db.transact(lambda tx: tx.topics.unavailable(ticket_id, now))
        log.warning(
            "team %s cannot have topics (%s): tickets stay in the group",
            ticket.team_id,
            reason.name,
        )
        if ticket.team_id in self._hinted:
            return
        self._hinted.add(ticket.team_id)
        language = self._directory.team(ticket.team_id).team.language
        await self._forum.hint(chat_id, str(self._catalogs[language](reason.value)))
