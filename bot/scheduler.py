"""The deadline sweeper: a loop that applies due reminders and escalations every interval."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Final

from bot.clock import Clock
from bot.config import SchedulerSettings
from bot.services.digest import DigestService
from bot.services.tickets import TicketService
from storage.database import Database

log = logging.getLogger(__name__)

#: Processed update ids older than this are forgotten (Telegram redelivers within a day).
KEEP_UPDATE_IDS: Final = timedelta(days=7)
PRUNE_EVERY: Final = timedelta(hours=1)


class Sweeper:
    def __init__(
        self,
        tickets: TicketService,
        database: Database,
        clock: Clock,
        settings: SchedulerSettings,
        digests: DigestService | None = None,
    ) -> None:
        self._tickets = tickets
        self._digests = digests
        self._db = database
        self._clock = clock
        self._settings = settings
        self._pruned_at = clock.now() - PRUNE_EVERY

    async def sweep(self) -> int:
        """Apply everything due now, a bounded batch per transaction; returns how many."""
        total = 0
        batch = self._settings.batch_size
        while True:
            applied = await self._tickets.apply_due(batch)
            total += applied
            if applied < batch:
                break
        if total:
            log.info("sweep applied %d reminder(s)/escalation(s)", total)
        if self._digests is not None:
            await self._digests.send_due()
        return total

    async def prune(self) -> None:
        now = self._clock.now()
        if now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        cutoff = now - KEEP_UPDATE_IDS
        forgotten = await self._db.transact(lambda tx: tx.processed.forget_before(cutoff))
        if forgotten:
            log.info("forgot %d processed update id(s) older than %s", forgotten, cutoff)

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep at start (deadlines that passed while the bot was down fire now), then every
        interval, until `stop` is set."""
        interval = self._settings.interval.total_seconds()
        while not stop.is_set():
            try:
                await self.sweep()
                await self.prune()
            except Exception:
                log.exception("sweep failed; trying again in %.0fs", interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
