"""The supervisors' daily digest: overdue, due today, escalated, cancel requests waiting."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Final

from bot.clock import Clock
from bot.domain.listing import Bucket, DayWindow, TicketFilter
from bot.domain.notices import DigestNotice, Notice, chat_destination
from bot.services.directory import Directory, TeamProfile
from storage.database import Database
from storage.transaction import Transaction

log = logging.getLogger(__name__)

#: The digest's sections, in the order it shows them.
SECTIONS: Final = (
    ("overdue", (Bucket.OVERDUE,)),
    ("due_today", (Bucket.DUE_WITHIN_HOUR, Bucket.DUE_TODAY)),
    ("escalated", (Bucket.ESCALATED,)),
    ("cancel_requested", (Bucket.CANCEL_REQUESTED,)),
)
#: Tickets a section names; the count says how many more there are.
_SHOWN: Final = 5


class DigestService:
    def __init__(self, database: Database, clock: Clock, directory: Directory) -> None:
        self._db = database
        self._clock = clock
        self._directory = directory

    async def send_due(self) -> int:
        """Write today's digest for every team whose `digest_at` has passed and that has not
        had it yet; returns how many teams got one."""
        now = self._clock.now()
        sent = 0
        for profile in self._directory.teams():
            at = profile.settings.digest_at
            local = now.astimezone(profile.team.zone)
            if at is None or local.time() < at:
                continue
            if await self._db.transact(partial(self._write, profile=profile, now=now)):
                sent += 1
        return sent

    def _write(self, tx: Transaction, *, profile: TeamProfile, now: datetime) -> bool:
        team_id = profile.team.id
        zone = profile.team.zone
        day = now.astimezone(zone).date().isoformat()
        if not tx.digests.claim(team_id, day, now):
            return False
        window = DayWindow.at(now, zone)
        buckets = tx.listing.bucket_counts(team_id, window)
        counts: dict[str, int] = {}
        tickets: dict[str, list[list[object]]] = {}
        for name, section in SECTIONS:
            counts[name] = sum(buckets[bucket] for bucket in section)
            shown: list[list[object]] = []
            for bucket in section:
                found, _ = tx.listing.page(
                    team_id, TicketFilter(bucket=bucket), window, after=None, limit=_SHOWN
                )
                shown.extend([t.number, t.kind, t.order_id, t.due_at.isoformat()] for t in found)
            tickets[name] = shown[:_SHOWN]
        supervisors = set(profile.supervisors)
        if profile.settings.admins_are_supervisors:
            supervisors.update(tx.people.admins(team_id))
        notice = DigestNotice(day, counts, tickets)
        tx.outbox.add(
            team_id, [Notice(chat_destination(user), notice) for user in sorted(supervisors)], now
        )
        log.info("digest of %s for team %s to %d supervisor(s)", day, team_id, len(supervisors))
        return True
