"""Teams, users and memberships: who is who, and who may act for which team."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from bot.domain.model import Language
from bot.domain.people import Person, Team
from storage import prepared
from storage.prepared import Prepared
from storage.tables import members, teams, upsert, users

# Statements a command runs on every update are built once: building one costs more than
# running it (bench.e2e).
_TEAM: Final = Prepared(select(teams).where(teams.c.id == bindparam("team_id")))
_DIRECTORY_VERSION: Final = select(teams.c.directory_version).where(
    teams.c.id == bindparam("team_id")
)
_PERSON: Final = Prepared(select(users).where(users.c.id == bindparam("user_id")))
_PEOPLE: Final = select(users).where(users.c.id.in_(bindparam("user_ids", expanding=True)))
#: Up to this many people are read by a statement compiled once, their ids padded to a fixed
#: IN list: an expanding list is rendered again on every run (a card reads three or four).
_FEW_PEOPLE: Final = 8
_PEOPLE_FEW: Final = Prepared(
    select(users).where(users.c.id.in_([bindparam(f"user_{i}") for i in range(_FEW_PEOPLE)]))
)
_MEMBERSHIP: Final = select(members.c.is_admin).where(
    members.c.team_id == bindparam("team_id"), members.c.user_id == bindparam("user_id")
)
_IS_ADMIN: Final = members.c.is_admin.is_(True)
_ADMINS: Final = select(members.c.user_id).where(
    members.c.team_id == bindparam("team_id"), _IS_ADMIN
)
#: A team's row once per admin (once with admin_id NULL when it has none).
_TEAM_AND_ADMINS: Final = Prepared(
    select(teams, members.c.user_id.label("admin_id"))
    .outerjoin(members, (members.c.team_id == teams.c.id) & _IS_ADMIN)
    .where(teams.c.id == bindparam("team_id"))
)


def _team(row: prepared.Row) -> Team:
    return Team(row["id"], row["chat_id"], row["name"], Language(row["language"]), row["timezone"])


def person_from_row(row: prepared.Row) -> Person:
    return Person(
        id=row["id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        username=row["username"],
        language_code=row["language_code"],
        language=Language(row["language"]) if row["language"] else None,
        dm_open=row["dm_open"],
    )


@dataclass(frozen=True, slots=True)
class Membership:
    """A user's standing in one team."""

    team: Team
    is_admin: bool


class PeopleRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # --- teams ---------------------------------------------------------------------------

    def sync_team(
        self, chat_id: int, name: str, language: Language, timezone: str, now: datetime
    ) -> Team:
        """Make the configured team exist; its language is kept once set (/lang changes it)."""
        statement = upsert(self._connection, teams).values(
            chat_id=chat_id,
            name=name,
            language=language.value,
            timezone=timezone,
            last_number=0,
            created_at=now,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[teams.c.chat_id], set_={"name": name, "timezone": timezone}
        )
        self._connection.execute(statement)
        team = self.team_by_chat(chat_id)
        assert team is not None
        return team

    def team_by_chat(self, chat_id: int) -> Team | None:
        result = self._connection.execute(select(teams).where(teams.c.chat_id == chat_id))
        row = result.mappings().one_or_none()
        return _team(row) if row else None

    def team_with_membership(self, chat_id: int, user_id: int) -> tuple[Team, bool | None] | None:
        """The team of a group chat and the user's standing in it (None: not a member)."""
        result = self._connection.execute(
            select(teams, members.c.is_admin, members.c.user_id.label("member_id"))
            .outerjoin(members, (members.c.team_id == teams.c.id) & (members.c.user_id == user_id))
            .where(teams.c.chat_id == chat_id)
        )
        row = result.mappings().one_or_none()
        if row is None:
            return None
        return _team(row), (bool(row["is_admin"]) if row["member_id"] is not None else None)

    def team(self, team_id: int) -> Team | None:
        row = prepared.first(self._connection, _TEAM, {"team_id": team_id})
        return _team(row) if row else None

    def set_team_language(self, team_id: int, language: Language) -> None:
        self._connection.execute(
            update(teams)
            .where(teams.c.id == team_id)
            .values(language=language.value, directory_version=teams.c.directory_version + 1)
        )

    # --- the roster's version: bumped by every write that changes what processes cache ----

    def directory_version(self, team_id: int) -> int:
        """The team's roster version (what the in-memory roster compares with)."""
        result = self._connection.execute(_DIRECTORY_VERSION, {"team_id": team_id})
        return int(result.scalar_one_or_none() or 0)

    def directory_versions(self, team_ids: Iterable[int]) -> dict[int, int]:
        ids = sorted(set(team_ids))
        if not ids:
            return {}
        result = self._connection.execute(
            select(teams.c.id, teams.c.directory_version).where(teams.c.id.in_(ids))
        )
        return {int(row.id): int(row.directory_version) for row in result}

    def bump_team(self, team_id: int) -> None:
        self._connection.execute(
            update(teams)
            .where(teams.c.id == team_id)
            .values(directory_version=teams.c.directory_version + 1)
        )

    def bump_teams_of(self, user_id: int) -> None:
        """A user's own settings changed: every team they are in has a new roster version."""
        self._connection.execute(
            update(teams)
            .where(teams.c.id.in_(select(members.c.team_id).where(members.c.user_id == user_id)))
            .values(directory_version=teams.c.directory_version + 1)
        )

    # --- users and members ---------------------------------------------------------------

    def learn(self, person: Person, now: datetime, team_id: int | None = None) -> None:
        """Remember what Telegram says about a user (and that they are in a team)."""
        values = {
            "username": person.username,
            "username_key": person.username.lower() if person.username else None,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "language_code": person.language_code,
            "updated_at": now,
        }
        statement = upsert(self._connection, users).values(id=person.id, **values)
        self._connection.execute(
            statement.on_conflict_do_update(index_elements=[users.c.id], set_=values)
        )
        if team_id is not None:
            membership = upsert(self._connection, members).values(
                team_id=team_id, user_id=person.id, is_admin=False, joined_at=now
            )
            joined = self._connection.execute(membership.on_conflict_do_nothing())
            if joined.rowcount:
                self.bump_team(team_id)

    def person(self, user_id: int) -> Person | None:
        row = prepared.first(self._connection, _PERSON, {"user_id": user_id})
        return person_from_row(row) if row else None

    def people(self, user_ids: Iterable[int]) -> dict[int, Person]:
        ids = sorted(set(user_ids))
        if not ids:
            return {}
        if len(ids) > _FEW_PEOPLE:
            rows: Sequence[prepared.Row] = (
                self._connection.execute(_PEOPLE, {"user_ids": ids}).mappings().all()
            )
        else:
            padded = ids + ids[:1] * (_FEW_PEOPLE - len(ids))
            params = {f"user_{i}": user_id for i, user_id in enumerate(padded)}
            rows = prepared.rows(self._connection, _PEOPLE_FEW, params)
        return {row["id"]: person_from_row(row) for row in rows}

    def member_by_username(self, team_id: int, username: str) -> Person | None:
        result = self._connection.execute(
            select(users)
            .join(members, members.c.user_id == users.c.id)
            .where(members.c.team_id == team_id, users.c.username_key == username.lower())
        )
        row = result.mappings().first()
        return person_from_row(row) if row else None

    def membership(self, team_id: int, user_id: int) -> bool | None:
        """None: not a member; otherwise whether they administer the group."""
        result = self._connection.execute(_MEMBERSHIP, {"team_id": team_id, "user_id": user_id})
        value = result.scalar_one_or_none()
        return None if value is None else bool(value)

    def memberships(self, user_id: int) -> list[Membership]:
        result = self._connection.execute(
            select(teams, members.c.is_admin)
            .join(members, members.c.team_id == teams.c.id)
            .where(members.c.user_id == user_id)
            .order_by(teams.c.id)
        )
        return [Membership(_team(row), bool(row["is_admin"])) for row in result.mappings()]

    def team_members(self, team_id: int, *, limit: int = 50) -> list[Person]:
        result = self._connection.execute(
            select(users)
            .join(members, members.c.user_id == users.c.id)
            .where(members.c.team_id == team_id)
            .order_by(users.c.updated_at.desc())
            .limit(limit)
        )
        return [person_from_row(row) for row in result.mappings()]

    def set_admins(self, team_id: int, admin_ids: Sequence[int], now: datetime) -> None:
        """Mirror the group's administrator list (users must have been learned first)."""
        self._connection.execute(
            update(members).where(members.c.team_id == team_id, _IS_ADMIN).values(is_admin=False)
        )
        for user_id in admin_ids:
            statement = upsert(self._connection, members).values(
                team_id=team_id, user_id=user_id, is_admin=True, joined_at=now
            )
            self._connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[members.c.team_id, members.c.user_id],
                    set_={"is_admin": True},
                )
            )
        self.bump_team(team_id)

    def team_and_admins(self, team_id: int) -> tuple[Team, list[int]] | None:
        """The team and its group's admins, in one statement (what the dispatcher draws)."""
        rows = prepared.rows(self._connection, _TEAM_AND_ADMINS, {"team_id": team_id})
        if not rows:
            return None
        admins = [int(row["admin_id"]) for row in rows if row["admin_id"] is not None]
        return _team(rows[0]), admins

    def admins(self, team_id: int) -> list[int]:
        result = self._connection.execute(_ADMINS, {"team_id": team_id})
        return [int(user_id) for user_id in result.scalars()]

    def set_user_language(self, user_id: int, language: Language) -> None:
        self._connection.execute(
            update(users).where(users.c.id == user_id).values(language=language.value)
        )
        self.bump_teams_of(user_id)

    def set_dm_open(self, user_id: int, is_open: bool) -> None:
        result = self._connection.execute(
            update(users)
            .where(users.c.id == user_id, users.c.dm_open.is_distinct_from(is_open))
            .values(dm_open=is_open)
        )
        if result.rowcount:
            # Only a change makes other processes re-read their rosters.
            self.bump_teams_of(user_id)

    def set_private_team(self, user_id: int, team_id: int | None) -> None:
        self._connection.execute(
            update(users).where(users.c.id == user_id).values(private_team_id=team_id)
        )
        self.bump_teams_of(user_id)

    def private_team(self, user_id: int) -> int | None:
        result = self._connection.execute(
            select(users.c.private_team_id).where(users.c.id == user_id)
        )
        value = result.scalar_one_or_none()
        return int(value) if value is not None else None
