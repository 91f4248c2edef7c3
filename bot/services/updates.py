"""Which updates need the database to tell whether they were handled, and which recorded
themselves already: so that a new update costs no read before its command, and a command that
recorded its update id in its own transaction needs no second write to record it.

An update whose id is above every id recorded before this process started, and which this
process has not seen, cannot have been handled by this process or before it: no read, in
whatever order updates arrive (several handled at once finish out of order). One at or below
that floor (a redelivery after a restart) or one seen already (a webhook retry) is looked up
as before. The ids seen are kept for the last _SEEN_KEPT updates; an id older than those is
looked up. With several processes behind a webhook, a retry that reaches another process
than the first is still made harmless by the update id a command records in its transaction
(a change happens once); only the answer of a read-only command could be given twice then, as
after a crash (see the README's delivery guarantee).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Final

#: Update ids remembered as recorded by their command's transaction, awaiting `recorded`.
_CLAIMS_KEPT: Final = 4096
#: Update ids remembered as seen by this process.
_SEEN_KEPT: Final = 4096


class UpdateLedger:
    def __init__(self) -> None:
        #: Every update id at or below this may have been handled: look it up.
        self._floor: int | None = None
        #: Ids above the floor this process has seen, oldest first.
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._claimed: OrderedDict[int, bool] = OrderedDict()

    @property
    def started(self) -> bool:
        return self._floor is not None

    def start(self, highest_recorded: int | None) -> None:
        """What the database had recorded when this process began to handle updates."""
        self._floor = max(highest_recorded or 0, self._floor or 0)

    def needs_lookup(self, update_id: int) -> bool:
        """Whether the database must say if this update was handled; marks it as seen."""
        if self._floor is None or update_id <= self._floor or update_id in self._seen:
            return True
        self._seen[update_id] = None
        while len(self._seen) > _SEEN_KEPT:
            forgotten, _ = self._seen.popitem(last=False)
            # An id no longer remembered may have been seen: from now on it is looked up.
            self._floor = max(self._floor, forgotten)
        return False

    def claimed(self, update_id: int) -> None:
        """A command recorded this update id in its (committed) transaction."""
        self._claimed[update_id] = True
        while len(self._claimed) > _CLAIMS_KEPT:
            self._claimed.popitem(last=False)

    def recorded(self, update_id: int) -> bool:
        """Whether the update's command recorded it already (asked once, after handling)."""
        return self._claimed.pop(update_id, False)
