"""Members and roles: who a Telegram user is in a team, learned from what they send."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.clock import Clock
from bot.domain.errors import NotFound
from bot.domain.model import Language, Role, TeamAction
from bot.domain.notifications import card
from bot.domain.people import Person, Team
from bot.domain.permissions import Actor, require_team
from bot.services.directory import Directory
from bot.services.roster import PrivateView, Roster, Standing
from bot.services.tickets import group_cards
from bot.services.updates import UpdateLedger
from storage.database import Database
from storage.people import Membership
from storage.transaction import Transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Session:
    """Who is acting, for which team."""

    team: Team
    actor: Actor
    person: Person


@dataclass(frozen=True, slots=True)
class ChooseTeam:
    """A private-chat user in several teams must say which one a command is for."""

    teams: tuple[Team, ...]


class PeopleService:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        directory: Directory,
        *,
        roster: Roster | None = None,
        updates: UpdateLedger | None = None,
    ) -> None:
        self._db = database
        self._clock = clock
        self._directory = directory
        self._roster = roster or Roster(directory)
        self._updates = updates or UpdateLedger()
        # What this process last wrote about each user (and team), so that a chatty group
        # does not cost a write per message; a change of name or username is still written.
        self._learned: dict[tuple[int | None, int], Person] = {}

    async def sync_teams(self) -> list[Team]:
        """Make every configured team exist in the database and register it in the directory."""
        now = self._clock.now()
        configured = self._directory.settings.teams

        def body(tx: Transaction) -> list[Team]:
            return [
                tx.people.sync_team(t.chat_id, t.name, t.language, t.timezone, now)
                for t in configured
            ]

        teams = await self._db.transact(body)
        for team, settings in zip(teams, configured, strict=True):
            self._directory.register(team, settings)
        return teams

    def _role(self, team: Team, user_id: int, standing: bool | None) -> Role:
        return self._roster.role(team, user_id, standing)

    async def learn(self, person: Person, team_id: int | None = None) -> None:
        key = (team_id, person.id)
        if self._learned.get(key) == person:
            return
        now = self._clock.now()
        await self._db.transact(lambda tx: tx.people.learn(person, now, team_id))
        self._learned[key] = person
        if team_id is not None:
            self._roster.joined(team_id, person.id)

    async def handled_before(self, update_id: int) -> bool:
        """Whether an update with this id was handled already (Telegram delivers again).

        Only an update that may have been (see UpdateLedger) costs a read."""
        updates = self._updates
        if updates.started:
            if not updates.needs_lookup(update_id):
                return False
            return await self._db.read(lambda tx: tx.processed.seen(update_id))

        def body(tx: Transaction) -> tuple[bool, int | None]:
            return tx.processed.seen(update_id), tx.processed.highest()

        seen, highest = await self._db.read(body)
        updates.start(highest)
        updates.needs_lookup(update_id)
        return seen

    async def in_group(self, chat_id: int, person: Person) -> Session | None:
        """The session of someone writing in a group; None if the group is not a team.

        Writing in the team's group makes them a member.
        """
        profile = self._directory.by_chat(chat_id)
        if profile is None:
            return None
        known = self._roster.standing(profile.team.id, person.id)
        if known is not None:
            team, standing, stored = profile.team, known.admin, known.stored
        else:

            def body(tx: Transaction) -> tuple[Team, bool | None, Person | None, int] | None:
                found = tx.people.team_with_membership(chat_id, person.id)
                if found is None:
                    return None
                version = tx.people.directory_version(found[0].id)
                return found[0], found[1], tx.people.person(person.id), version

            read = await self._db.read(body)
            if read is None:
                return None
            team, standing, stored, version = read
            self._roster.read_standing(team.id, person.id, Standing(standing, stored), version)
        if standing is None:
            self._learned.pop((team.id, person.id), None)
        await self.learn(person, team.id)
        role = self._role(team, person.id, False if standing is None else standing)
        return Session(team, Actor(person.id, team.id, role), _with_settings(person, stored))

    async def in_private(self, person: Person, team_id: int | None = None) -> Session | ChooseTeam:
        """The session of someone in their private chat with the bot.

        The team is the one named, else the one they chose before, else their only team; with
        several and no choice, ChooseTeam lists them. No team at all: NotFound.
        """
        await self.learn(person)
        cached = self._roster.private(person.id)
        if cached is not None:
            view = cached
        else:

            def body(tx: Transaction) -> tuple[PrivateView, dict[int, int]]:
                memberships = tx.people.memberships(person.id)
                versions = tx.people.directory_versions(m.team.id for m in memberships)
                found = PrivateView(
                    tuple(memberships),
                    tx.people.private_team(person.id),
                    tx.people.person(person.id),
                )
                return found, versions

            view, versions = await self._db.read(body)
            self._roster.read_private(person.id, view, versions)
        chosen = team_id if team_id is not None else view.chosen
        stored = view.stored
        memberships = [
            Membership(profile.team, m.is_admin)
            for m in view.memberships
            if (profile := self._directory.by_chat(m.team.chat_id)) is not None
        ]
        if not memberships:
            raise NotFound("notfound.no_team")
        match = next((m for m in memberships if m.team.id == chosen), None)
        if match is None and team_id is not None:
            # A team named by a button the user could only have forged: never stored.
            raise NotFound("notfound.not_your_team")
        if match is None and len(memberships) == 1:
            match = memberships[0]
        if match is None:
            return ChooseTeam(tuple(m.team for m in memberships))
        if team_id is not None and team_id != view.chosen:
            await self._db.transact(lambda tx: tx.people.set_private_team(person.id, team_id))
            self._roster.forget_user(person.id)
        role = self._role(match.team, person.id, match.is_admin)
        return Session(
            match.team, Actor(person.id, match.team.id, role), _with_settings(person, stored)
        )

    async def actor(self, team_id: int, user_id: int) -> Actor:
        """The actor for a user in a team."""
        team = self._directory.team(team_id).team
        standing = await self._db.read(lambda tx: tx.people.membership(team_id, user_id))
        return Actor(user_id, team_id, self._role(team, user_id, standing))

    async def session_in_only_team(self, person: Person) -> Session | None:
        """The session of someone in private chat if they are in exactly one team (their
        cards can only be that team's), from the roster; None if in several or none."""
        view = self._roster.private(person.id)
        if view is None:
            try:
                found = await self.in_private(person)
            except NotFound:
                return None
            if isinstance(found, ChooseTeam):
                return None
            view = self._roster.private(person.id)
            if view is None:  # dropped meanwhile: the ticket's team is looked up instead
                return None
        memberships = [
            m for m in view.memberships if self._directory.by_chat(m.team.chat_id) is not None
        ]
        if len(memberships) != 1:
            return None
        profile = self._directory.team(memberships[0].team.id)
        team = profile.team
        role = self._role(team, person.id, memberships[0].is_admin)
        return Session(team, Actor(person.id, team.id, role), _with_settings(person, view.stored))

    async def session_for_ticket(self, ticket_id: int, person: Person) -> Session:
        """The session of someone pressing a button about a ticket, in that ticket's team."""

        def body(tx: Transaction) -> tuple[Team, bool | None, Person | None]:
            ticket = tx.tickets.by_id(ticket_id)
            team = tx.people.team(ticket.team_id) if ticket else None
            if ticket is None or team is None:
                raise NotFound("notfound.ticket", number=None)
            return team, tx.people.membership(team.id, person.id), tx.people.person(person.id)

        team, standing, stored = await self._db.read(body)
        role = self._role(team, person.id, standing)
        return Session(team, Actor(person.id, team.id, role), _with_settings(person, stored))

    async def set_team_language(self, session: Session, language: Language) -> Team:
        require_team(session.actor, TeamAction.SET_TEAM_LANGUAGE)
        await self._db.transact(lambda tx: tx.people.set_team_language(session.team.id, language))
        team = replace(session.team, language=language)
        profile = self._directory.team(team.id)
        self._directory.register(team, profile.settings)
        self._roster.forget_team(team.id)
        return team

    async def set_private_language(self, person: Person, language: Language) -> None:
        await self.learn(person)
        await self._db.transact(lambda tx: tx.people.set_user_language(person.id, language))
        self._roster.forget_user(person.id)

    async def started(self, person: Person) -> int:
        """The user opened a private chat: DMs now work, and their pending cards are re-sent.

        Returns how many cards were queued.
        """
        await self.learn(person)
        now = self._clock.now()

        def body(tx: Transaction) -> int:
            tx.people.set_dm_open(person.id, True)
            tickets = tx.tickets.assigned_to(None, person.id, pending_only=True, limit=50)
            for ticket in tickets:
                # The group's card stops calling on them: it is redrawn as the summary.
                tx.outbox.add(
                    ticket.team_id, [card(ticket, person.id), *group_cards(tx, ticket)], now
                )
            return len(tickets)

        queued = await self._db.transact(body)
        self._roster.forget_user(person.id)
        return queued

    async def sync_admins(self, team_id: int, admins: Sequence[Person]) -> None:
        """Mirror the group's administrators (they supervise when admins_are_supervisors)."""
        now = self._clock.now()

        def body(tx: Transaction) -> None:
            for admin in admins:
                tx.people.learn(admin, now)
            tx.people.set_admins(team_id, [admin.id for admin in admins], now)

        await self._db.transact(body)
        self._roster.forget_team(team_id)
        for admin in admins:
            self._learned.pop((team_id, admin.id), None)

    async def is_member(self, team_id: int, user_id: int) -> bool:
        return await self._db.read(lambda tx: tx.people.membership(team_id, user_id)) is not None

    async def members(self, team_id: int, *, limit: int = 12) -> list[Person]:
        return await self._db.read(lambda tx: tx.people.team_members(team_id, limit=limit))

    async def people(self, user_ids: Sequence[int]) -> dict[int, Person]:
        return await self._db.read(lambda tx: tx.people.people(user_ids))


def _with_settings(person: Person, stored: Person | None) -> Person:
    """What Telegram just said about a person, with what only we know (their /lang, DMs)."""
    if stored is None:
        return person
    return replace(person, language=stored.language, dm_open=stored.dm_open)
