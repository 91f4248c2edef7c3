"""What a command needs to know about its sender, kept in memory: their standing in a team,
their stored settings, their teams in private chat.

A command would otherwise read these before its own transaction, on every update. Here they
are read once (a cache miss) and kept current by the writes that change them: this process's
own writes drop what they change, and every such write also bumps the team's
`directory_version` in the database. A command's write transaction reads that version
(`current`): if another process (or this one) changed the team's people since, the sender's
role is read again inside that same transaction and the team's entries are dropped, so a role
changed by any process holds from the next command on, whichever process handles it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.domain.model import Role
from bot.domain.people import Person, Team, team_role
from bot.domain.permissions import Actor
from bot.services.directory import Directory
from storage.people import Membership
from storage.transaction import Transaction


@dataclass(frozen=True, slots=True)
class Standing:
    """A user in a team: None not a member, else whether they administer the group; and what
    only the database knows about them (their /lang, whether their private chat is open)."""

    admin: bool | None
    stored: Person | None


@dataclass(frozen=True, slots=True)
class PrivateView:
    """A user's teams and the one they chose for private chat, with their stored settings."""

    memberships: tuple[Membership, ...]
    chosen: int | None
    stored: Person | None


class Roster:
    """The in-memory directory of people per team, invalidated by `teams.directory_version`."""

    def __init__(self, directory: Directory) -> None:
        self._directory = directory
        #: The version each team's entries were read at.
        self._versions: dict[int, int] = {}
        self._standing: dict[int, dict[int, Standing]] = {}
        self._private: dict[int, PrivateView] = {}

    # --- what is known -------------------------------------------------------------------

    def standing(self, team_id: int, user_id: int) -> Standing | None:
        return self._standing.get(team_id, {}).get(user_id)

    def private(self, user_id: int) -> PrivateView | None:
        return self._private.get(user_id)

    def role(self, team: Team, user_id: int, admin: bool | None) -> Role:
        settings = self._directory.team(team.id).settings
        return team_role(
            user_id,
            is_member=admin is not None,
            is_admin=bool(admin),
            supervisors=settings.supervisors,
            admins_are_supervisors=settings.admins_are_supervisors,
        )

    # --- what was read -------------------------------------------------------------------

    def read_standing(self, team_id: int, user_id: int, standing: Standing, version: int) -> None:
        """A standing read from the database at `version` of the team."""
        self._at(team_id, version)
        self._standing.setdefault(team_id, {})[user_id] = standing

    def read_private(self, user_id: int, view: PrivateView, versions: dict[int, int]) -> None:
        for team_id, version in versions.items():
            self._at(team_id, version)
        self._private[user_id] = view

    def _at(self, team_id: int, version: int) -> None:
        if self._versions.get(team_id) != version:
            self._versions[team_id] = version
            self._standing.pop(team_id, None)
            self._private.clear()

    # --- what this process wrote ---------------------------------------------------------

    def joined(self, team_id: int, user_id: int) -> None:
        """The user became a member (by writing in the group)."""
        known = self.standing(team_id, user_id)
        if known is not None and known.admin is None:
            self._standing[team_id][user_id] = replace(known, admin=False)
        self._private.pop(user_id, None)

    def forget_user(self, user_id: int) -> None:
        """The user's own settings changed (/lang, their private chat, their team choice)."""
        for users in self._standing.values():
            users.pop(user_id, None)
        self._private.pop(user_id, None)

    def forget_team(self, team_id: int) -> None:
        """The team's people changed (its administrators, its language)."""
        self._standing.pop(team_id, None)
        self._versions.pop(team_id, None)
        self._private.clear()

    # --- inside a command's transaction --------------------------------------------------

    def current(self, tx: Transaction, actor: Actor, *, version: int | None = None) -> Actor:
        """The actor as the database says now: the cached one if the team's roster version is
        the one its entries were read at, else read again in this transaction. `version`: the
        team's version, when the caller read it in this transaction already."""
        if actor.user_id is None or actor.user_id == 0:
            return actor  # the scheduler or a platform: no person to look up
        team_id = actor.team_id
        if version is None:
            version = tx.people.directory_version(team_id)
        if self._versions.get(team_id) == version:
            return actor
        admin = tx.people.membership(team_id, actor.user_id)
        team = tx.people.team(team_id)
        self._at(team_id, version)
        if team is None:
            return actor
        profile = self._directory.team(team_id)
        if profile.team != team:
            # Its language was changed by another process.
            self._directory.register(team, profile.settings)
        return Actor(actor.user_id, team_id, self.role(team, actor.user_id, admin))
