"""Which updates need the database to tell whether they were handled, and which recorded
themselves already: so that a new update costs no read before its command, and a command that
recorded its update id in its own transaction needs no second write to record it.

Telegram numbers updates in increasing order. An update above every id this process has
handled and every id recorded before it started cannot have been handled by this process or
before it: no read. One at or below (a redelivery after a restart, a webhook retry, updates
out of order) is looked up as before. With several processes behind a webhook, a retry that
reaches another process than the first is still made harmless by the update id a command
records in its transaction (a change happens once); only the answer of a read-only command
could be given twice then, as after a crash (see the README's delivery guarantee).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Final

#: Update ids remembered as recorded by their command's transaction, awaiting `recorded`.
_CLAIMS_KEPT: Final = 4096


class UpdateLedger:
    def __init__(self) -> None:
        #: Every update id at or below this may have been handled: look it up.
        self._high_water: int | None = None
        self._claimed: OrderedDict[int, bool] = OrderedDict()

    @property
    def started(self) -> bool:
        return self._high_water is not None

    def start(self, highest_recorded: int | None) -> None:
        """What the database had recorded when this process began to handle updates."""
        self._high_water = max(highest_recorded or 0, self._high_water or 0)

    def needs_lookup(self, update_id: int) -> bool:
        """Whether the database must say if this update was handled; marks it as seen."""
        if self._high_water is None or update_id <= self._high_water:
            return True
        self._high_water = update_id
        return False

    def claimed(self, update_id: int) -> None:
        """A command recorded this update id in its (committed) transaction."""
        self._claimed[update_id] = True
        while len(self._claimed) > _CLAIMS_KEPT:
            self._claimed.popitem(last=False)

    def recorded(self, update_id: int) -> bool:
        """Whether the update's command recorded it already (asked once, after handling)."""
        return self._claimed.pop(update_id, False)
