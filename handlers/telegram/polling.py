"""Long polling that confirms an update only once it has been handled.

python-telegram-bot's Updater confirms updates (advances getUpdates' offset) as soon as it
has fetched them, so a process that dies with updates still queued loses them. This poller
keeps the offset at the oldest update still being handled: after a crash Telegram delivers
those again, and processed_updates makes a second delivery of a handled one harmless.
Updates are handled concurrently, so a reply held back by a group's flood limit does not
hold up the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Final

from telegram import Bot, Update
from telegram.error import Conflict, NetworkError, TelegramError, TimedOut
from telegram.warnings import PTBUserWarning

from bot.clock import Clock, SystemClock
from handlers.telegram.updates import UndecodableUpdate, decode_update

log = logging.getLogger(__name__)
# The raw getUpdates below is deliberate: it is how an update PTB cannot decode is found.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)

#: Seconds a getUpdates call waits for something to happen (Telegram's long polling).
LONG_POLL: Final = 25
#: While some update is still being handled, Telegram returns it at once on every call:
#: ask again at this pace (not in a tight loop) for whatever came in meanwhile.
RECHECK: Final = 0.5
#: On shutdown, how long updates being handled may take to finish; the rest are cancelled and,
#: never confirmed, come again to the next process (replies held back by a group's flood limit
#: can otherwise keep a stopping process alive for minutes).
DRAIN: Final = 10.0
#: Waits after a failed getUpdates call, growing up to the last one.
BACKOFF: Final = (1.0, 2.0, 5.0, 10.0, 30.0)


class Poller:
    def __init__(
        self,
        bot: Bot,
        handle: Callable[[Update], Awaitable[None]],
        clock: Clock | None = None,
    ) -> None:
        self._bot = bot
        self._handle = handle
        self._clock = clock or SystemClock()
        #: When getUpdates last answered (None: not yet); /healthz reports a poller stuck.
        self.polled_at: datetime | None = None
        self.last_error: str | None = None
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        #: Ids started at or above the offset (the ones Telegram may return again).
        self._started: set[int] = set()
        self._highest = 0
        self._progress = asyncio.Event()

    def _offset(self) -> int | None:
        """Confirm everything below the oldest update still being handled."""
        if self._in_flight:
            return min(self._in_flight)
        return self._highest + 1 if self._highest else None

    def _done(self, update_id: int) -> None:
        self._in_flight.pop(update_id, None)
        self._progress.set()

    async def _run_one(self, update: Update) -> None:
        try:
            await self._handle(update)
        except Exception:
            # Handlers answer their own errors; anything arriving here is a bug, logged with
            # the update it came from, and the update counts as handled (not retried forever).
            log.exception("update %s failed outside its handler", update.update_id)
        finally:
            self._done(update.update_id)

    async def _get_updates(self, offset: int | None) -> list[Update]:
        try:
            return list(
                await self._bot.get_updates(
                    offset=offset,
                    timeout=LONG_POLL,
                    allowed_updates=Update.ALL_TYPES,
                    read_timeout=LONG_POLL + 10,
                )
            )
        except TelegramError:
            raise
        except Exception as error:  # noqa: BLE001 - PTB could not decode an update of the batch
            log.warning(
                "getUpdates: an update cannot be decoded (%r); taking them one by one", error
            )
            return await self._decoded_one_by_one(offset)

    async def _decoded_one_by_one(self, offset: int | None) -> list[Update]:
        """The same updates, as JSON decoded one at a time: one that cannot be decoded is
        logged with its id and skipped (confirmed with the others, so Telegram does not return
        it forever and hold up every update behind it)."""
        kwargs: dict[str, Any] = {"timeout": 0, "allowed_updates": list(Update.ALL_TYPES)}
        if offset is not None:
            kwargs["offset"] = offset
        raw = await self._bot.do_api_request("getUpdates", api_kwargs=kwargs)
        updates: list[Update] = []
        for data in raw if isinstance(raw, list) else []:
            try:
                updates.append(decode_update(data, self._bot))
            except UndecodableUpdate as error:
                log.error(
                    "update %s skipped: it cannot be decoded (%s)", error.update_id, error.reason
                )
                if isinstance(error.update_id, int):
                    self._started.add(error.update_id)
                    self._highest = max(self._highest, error.update_id)
        return updates

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set, then wait for updates being handled to finish."""
        failures = 0
        while not stop.is_set():
            asked = self._offset()
            fetch = asyncio.ensure_future(self._get_updates(asked))
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not fetch.done():
                # Anything that call would have returned stays unconfirmed: delivered again.
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError, NetworkError, Conflict):
                    await fetch
                break
            try:
                updates = fetch.result()
            except Conflict as error:
                log.error("another process polls this bot (%s); retrying", error.message)
                failures += 1
                await pause(stop, BACKOFF[min(failures, len(BACKOFF)) - 1])
                continue
            except (NetworkError, TimedOut) as error:
                self.last_error = str(error)
                failures += 1
                wait = BACKOFF[min(failures, len(BACKOFF)) - 1]
                log.warning("getUpdates failed (%s); retrying in %.0fs", error, wait)
                await pause(stop, wait)
                continue
            failures = 0
            self.polled_at, self.last_error = self._clock.now(), None
            # Only ids below the offset this answer was asked with are confirmed (never to
            # come again). Updates that finished while the call was out moved the offset on,
            # but the answer still holds them: pruning by that newer offset would start
            # them again.
            self._started = {started for started in self._started if started >= (asked or 0)}
            fresh = [u for u in updates if u.update_id not in self._started]
            for update in fresh:
                self._started.add(update.update_id)
                self._highest = max(self._highest, update.update_id)
                self._in_flight[update.update_id] = asyncio.create_task(
                    self._run_one(update), name=f"update-{update.update_id}"
                )
            if updates and not fresh:
                # Everything Telegram returned is still being handled: wait for progress or a
                # moment, rather than ask again at once.
                self._progress.clear()
                await _first_of(self._progress.wait(), stop.wait())
        if self._in_flight:
            log.info("waiting for %d update(s) being handled", len(self._in_flight))
            tasks = list(self._in_flight.values())
            _, unfinished = await asyncio.wait(tasks, timeout=DRAIN)
            for task in unfinished:
                task.cancel()
            if unfinished:
                log.warning("%d update(s) left for the next process", len(unfinished))
                await asyncio.gather(*unfinished, return_exceptions=True)


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Wait `seconds`, or less if `stop` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _first_of(*waits: Awaitable[object]) -> None:
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, timeout=RECHECK, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
