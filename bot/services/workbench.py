"""The workbench's use cases: who calls (initData, sign-in links, sessions), their teams, what
they may do to a ticket, and the supervisors' bulk actions, each through the one write path."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final

from bot.clock import Clock
from bot.config import AppSettings
from bot.domain.actions import ACTIONS
from bot.domain.activity import Activity, activity
from bot.domain.changes import ChangeTicket, Channel, Origin, TicketRef
from bot.domain.commands import UserRef
from bot.domain.errors import DomainError
from bot.domain.model import Action, Outcome, TeamAction
from bot.domain.people import Person, Team
from bot.domain.permissions import Actor, require_team
from bot.domain.ticket import Ticket
from bot.domain.webapp import (
    SESSION_LIFETIME,
    SIGN_IN_LIFETIME,
    BadCredentials,
    WebAppUser,
    check_csrf,
    csrf_token,
    issue_session,
    link_digest,
    read_session,
    session_secret,
    validate_init_data,
)
from bot.services.directory import Directory
from bot.services.people import PeopleService
from bot.services.tickets import TicketService
from storage.database import Database

#: What the page may ask for, in the order its buttons show: the actions a person takes.
WEB_ACTIONS: Final = (
    Action.CLAIM,
    Action.ACKNOWLEDGE,
    Action.NOTE,
    Action.TRANSFER,
    Action.AGREE,
    Action.DISAGREE,
    Action.DONE,
    Action.REQUEST_CANCEL,
    Action.APPROVE_CANCEL,
    Action.REJECT_CANCEL,
    Action.CANCEL,
    Action.RULE,
    Action.APPEAL,
    Action.REOPEN,
    Action.NUDGE,
    Action.HOLD,
    Action.RESUME,
)
#: An outcome's action and the outcome the command carries (the kind decides if it fits).
OUTCOMES: Final = {
    Action.AGREE: Outcome.AGREED,
    Action.DISAGREE: Outcome.DISAGREED,
    Action.DONE: Outcome.DONE,
}
#: Bulk actions take at most this many tickets at once.
MAX_BULK: Final = 100


@dataclass(frozen=True, slots=True)
class WorkbenchTeam:
    team: Team
    actor: Actor


@dataclass(frozen=True, slots=True)
class BulkResult:
    number: int
    ok: bool
    #: The catalog key of the refusal (None when it worked).
    error: str | None = None
    params: tuple[tuple[str, str], ...] = ()


class WorkbenchService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        directory: Directory,
        people: PeopleService,
        tickets: TicketService,
        settings: AppSettings,
        bot_token: str,
    ) -> None:
        self._db = database
        self._clock = clock
        self._directory = directory
        self._people = people
        self._tickets = tickets
        self._settings = settings
        self._token = bot_token
        self._secret = session_secret(bot_token)

    # --- who calls -----------------------------------------------------------------------

    async def from_init_data(self, init_data: str) -> WebAppUser:
        """The Telegram user of genuine, fresh initData (BadCredentials otherwise); learned,
        so names and languages stay current."""
        user = validate_init_data(
            init_data,
            self._token,
            now=self._clock.now(),
            max_age=self._settings.init_data_max_age,
        )
        await self._people.learn(
            Person(user.id, user.first_name, user.last_name, user.username, user.language_code)
        )
        return user

    async def issue_link(self, user_id: int) -> str:
        """A one-time sign-in token for `user_id`, good for SIGN_IN_LIFETIME."""
        token = secrets.token_urlsafe(24)
        now = self._clock.now()
        digest = link_digest(token)
        await self._db.transact(
            lambda tx: tx.signins.add(digest, user_id, now, now + SIGN_IN_LIFETIME)
        )
        return token

    async def redeem_link(self, token: str, user_id: int | None = None) -> str:
        """A session cookie for the link's user; the link is spent. `user_id`, when the link
        names one, must be that user's: a link cannot sign in anyone else."""
        now = self._clock.now()
        digest = link_digest(token)
        owner = await self._db.transact(lambda tx: tx.signins.redeem(digest, now))
        if owner is None:
            raise BadCredentials("sign-in link unknown, used or expired")
        if user_id is not None and user_id != owner:
            raise BadCredentials("sign-in link of another user")
        return issue_session(self._secret, owner, now + SESSION_LIFETIME, secrets.token_hex(8))

    def session_user(self, cookie: str) -> int:
        return read_session(self._secret, cookie, self._clock.now())

    def csrf(self, cookie: str) -> str:
        return csrf_token(self._secret, cookie)

    def check_csrf(self, cookie: str, given: str | None) -> None:
        check_csrf(self._secret, cookie, given)

    async def memberships(self, user_id: int) -> list[WorkbenchTeam]:
        """The configured teams the user is a member of, with their role in each."""
        found = await self._db.read(lambda tx: tx.people.memberships(user_id))
        teams = [m.team for m in found if self._directory.by_chat(m.team.chat_id)]
        return [WorkbenchTeam(team, await self._people.actor(team.id, user_id)) for team in teams]

    async def person(self, user_id: int) -> Person | None:
        return await self._db.read(lambda tx: tx.people.person(user_id))

    async def activity(self, actor: Actor, days: int) -> Activity:
        """Opened and resolved per day of the team's timezone, and the median time to outcome."""
        require_team(actor, TeamAction.STATS)
        zone = self._directory.team(actor.team_id).settings.zone
        today = self._clock.now().astimezone(zone).date()
        since = datetime.combine(today - timedelta(days=days - 1), time(0), tzinfo=zone)
        rows = await self._db.read(lambda tx: tx.listing.activity(actor.team_id, since))
        return activity(rows, zone, today, days)

    # --- what the viewer may do ----------------------------------------------------------

    async def offered(
        self, ticket: Ticket, actor: Actor, *, platform: bool = False
    ) -> list[Action]:
        """The actions the page shows for `ticket`: those `actor` could take now (a nudge
        still cooling down is not: the server would refuse it)."""
        kind = self._directory.kind_or_default(ticket.kind)
        held = ticket.held_since is not None
        offered = []
        for action in WEB_ACTIONS:
            if action in OUTCOMES and (platform or not _fits(kind.needs_outcome, OUTCOMES[action])):
                # A platform's ticket is answered with the platform's options (in the chat).
                continue
            if (action is Action.HOLD and held) or (action is Action.RESUME and not held):
                continue
            if action is Action.CLAIM and ticket.assignee_id is not None:
                continue  # a claimed ticket is refused to the next one anyway
            if ticket.may(actor, action) and not await self._cooling(ticket, action):
                offered.append(action)
        return offered

    async def _cooling(self, ticket: Ticket, action: Action) -> bool:
        """Whether `action` was done to `ticket` too recently to be done again now."""
        spec = ACTIONS[action]
        if spec.cooldown is None:
            return False
        event = spec.event
        last = await self._db.read(lambda tx: tx.events.last_at(ticket.id or 0, event))
        return Ticket.cooldown_left(action, at=self._clock.now(), last_done_at=last) is not None

    async def act(
        self,
        actor: Actor,
        number: int,
        action: Action,
        *,
        text: str | None = None,
        assignee_id: int | None = None,
        seen: int | None = None,
    ) -> Ticket:
        """One action from the page, through the one write path (Channel.WEB)."""
        wanted: Action | Outcome = OUTCOMES.get(action, action)
        change = ChangeTicket(
            TicketRef(number, seen=seen),
            wanted,
            text,
            UserRef(user_id=assignee_id) if assignee_id is not None else None,
        )
        acted = await self._tickets.execute(change, Origin(actor, Channel.WEB))
        return acted.ticket

    async def bulk(
        self,
        actor: Actor,
        numbers: list[int],
        action: Action,
        *,
        text: str | None = None,
        assignee_id: int | None = None,
    ) -> list[BulkResult]:
        """The same action on each ticket, each checked and committed on its own."""
        results = []
        for number in dict.fromkeys(numbers[:MAX_BULK]):
            try:
                await self.act(actor, number, action, text=text, assignee_id=assignee_id)
            except DomainError as error:
                params = tuple((k, str(v)) for k, v in error.params.items())
                results.append(BulkResult(number, False, error.key, params))
            else:
                results.append(BulkResult(number, True))
        return results


def _fits(needs_outcome: bool, outcome: Outcome) -> bool:
    """Agreed/disagreed for kinds that record an outcome, done for the others."""
    return (outcome is Outcome.DONE) != needs_outcome
