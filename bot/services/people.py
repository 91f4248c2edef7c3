"""Members and roles: who a Telegram user is in a team, learned from what they send."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.clock import Clock
from bot.domain.errors import NotFound
from bot.domain.model import Language, Role, TeamAction
from bot.domain.notifications import card
from bot.domain.people import Person, Team, team_role
from bot.domain.permissions import Actor, require_team
from bot.services.directory import Directory
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
    def __init__(self, database: Database, clock: Clock, directory: Directory) -> None:
        self._db = database
        self._clock = clock
        self._directory = directory
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
        settings = self._directory.team(team.id).settings
        return team_role(
            user_id,
            is_member=standing is not None,
            is_admin=bool(standing),
            supervisors=settings.supervisors,
            admins_are_supervisors=settings.admins_are_supervisors,
        )

    async def learn(self, person: Person, team_id: int | None = None) -> None:
        key = (team_id, person.id)
        if self._learned.get(key) == person:
            return
        now = self._clock.now()
        await self._db.transact(lambda tx: tx.people.learn(person, now, team_id))
        self._learned[key] = person

    async def handled_before(self, update_id: int) -> bool:
        """Whether an update with this id was handled already (Telegram delivers again)."""
        return await self._db.read(lambda tx: tx.processed.seen(update_id))

    async def in_group(self, chat_id: int, person: Person) -> Session | None:
        """The session of someone writing in a group; None if the group is not a team.

        Writing in the team's group makes them a member.
        """
        if self._directory.by_chat(chat_id) is None:
            return None

        def body(tx: Transaction) -> tuple[Team, bool | None, Person | None] | None:
            found = tx.people.team_with_membership(chat_id, person.id)
            if found is None:
                return None
            return found[0], found[1], tx.people.person(person.id)

        found = await self._db.read(body)
        if found is None:
            return None
        team, standing, stored = found
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

        def body(tx: Transaction) -> tuple[list[Membership], int | None, Person | None]:
            chosen = team_id if team_id is not None else tx.people.private_team(person.id)
            return tx.people.memberships(person.id), chosen, tx.people.person(person.id)

        memberships, chosen, stored = await self._db.read(body)
        memberships = [m for m in memberships if self._directory.by_chat(m.team.chat_id)]
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
        if team_id is not None:
            await self._db.transact(lambda tx: tx.people.set_private_team(person.id, team_id))
        role = self._role(match.team, person.id, match.is_admin)
        return Session(
            match.team, Actor(person.id, match.team.id, role), _with_settings(person, stored)
        )

    async def actor(self, team_id: int, user_id: int) -> Actor:
        """The actor for a user in a team."""
        team = self._directory.team(team_id).team
        standing = await self._db.read(lambda tx: tx.people.membership(team_id, user_id))
        return Actor(user_id, team_id, self._role(team, user_id, standing))

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
        return replace(session.team, language=language)

    async def set_private_language(self, person: Person, language: Language) -> None:
        await self.learn(person)
        await self._db.transact(lambda tx: tx.people.set_user_language(person.id, language))

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
                tx.outbox.add(ticket.team_id, [card(ticket, person.id)], now)
            return len(tickets)

        return await self._db.transact(body)

    async def sync_admins(self, team_id: int, admins: Sequence[Person]) -> None:
        """Mirror the group's administrators (they supervise when admins_are_supervisors)."""
        now = self._clock.now()

        def body(tx: Transaction) -> None:
            for admin in admins:
                tx.people.learn(admin, now)
            tx.people.set_admins(team_id, [admin.id for admin in admins], now)

        await self._db.transact(body)
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
