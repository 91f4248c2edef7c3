"""The simulated marketplace: opens collaborative work orders about seeded orders, takes the
shop's signed replies (checking that what an option requires is there), and rules a few
minutes later: agreement with evidence in time is in the shop's favour; no agreement, or a
late or missing reply, is against it.

Its clock is injected (`clock` decides deadlines and rulings, `wire_clock` stamps signatures),
so tests move time by hand and call `tick()`: nothing here sleeps until a deadline.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import aiohttp
from aiohttp import web

from marketplace.signing import headers, verified

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

#: The platform's reply options for every collaborative work order it opens.
REPLY_OPTIONS: Final = (
    {
        "id": "agreed",
        "labels": {"zh": "已与消费者协商一致", "en": "Agreed with the consumer"},
        "requires_evidence": True,
        "max_files": 5,
    },
    {
        "id": "not_agreed",
        "labels": {"zh": "未能协商一致", "en": "No agreement reached"},
        "requires_description": True,
        "max_files": 5,
    },
)
_OPTIONS: Final = {option["id"]: option for option in REPLY_OPTIONS}
COMPLAINTS: Final = (
    "消费者称收到的杯子破损，要求退款。Consumer says the cup arrived broken and wants a refund.",
    "消费者称商品与描述不符。Consumer says the item is not as described.",
    "消费者称迟迟未发货。Consumer says the order has not shipped.",
)
SHOP_FAVOUR: Final = "shop_favour"
_FAVOUR_EN: Final = "Agreement with evidence: in the shop's favour."
_AGAINST_EN: Final = "No agreement in time: against the shop."
AGAINST: Final = "against"


def _real_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class MarketplaceConfig:
    secret: str
    #: The bot's intake: POST {events_url} (…/api/v1/platforms/<name>/events).
    events_url: str
    name: str = "tmall"
    shop_id: str = "shop-1001"
    orders: tuple[str, ...] = ("TB20261206001", "TB20261206002", "TB20261206003")
    reply_within: timedelta = timedelta(hours=24)
    rule_after: timedelta = timedelta(minutes=3)
    #: Open a ticket this often (the demo); None: only when asked.
    send_every: timedelta | None = None


@dataclass(slots=True)
class Received:
    """A reply or an appeal as the platform got it, and what it answered."""

    delivery_id: str
    type: str
    platform_ticket_id: str
    at: str
    option_id: str | None
    description: str | None
    files: list[dict[str, Any]]
    accepted: bool
    error: str | None = None
    signature_ok: bool = True


@dataclass(slots=True)
class SimTicket:
    id: str
    order_id: str
    complaint: str
    created_at: datetime
    deadline: datetime
    bot_answer: dict[str, Any] = field(default_factory=dict)
    reply: Received | None = None
    replied_at: datetime | None = None
    timed_out: bool = False
    rule_at: datetime | None = None
    verdict: str | None = None
    appeal: Received | None = None
    appeal_decide_at: datetime | None = None
    appeal_result: str | None = None

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "order_id": self.order_id,
            "complaint": self.complaint,
            "deadline": self.deadline.isoformat(),
            "replied": self.reply.option_id if self.reply else None,
            "timed_out": self.timed_out,
            "verdict": self.verdict,
            "appeal_result": self.appeal_result,
        }


class Marketplace:
    def __init__(
        self,
        config: MarketplaceConfig,
        http: aiohttp.ClientSession,
        *,
        clock: Clock = _real_now,
        wire_clock: Clock = _real_now,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex[:12],
    ) -> None:
        self.config = config
        self._http = http
        self.clock = clock
        self._wire_clock = wire_clock
        self._new_id = new_id
        self.tickets: dict[str, SimTicket] = {}
        self.received: list[Received] = []
        self._deliveries: set[str] = set()
        self._orders = itertools.cycle(config.orders)
        self._next_open: datetime | None = None
        #: Set whenever something arrives or is sent (tests wait on it instead of sleeping).
        self.changed = asyncio.Event()
        #: Answer this many of the next replies 503, as a platform having an outage.
        self.outage = 0

    # --- what the platform sends ---------------------------------------------------------------

    async def send(self, type_: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """One signed event to the bot; its status and JSON answer."""
        body = json.dumps(
            {"type": type_, "timestamp": self.clock().isoformat(), "data": data},
            ensure_ascii=False,
        ).encode()
        event_id = f"evt_{self._new_id()}"
        signed = headers(self.config.secret, event_id, self._wire_clock(), body)
        async with self._http.post(self.config.events_url, data=body, headers=signed) as response:
            answer = await response.json(content_type=None)
        log.info("marketplace sent %s %s: %s %s", type_, event_id, response.status, answer)
        self.changed.set()
        return response.status, answer if isinstance(answer, dict) else {}

    async def open_ticket(self, order_id: str | None = None) -> SimTicket:
        """A collaborative work order about a seeded order, due in `reply_within`."""
        now = self.clock()
        ticket = SimTicket(
            id=f"CT{self._new_id()}",
            order_id=order_id or next(self._orders),
            complaint=COMPLAINTS[len(self.tickets) % len(COMPLAINTS)],
            created_at=now,
            deadline=now + self.config.reply_within,
        )
        self.tickets[ticket.id] = ticket
        _, ticket.bot_answer = await self.send(
            "ticket.created",
            {
                "platform_ticket_id": ticket.id,
                "shop_id": self.config.shop_id,
                "order_id": ticket.order_id,
                "complaint": ticket.complaint,
                "deadline": ticket.deadline.isoformat(),
                "reply_options": list(REPLY_OPTIONS),
            },
        )
        return ticket

    async def tick(self) -> None:
        """Everything due by the clock: timeouts, rulings, appeal decisions, a new ticket."""
        now = self.clock()
        for ticket in list(self.tickets.values()):
            if ticket.reply is None and not ticket.timed_out and now >= ticket.deadline:
                ticket.timed_out = True
                ticket.rule_at = now + self.config.rule_after
                await self.send("ticket.timeout", {"platform_ticket_id": ticket.id})
            if ticket.verdict is None and ticket.rule_at is not None and now >= ticket.rule_at:
                await self._rule(ticket)
            decide = ticket.appeal_decide_at
            if ticket.appeal_result is None and decide is not None and now >= decide:
                ticket.appeal_result = "upheld"
                await self.send(
                    "appeal.decided",
                    {
                        "platform_ticket_id": ticket.id,
                        "verdict": "upheld",
                        "text": "申诉已审核，维持原判。The appeal was reviewed; the ruling stands.",
                    },
                )
        every = self.config.send_every
        if every is not None:
            if self._next_open is None:
                self._next_open = now + every
            elif now >= self._next_open:
                self._next_open = now + every
                await self.open_ticket()

    async def _rule(self, ticket: SimTicket) -> None:
        reply, replied_at = ticket.reply, ticket.replied_at
        in_time = replied_at is not None and replied_at <= ticket.deadline
        agreed = reply is not None and reply.option_id == "agreed" and bool(reply.files)
        if agreed and in_time:
            ticket.verdict = SHOP_FAVOUR
            text = "商家已与消费者协商一致并提供凭证，判定支持商家。" + _FAVOUR_EN
        else:
            ticket.verdict = AGAINST
            text = "商家未在时限内与消费者协商一致，判定支持消费者。" + _AGAINST_EN
        await self.send(
            "ticket.ruled",
            {"platform_ticket_id": ticket.id, "verdict": ticket.verdict, "text": text},
        )

    async def run(self, stop: asyncio.Event, every: timedelta = timedelta(seconds=1)) -> None:
        """Tick until `stop` (the demo); a failing tick is logged and tried again."""
        while not stop.is_set():
            try:
                await self.tick()
            except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                # Not up yet, restarting, or answering something that is not JSON.
                log.warning("marketplace: the bot could not be reached: %r", error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every.total_seconds())

    # --- what the platform receives --------------------------------------------------------

    async def on_reply(self, request: web.Request) -> web.Response:
        """POST /replies: the shop's signed reply or appeal, checked as the platform would."""
        body = await request.read()
        delivery = request.headers.get("webhook-id", "")
        if not verified(
            self.config.secret,
            delivery,
            request.headers.get("webhook-timestamp"),
            request.headers.get("webhook-signature"),
            body,
            self._wire_clock(),
        ):
            return _refuse(401, "bad signature")
        if self.outage:
            self.outage -= 1
            return _refuse(503, "temporarily unavailable")
        if delivery in self._deliveries:
            return web.json_response({"status": "duplicate"})
        try:
            data = json.loads(body)
        except ValueError:
            return _refuse(400, "not JSON")
        if not isinstance(data, dict):
            return _refuse(400, "not a JSON object")
        ticket = self.tickets.get(str(data.get("platform_ticket_id")))
        if ticket is None:
            return _refuse(404, "no such ticket")
        files = [
            {
                "file_name": item.get("file_name"),
                "mime_type": item.get("mime_type"),
                "size": len(base64.b64decode(item.get("content_base64") or "")),
            }
            for item in data.get("files") or []
        ]
        received = Received(
            delivery_id=delivery,
            type=str(data.get("type")),
            platform_ticket_id=ticket.id,
            at=self.clock().isoformat(),
            option_id=data.get("option_id"),
            description=data.get("description"),
            files=files,
            accepted=True,
        )
        received.error = self._problem(ticket, received)
        received.accepted = received.error is None
        self.received.append(received)
        self._deliveries.add(delivery)
        self.changed.set()
        if received.error is not None:
            return _refuse(422, received.error)
        now = self.clock()
        if received.type == "appeal":
            ticket.appeal = received
            ticket.appeal_decide_at = now + self.config.rule_after
        else:
            ticket.reply, ticket.replied_at = received, now
            ticket.rule_at = ticket.rule_at or now + self.config.rule_after
        return web.json_response({"status": "accepted", "delivery_id": delivery})

    @staticmethod
    def _problem(ticket: SimTicket, received: Received) -> str | None:
        if received.type == "appeal":
            if ticket.verdict is None:
                return "nothing to appeal: not ruled yet"
            return None if received.description else "an appeal needs its reason"
        if ticket.reply is not None:
            return "already replied"
        option = _OPTIONS.get(received.option_id or "")
        if option is None:
            return f"unknown option {received.option_id!r}"
        if option.get("requires_evidence") and not received.files:
            return "this option requires evidence files"
        if option.get("requires_description") and not received.description:
            return "this option requires a description"
        return None

    # --- the app ---------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {
            "name": self.config.name,
            "now": self.clock().isoformat(),
            "tickets": [ticket.view() for ticket in self.tickets.values()],
            "received": [asdict(item) for item in self.received],
        }

    def app(self) -> web.Application:
        """POST /replies (the reply_url); GET /api/state and POST /api/tickets for the panel."""
        app = web.Application()

        async def state(_: web.Request) -> web.Response:
            return web.json_response(self.state(), headers=_CORS)

        async def open_one(_: web.Request) -> web.Response:
            ticket = await self.open_ticket()
            return web.json_response(ticket.view(), headers=_CORS)

        app.router.add_post("/replies", self.on_reply)
        app.router.add_get("/api/state", state)
        app.router.add_post("/api/tickets", open_one)
        return app


#: The chat panel (another port) reads the state and asks for tickets.
_CORS: Final = {"Access-Control-Allow-Origin": "*"}


def _refuse(status: int, message: str) -> web.Response:
    return web.json_response({"error": {"message": message}}, status=status)
