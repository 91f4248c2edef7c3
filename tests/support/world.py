"""A team with its people, built through the real services: what most tests start from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.domain.changes import ChangeTicket, Channel, Origin, TicketRef
from bot.domain.commands import CreateTicket, UserRef
from bot.domain.model import Action
from bot.domain.people import Person, Team
from bot.domain.permissions import Actor
from bot.domain.ticket import Ticket
from bot.services.container import Services, build_services
from bot.services.tickets import Acted, Created
from storage.database import Database
from tests.support.clock import FakeClock

GROUP_CHAT_ID = -100_200_300
AGENT = Person(1001, "Ann", "Agent", "ann_agent", "en")
ASSIGNEE = Person(1002, "Bo", "Wang", "bo_aftersale", "zh-hans")
OTHER_ASSIGNEE = Person(1003, "Cai", None, "cai_warehouse", "zh")
SUPERVISOR = Person(1004, "Dee", "Lead", "dee_lead", "en")
OUTSIDER = Person(1999, "Eve", None, "eve_elsewhere", "en")


def team_settings(**overrides: Any) -> Settings:
    document: dict[str, Any] = {
        "teams": [
            {
                "chat_id": GROUP_CHAT_ID,
                "name": "Shop CS",
                "language": "en",
                "timezone": "Asia/Shanghai",
                "supervisors": [SUPERVISOR.id],
                "admins_are_supervisors": False,
            }
        ],
    }
    document.update(overrides)
    return Settings.model_validate(document)


@dataclass
class World:
    services: Services
    clock: FakeClock
    team: Team
    actors: dict[str, Actor] = field(default_factory=dict)

    def actor(self, person: Person) -> Actor:
        return self.actors[person.username or ""]

    async def create(
        self,
        order_id: str = "TB20261102001",
        *,
        kind: str | None = "aftersale",
        assignee: Person | None = ASSIGNEE,
        by: Person = AGENT,
        description: str = "客户说收到的杯子碎了",
    ) -> Ticket:
        command = CreateTicket(
            order_id,
            kind,
            UserRef(username=assignee.username) if assignee else None,
            description,
        )
        result = await self.services.tickets.create(
            command, chat_origin(self.actor(by), in_group=True), confirmed=True
        )
        assert isinstance(result, Created)
        return result.ticket


async def build_world(db: Database, clock: FakeClock, settings: Settings | None = None) -> World:
    services = build_services(settings or team_settings(), db, clock)
    teams = await services.people.sync_teams()
    world = World(services, clock, teams[0])
    for person in (AGENT, ASSIGNEE, OTHER_ASSIGNEE, SUPERVISOR):
        session = await services.people.in_group(GROUP_CHAT_ID, person)
        assert session is not None
        world.actors[person.username or ""] = session.actor
    await services.people.learn(OUTSIDER)
    world.actors[OUTSIDER.username or ""] = await services.people.actor(world.team.id, OUTSIDER.id)
    return world


def chat_origin(actor: Actor, *, in_group: bool = False) -> Origin:
    """A change typed in the chat by `actor` (no update id: nothing to deduplicate)."""
    return Origin(actor, Channel.CHAT, in_group=in_group)


async def act(
    services: Services, actor: Actor, action: Action, *, number: int, text: str | None = None
) -> Acted:
    """`action` on ticket `number` as `actor`, through the one write path."""
    change = ChangeTicket(TicketRef(number), action, text)
    return await services.tickets.execute(change, chat_origin(actor))
