"""A clock the test moves by hand, so deadlines pass without waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 2, 1, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment


class LoopClock:
    """Wall-clock time that follows the event loop's clock (which looptime compresses), so the
    database, the dispatcher and the emulator all agree on how much time has passed."""

    def __init__(self, start: datetime | None = None) -> None:
        import asyncio

        self._loop = asyncio.get_running_loop()
        self._origin = self._loop.time()
        self._start = start or datetime(2026, 11, 2, 1, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._loop.time() - self._origin)
