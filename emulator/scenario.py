"""The emulated world's cast: the bot, its groups and the people (personas) who talk to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class BotSpec:
    """The bot account. Its id is the number before the colon of the token."""

    token: str = "123456:TEST-TOKEN"
    first_name: str = "Ticketbot"
    username: str = "ticketbot_demo_bot"
    # Telegram's default: in groups where the bot is no admin it sees only commands and replies.
    privacy_mode: bool = True
    can_join_groups: bool = True
    supports_inline_queries: bool = False
    # BotFather's /setinlinefeedback: chosen inline results are reported to the bot.
    inline_feedback: bool = False

    @property
    def id(self) -> int:
        return int(self.token.split(":", 1)[0])


@dataclass(frozen=True)
class PersonaSpec:
    """A human user. `started_bot` says whether they ever opened a private chat with the bot."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    started_bot: bool = True
    # A free-form label for the panel (e.g. "agent", "assignee", "supervisor").
    role: str = ""


@dataclass(frozen=True)
class GroupSpec:
    """A group chat. Ids are negative; supergroups conventionally start with -100."""

    id: int
    title: str
    type: Literal["group", "supergroup"] = "supergroup"
    # Persona ids of the administrators; the first one is the creator unless creator_id says so.
    administrators: tuple[int, ...] = ()
    creator_id: int | None = None
    # Persona ids in the group; None means every persona of the scenario.
    members: tuple[int, ...] | None = None
    bot_is_admin: bool = True
    username: str | None = None
    # A forum supergroup has topics; the bot may manage them only as an admin with this right.
    is_forum: bool = False
    bot_can_manage_topics: bool = True


@dataclass(frozen=True)
class Scenario:
    """Everything the emulator needs to build its world."""

    bot: BotSpec = field(default_factory=BotSpec)
    groups: tuple[GroupSpec, ...] = ()
    personas: tuple[PersonaSpec, ...] = ()
    # The first update_id handed out; Telegram starts at an arbitrary positive number.
    first_update_id: int = 100_000_001


def demo_scenario() -> Scenario:
    """The demo team: an agent, two assignees (one never started the bot) and a supervisor."""
    agent = PersonaSpec(
        id=1001,
        first_name="Lin",
        last_name="Mei",
        username="linmei_cs",
        language_code="zh-hans",
        role="agent",
    )
    aftersale = PersonaSpec(
        id=1002,
        first_name="Zhou",
        last_name="Hao",
        username="zhouhao_aftersale",
        language_code="zh-hans",
        role="assignee",
    )
    warehouse = PersonaSpec(
        id=1003,
        first_name="Chen",
        last_name="Jing",
        username="chenjing_wh",
        language_code="en",
        started_bot=False,
        role="assignee",
    )
    supervisor = PersonaSpec(
        id=1004,
        first_name="Wang",
        last_name="Lei",
        username="wanglei_lead",
        language_code="en",
        role="supervisor",
    )
    team = GroupSpec(
        id=-1001234567890,
        title="客服组 Customer Service",
        administrators=(supervisor.id,),
        creator_id=supervisor.id,
    )
    return Scenario(
        bot=BotSpec(),
        groups=(team,),
        personas=(agent, aftersale, warehouse, supervisor),
    )
