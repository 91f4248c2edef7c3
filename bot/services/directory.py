"""What the configuration says about teams and kinds, looked up by id at run time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from bot.config import Settings, TeamSettings
from bot.domain.calendars import WorkCalendar
from bot.domain.deadlines import EscalationPolicy
from bot.domain.errors import NotFound, UsageError
from bot.domain.model import Kind, KindClock
from bot.domain.notifications import Audience
from bot.domain.people import Team
from bot.services.calendars import build_calendar


@dataclass(frozen=True, slots=True)
class TeamProfile:
    """A configured team with its database id."""

    team: Team
    settings: TeamSettings

    @property
    def supervisors(self) -> frozenset[int]:
        return frozenset(self.settings.supervisors)


class Directory:
    """Teams by id and chat, the resolved kinds, the SLA policy and the integrations."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.kinds: Mapping[str, Kind] = settings.resolved_kinds()
        #: The kinds' names, as command parsing takes them.
        self.kind_names: tuple[str, ...] = tuple(self.kinds)
        #: Other words for each kind as hashtags: its labels, lowercased, spaces removed.
        self.kind_aliases: Mapping[str, str] = _aliases(self.kinds)
        self.policy = EscalationPolicy(
            settings.sla.escalate_again_after, max_hold=settings.sla.max_hold
        )
        self.calendars = {
            name: build_calendar(calendar) for name, calendar in settings.calendars.items()
        }
        self._webhooks = tuple((hook.url, hook.events) for hook in settings.integrations.webhooks)
        self._by_id: dict[int, TeamProfile] = {}
        self._by_chat: dict[int, TeamProfile] = {}
        self._policies: dict[tuple[int, KindClock], EscalationPolicy] = {}

    def calendar_of(self, team_id: int) -> WorkCalendar | None:
        profile = self._by_id.get(team_id)
        name = profile.settings.calendar if profile else None
        return self.calendars[name][0] if name else None

    def policy_for(self, team_id: int, kind: Kind) -> EscalationPolicy:
        """The SLA rules of one ticket: with the team's calendar when its kind counts working
        time (collab's platform deadline stays wall-clock)."""
        key = (team_id, kind.clock)
        policy = self._policies.get(key)
        if policy is None:
            # Built once per team and clock: the sweeper asks for every due ticket.
            calendar = self.calendar_of(team_id) if kind.clock is KindClock.BUSINESS else None
            policy = self.policy if calendar is None else replace(self.policy, calendar=calendar)
            self._policies[key] = policy
        return policy

    def register(self, team: Team, settings: TeamSettings) -> None:
        profile = TeamProfile(team, settings)
        self._by_id[team.id] = profile
        self._by_chat[team.chat_id] = profile
        self._policies.clear()

    def team(self, team_id: int) -> TeamProfile:
        try:
            return self._by_id[team_id]
        except KeyError:
            raise NotFound("notfound.team") from None

    def supervisors_of(self, team_id: int) -> frozenset[int]:
        """The configured supervisors of a team (none for a team no longer configured)."""
        profile = self._by_id.get(team_id)
        return profile.supervisors if profile else frozenset()

    def group_chat(self, team_id: int) -> int | None:
        profile = self._by_id.get(team_id)
        return profile.team.chat_id if profile else None

    def by_chat(self, chat_id: int) -> TeamProfile | None:
        return self._by_chat.get(chat_id)

    def teams(self) -> list[TeamProfile]:
        return list(self._by_id.values())

    def kind(self, name: str, command: str = "ticket") -> Kind:
        try:
            return self.kinds[name]
        except KeyError:
            known = " ".join(f"#{kind}" for kind in self.kinds)
            raise UsageError(command, "kind_unknown", token=f"#{name}", known=known) from None

    def kind_or_default(self, name: str) -> Kind:
        """A configured kind, or one with SLA defaults for a kind since removed from the config."""
        kind = self.kinds.get(name)
        if kind is not None:
            return kind
        sla = self.settings.sla
        return Kind(name, name, name, sla.reply_within, sla.remind_before, needs_outcome=False)

    def default_kind(self) -> Kind:
        return self.kind("task") if "task" in self.kinds else next(iter(self.kinds.values()))

    def audience(self, team_id: int) -> Audience:
        return Audience(self.team(team_id).team.chat_id, self._webhooks)


def _aliases(kinds: Mapping[str, Kind]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for kind in kinds.values():
        for label in (kind.label_zh, kind.label_en):
            aliases.setdefault(label.lower().replace(" ", "").replace("-", ""), kind.name)
    return aliases
