"""The real bot (PTB Application, services, dispatcher) on a real database, talking to the
emulator in-process: updates are made by personas and Bot API calls are recorded."""

from __future__ import annotations

import copy
import struct
import zlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.app import TicketBot, build_bot
from bot.config import Settings
from bot.domain.model import EventType
from bot.domain.ticket import Ticket
from bot.domain.views import EvidenceItem
from emulator import EmulatorCore, MediaItem, UploadedFile
from emulator.ptb import EmulatedRequest
from emulator.scenario import BotSpec, GroupSpec, PersonaSpec, Scenario
from storage.database import Database
from storage.delivery import OutboxRow
from storage.tickets import TicketRepository, ticket_from_row
from storage.transaction import Transaction
from tests.support.clock import FakeClock

GROUP = -1001234567890
AGENT = PersonaSpec(1001, "Lin", "Mei", "linmei_cs", "zh-hans", role="agent")
ASSIGNEE = PersonaSpec(1002, "Zhou", "Hao", "zhouhao_aftersale", "zh-hans", role="assignee")
NEWCOMER = PersonaSpec(
    1003, "Chen", "Jing", "chenjing_wh", "en", started_bot=False, role="assignee"
)
SUPERVISOR = PersonaSpec(1004, "Wang", "Lei", "wanglei_lead", "en", role="supervisor")
STRANGER = PersonaSpec(1999, "Eve", None, "eve_outside", "en", role="")
#: In the other shop's group only: never in the team's group.
OUTSIDER = PersonaSpec(1998, "Mallory", None, "mallory_elsewhere", "en", role="")
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
                members=(AGENT.id, ASSIGNEE.id, NEWCOMER.id, SUPERVISOR.id, STRANGER.id),
            ),
            GroupSpec(OTHER_GROUP, "Another shop", members=(STRANGER.id, OUTSIDER.id)),
        ),
        personas=(AGENT, ASSIGNEE, NEWCOMER, SUPERVISOR, STRANGER, OUTSIDER),
    )


#: The dispatcher's flood spacing is the dispatcher tests' business; here every notice is
#: deliverable at once, so `deliver()` needs no clock travel (a delay such as an album's still
#: waits for `clock.advance`).
FAST_DISPATCH: dict[str, Any] = {
    "messages_per_second": 10_000,
    "private_chat_interval": timedelta(0),
    "group_messages_per_minute": 10**9,
}


def settings_for(
    database_url: str,
    *,
    language: str = "zh",
    supervisors: tuple[int, ...] = (),
    other_team: bool = False,
    **overrides: Any,
) -> Settings:
    """The team of GROUP; with `other_team`, the other shop's group is a second team."""
    document: dict[str, Any] = {
        "telegram": {"token": BotSpec().token},
        "database": {"url": database_url},
        "dispatcher": dict(FAST_DISPATCH),
        "teams": [
            {
                "chat_id": GROUP,
                "name": "客服组",
                "language": language,
                "timezone": "Asia/Shanghai",
                "supervisors": list(supervisors),
                "admins_are_supervisors": True,
            }
        ],
    }
    if other_team:
        document["teams"].append(
            {"chat_id": OTHER_GROUP, "name": "Another shop", "language": "en", "supervisors": []}
        )
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

    def entities(self, message: dict[str, Any], kind: str) -> list[str]:
        """The text of each entity of type `kind` (offsets count UTF-16 units, as Telegram's)."""
        text = str(message.get("text") or message.get("caption") or "")
        units = text.encode("utf-16-le")
        found = message.get("entities") or message.get("caption_entities") or []
        return [
            units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
            for e in found
            if e["type"] == kind
        ]

    def alerts(self) -> list[str]:
        return [answer.text or "" for answer in self.core.callback_answers if answer.show_alert]

    # --- more ways to act ------------------------------------------------------------------------

    async def reply(
        self, persona: PersonaSpec, chat_id: int, to: dict[str, Any], text: str
    ) -> dict[str, Any]:
        """`persona` answers the message `to` (a prompt of the bot, a customer's message)."""
        return await self.send(persona, chat_id, text, reply_to=int(to["message_id"]))

    async def press_text(
        self, persona: PersonaSpec, chat_id: int, message: dict[str, Any], text: str
    ) -> dict[str, Any]:
        """Press the button labelled `text` on `message`."""
        data = self.buttons(message)[text]
        return await self.press(persona, chat_id, int(message["message_id"]), data)

    async def press_forged(
        self, persona: PersonaSpec, chat_id: int, message: dict[str, Any], data: str
    ) -> dict[str, Any]:
        """A press carrying `data` the message's buttons never had (a modified client sends
        whatever it likes): a real press of one of its buttons, with the data replaced."""
        genuine = next(iter(self.buttons(message).values()))
        update = self.core.user_press_button(
            persona.id, chat_id, int(message["message_id"]), genuine
        )
        forged = copy.deepcopy(update)
        forged["callback_query"]["data"] = data
        await self.bot.process(forged)
        return forged

    async def send_photo(
        self, persona: PersonaSpec, chat_id: int, *, caption: str | None = None, seed: int = 0
    ) -> dict[str, Any]:
        update = self.core.user_send_photo(
            persona.id, chat_id, png(800 + seed, 600), caption=caption
        )
        await self.bot.process(update)
        return update

    async def send_pdf(
        self,
        persona: PersonaSpec,
        chat_id: int,
        *,
        name: str = "协商记录.pdf",
        caption: str | None = None,
    ) -> dict[str, Any]:
        update = self.core.user_send_document(
            persona.id,
            chat_id,
            b"%PDF-1.4\n% negotiation record\n%%EOF\n",
            file_name=name,
            mime_type="application/pdf",
            caption=caption,
        )
        await self.bot.process(update)
        return update

    async def send_album(
        self, persona: PersonaSpec, chat_id: int, photos: int, *, caption: str | None = None
    ) -> list[dict[str, Any]]:
        items = [
            MediaItem("photo", UploadedFile(f"screenshot{n}.png", "image/png", png(640 + n, 480)))
            for n in range(photos)
        ]
        updates = self.core.user_send_album(persona.id, chat_id, items, caption=caption)
        for update in updates:
            await self.bot.process(update)
        return updates

    # --- what the database says ------------------------------------------------------------------

    @property
    def team_id(self) -> int:
        profile = self.bot.services.directory.by_chat(GROUP)
        assert profile is not None
        return profile.team.id

    async def ticket(self, number: int) -> Ticket:
        team_id = self.team_id
        found = await self.database.read(lambda tx: tx.tickets.by_number(team_id, number))
        assert found is not None, f"no ticket T{number}"
        return found

    async def tickets(self) -> list[Ticket]:
        """Every ticket of the team, by number."""
        team_id = self.team_id
        return await self.database.read(lambda tx: _all_tickets(tx, team_id))

    async def timeline(self, number: int) -> list[EventType]:
        ticket = await self.ticket(number)
        assert ticket.id is not None
        ticket_id = ticket.id
        entries = await self.database.read(lambda tx: tx.events.timeline(ticket_id))
        return [entry.event.type for entry in entries]

    async def evidence(self, number: int) -> list[EvidenceItem]:
        ticket = await self.ticket(number)
        assert ticket.id is not None
        ticket_id = ticket.id
        return await self.database.read(lambda tx: tx.evidence.of_ticket(ticket_id))

    async def outbox(self, destination: int | None = None) -> list[OutboxRow]:
        where = f"chat:{destination}" if destination is not None else None
        return await self.database.read(lambda tx: tx.outbox.rows(destination=where))

    async def state(self) -> tuple[object, ...]:
        """Everything a refused command or press must leave as it was: every ticket of the
        team (with its version), its events and evidence, and the outbox."""
        team_id = self.team_id

        def body(tx: Transaction) -> tuple[object, ...]:
            tickets = _all_tickets(tx, team_id)
            events = [len(tx.events.timeline(t.id or 0)) for t in tickets]
            evidence = [tx.evidence.count(t.id or 0) for t in tickets]
            return (tickets, events, evidence, len(tx.outbox.rows()))

        return await self.database.read(body)


def png(width: int, height: int) -> bytes:
    """A tiny but well-formed PNG header declaring the given size (distinct sizes, distinct
    files)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


def _all_tickets(tx: Transaction, team_id: int) -> list[Ticket]:
    query = TicketRepository.export_query(team_id, None)
    return [ticket_from_row(row) for row in tx.connection.execute(query).mappings()]


async def start_world(
    database: Database, clock: FakeClock, settings: Settings, cast: Scenario | None = None
) -> BotWorld:
    core = EmulatorCore(cast or scenario())
    request = EmulatedRequest(core)
    bot = build_bot(
        settings, database, clock, request=request, updates_request=EmulatedRequest(core)
    )
    await bot.start(workers=False)
    world = BotWorld(core, bot, clock, database)
    await world.introduce(AGENT, ASSIGNEE, NEWCOMER, SUPERVISOR)
    return world
