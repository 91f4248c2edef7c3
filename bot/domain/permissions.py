"""Who may do what: one table of role × action, consulted by every entry point."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from bot.domain.actions import ACTIONS
from bot.domain.errors import Refused
from bot.domain.model import Action, Role, TeamAction

#: role → ticket actions it grants, read from each action's `roles`. Several roles: the union.
TICKET_PERMISSIONS: Final[Mapping[Role, frozenset[Action]]] = {
    role: frozenset(action for action, spec in ACTIONS.items() if role in spec.roles)
    for role in Role
}

#: role → team actions it grants.
TEAM_PERMISSIONS: Final[Mapping[Role, frozenset[TeamAction]]] = {
    Role.STRANGER: frozenset(),
    Role.MEMBER: frozenset({TeamAction.CREATE, TeamAction.VIEW}),
    Role.SUPERVISOR: frozenset(TeamAction),
    # The system creates only a platform's tickets (the scheduler creates none).
    Role.SYSTEM: frozenset({TeamAction.CREATE, TeamAction.VIEW}),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Someone acting in a team: a user with their team role, or the scheduler."""

    user_id: int | None
    team_id: int
    team_role: Role

    @classmethod
    def system(cls, team_id: int) -> Actor:
        return cls(user_id=None, team_id=team_id, team_role=Role.SYSTEM)

    @classmethod
    def platform(cls, team_id: int) -> Actor:
        """A marketplace acting on its collaborative work orders (user id 0: no person)."""
        return cls(user_id=0, team_id=team_id, team_role=Role.SYSTEM)


def ticket_roles(
    actor: Actor, *, team_id: int, creator_id: int, assignee_id: int | None
) -> frozenset[Role]:
    """The roles `actor` holds towards one ticket; nothing across teams."""
    if actor.team_id != team_id or actor.team_role is Role.STRANGER:
        return frozenset({Role.STRANGER})
    roles = {actor.team_role}
    if actor.user_id is not None and actor.user_id == creator_id:
        roles.add(Role.CREATOR)
    if actor.user_id is not None and actor.user_id == assignee_id:
        roles.add(Role.ASSIGNEE)
    return frozenset(roles)


def may(roles: frozenset[Role], action: Action) -> bool:
    return any(action in TICKET_PERMISSIONS[role] for role in roles)


def require(roles: frozenset[Role], action: Action) -> None:
    """Refuse unless one of `roles` grants `action`."""
    if not may(roles, action):
        raise Refused("refused.permission", action=action.value)


def may_team(actor: Actor, action: TeamAction) -> bool:
    return action in TEAM_PERMISSIONS[actor.team_role]


def require_team(actor: Actor, action: TeamAction) -> None:
    if not may_team(actor, action):
        raise Refused("refused.team_permission", action=action.value)
