"""The real bot (PTB Application, services, dispatcher) on a real database, talking to the
emulator in-process: updates are made by personas and Bot API calls are recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.app import TicketBot, build_bot
from bot.config import Settings
from bot.emulator.core import EmulatorCore
from bot.emulator.scenario import BotSpec, GroupSpec, PersonaSpec, Scenario
from storage.database import Database
from tests.support.clock import FakeClock
from tests.support.emulated_request import EmulatedRequest

GROUP = -1001234567890
AGENT = PersonaSpec(1001, "Lin", "Mei", "linmei_cs", "zh-hans", role="agent")
ASSIGNEE = PersonaSpec(1002, "Zhou", "Hao", "zhouhao_aftersale", "zh-hans", role="assignee")
NEWCOMER = PersonaSpec(
    1003, "Chen", "Jing", "chenjing_wh", "en", started_bot=False, role="assignee"
)
SUPERVISOR = PersonaSpec(1004, "Wang", "Lei", "wanglei_lead", "en", role="supervisor")
STRANGER = PersonaSpec(1999, "Eve", None, "eve_outside", "en", role="")
OTHER_GROUP = -1009999999999


def scenario() -> Scenario:
    return Scenario(
        bot=BotSpec(),
        groups=(
            GroupSpec(
                GROUP,
                "客服组 Customer Service",
                administrators=(SUPERVISOR.id,),
                creator_id=SUPERVISOR.id,
            ),
            GroupSpec(OTHER_GROUP, "Another shop", members=(STRANGER.id,)),
        ),
        personas=(AGENT, ASSIGNEE, NEWCOMER, SUPERVISOR, STRANGER),
    )


def settings_for(database_url: str, *, language: str = "zh", **overrides: Any) -> Settings:
    document: dict[str, Any] = {
        "telegram": {"token": BotSpec().token},
        "database": {"url": database_url},
        "teams": [
            {
                "chat_id": GROUP,
                "name": "客服组",
                "language": language,
                "timezone": "Asia/Shanghai",
                "supervisors": [],
                "admins_are_supervisors": True,
            }
        ],
    }
    for section, values in overrides.items():
        document.setdefault(section, {}).update(values)
    return Settings.model_validate(document)


@dataclass
class BotWorld:
    core: EmulatorCore
    bot: TicketBot
    clock: FakeClock
    database: Database

    async def send(
        self, persona: PersonaSpec, chat_id: int, text: str, **kwargs: Any
    ) -> dict[str, Any]:
        update = self.core.user_send_text(persona.id, chat_id, text, **kwargs)
        await self.bot.process(update)
        return update

    async def press(
        self, persona: PersonaSpec, chat_id: int, message_id: int, data: str
    ) -> dict[str, Any]:
        update = self.core.user_press_button(persona.id, chat_id, message_id, data)
        await self.bot.process(update)
        return update

    async def introduce(self, *personas: PersonaSpec) -> None:
        """Each persona says hello in the group, which is how the bot learns its members."""
        for persona in personas:
            await self.send(persona, GROUP, f"大家好, I am {persona.first_name}")

    async def deliver(self) -> int:
        """Deliver the outbox until it is empty (what the dispatcher does after commits)."""
        total = 0
        while delivered := await self.bot.dispatcher.deliver_once():
            total += delivered
        return total

    def texts(self, chat_id: int) -> list[str]:
        return [str(m.get("text") or m.get("caption") or "") for m in self.core.messages(chat_id)]

    def bot_texts(self, chat_id: int) -> list[str]:
        return [
            str(m.get("text") or m.get("caption") or "") for m in self.core.bot_messages(chat_id)
        ]

    def last_bot_message(self, chat_id: int) -> dict[str, Any]:
        messages = self.core.bot_messages(chat_id)
        assert messages, f"the bot said nothing in {chat_id}"
        return messages[-1]

    def buttons(self, message: dict[str, Any]) -> dict[str, str]:
        """Button text → callback_data (or url) of a message's inline keyboard."""
        markup = message.get("reply_markup") or {}
        return {
            button["text"]: button.get("callback_data") or button.get("url")
            for row in markup.get("inline_keyboard", [])
            for button in row
        }

    def alerts(self) -> list[str]:
        return [answer.text or "" for answer in self.core.callback_answers if answer.show_alert]


async def start_world(database: Database, clock: FakeClock, settings: Settings) -> BotWorld:
    core = EmulatorCore(scenario())
    request = EmulatedRequest(core)
    bot = build_bot(
        settings, database, clock, request=request, updates_request=EmulatedRequest(core)
    )
    await bot.start(workers=False)
    world = BotWorld(core, bot, clock, database)
    await world.introduce(AGENT, ASSIGNEE, NEWCOMER, SUPERVISOR)
    return world
