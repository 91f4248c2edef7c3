"""Lists of a team's tickets for the workbench and the API: search with filters, and buckets."""

from __future__ import annotations

from datetime import datetime

from bot.clock import Clock
from bot.domain.listing import (
    DEFAULT_PAGE,
    Bucket,
    Cursor,
    DayWindow,
    TicketFilter,
    TicketPage,
    clamp_limit,
)
from bot.domain.model import TeamAction
from bot.domain.permissions import Actor, may_team, require_team
from bot.services.directory import Directory
from storage.database import Database
from storage.listing import cursor_after
from storage.transaction import Transaction


class ListingService:
    def __init__(self, database: Database, clock: Clock, directory: Directory) -> None:
        self._db = database
        self._clock = clock
        self._directory = directory

    def _window(self, team_id: int, now: datetime | None) -> DayWindow:
        zone = self._directory.team(team_id).settings.zone
        return DayWindow.at(now or self._clock.now(), zone)

    async def search(
        self,
        actor: Actor,
        wanted: TicketFilter,
        *,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE,
        now: datetime | None = None,
        after: Cursor | None = None,
        before: Cursor | None = None,
    ) -> TicketPage:
        """One page of the team's tickets that match `wanted`, and the cursor of the next
        (`after`/`before`: a decoded cursor, e.g. a button's compact one; `before` pages back,
        and then `next_cursor` says whether a page precedes this one)."""
        require_team(actor, TeamAction.VIEW)
        if cursor:
            after = Cursor.decode(cursor, wanted.sort)
        window = self._window(actor.team_id, now)
        size = clamp_limit(limit)

        def body(tx: Transaction) -> TicketPage:
            found, more = tx.listing.page(
                actor.team_id, wanted, window, after=after, limit=size, before=before
            )
            total = tx.listing.count(actor.team_id, wanted, window)
            ids = {t.creator_id for t in found} | {t.assignee_id for t in found if t.assignee_id}
            following = None
            if more and found:
                edge = found[0] if before is not None else found[-1]
                following = cursor_after(edge, wanted.sort).encode()
            return TicketPage(found, tx.people.people(ids), following, total)

        return await self._db.read(body)

    async def bucket_counts(
        self, actor: Actor, *, now: datetime | None = None, mine: bool = False
    ) -> dict[Bucket, int]:
        """How many tickets stand in each bucket: the team's for those who may list the team's
        pending work (supervisors), otherwise (or with `mine`) the actor's own assigned tickets."""
        require_team(actor, TeamAction.VIEW)
        window = self._window(actor.team_id, now)
        team_wide = may_team(actor, TeamAction.LIST_PENDING) and not mine
        assignee = None if team_wide else (actor.user_id or 0)
        return await self._db.read(
            lambda tx: tx.listing.bucket_counts(actor.team_id, window, assignee_id=assignee)
        )
