"""POST /api/v1/platforms/{platform}/events: a marketplace's signed events, validated here
(pydantic models the OpenAPI document can include), applied by the platform service."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any, Final, Literal

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from bot.clock import Clock
from bot.domain.errors import Conflict, DomainError, NotFound
from bot.domain.platform import (
    BadSignature,
    PlatformEvent,
    PlatformTicketCreated,
    PlatformTicketEvent,
    ReplyOption,
    verify,
)
from bot.services.platform import PlatformService

log = logging.getLogger(__name__)

EVENTS_PATH: Final = "/api/v1/platforms/{platform}/events"
#: A platform's bodies are small; an evidence-sized one is not an event.
MAX_BODY: Final = 256 * 1024

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Id = Annotated[str, Field(min_length=1, max_length=128)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Labels(_Body):
    zh: Annotated[str, Field(min_length=1, max_length=64)]
    en: Annotated[str, Field(min_length=1, max_length=64)]


class ReplyOptionBody(_Body):
    """One answer the platform accepts, and what it must come with."""

    id: Annotated[str, Field(min_length=1, max_length=64)]
    labels: Labels
    requires_description: bool = False
    requires_evidence: bool = False
    max_files: int = Field(default=9, ge=0, le=50)


class TicketCreatedData(_Body):
    platform_ticket_id: Id
    shop_id: Id
    order_id: Annotated[str, Field(min_length=1, max_length=64)]
    complaint: Text
    deadline: AwareDatetime
    reply_options: Annotated[list[ReplyOptionBody], Field(min_length=1, max_length=8)]


class PlatformTicketData(_Body):
    platform_ticket_id: Id


class RulingData(_Body):
    platform_ticket_id: Id
    verdict: Annotated[str, Field(min_length=1, max_length=32)]
    text: Text


class TicketCreated(_Body):
    type: Literal["ticket.created"]
    timestamp: datetime | None = None
    data: TicketCreatedData


class TicketTimeout(_Body):
    type: Literal["ticket.timeout"]
    timestamp: datetime | None = None
    data: PlatformTicketData


class TicketRuled(_Body):
    type: Literal["ticket.ruled"]
    timestamp: datetime | None = None
    data: RulingData


class AppealDecided(_Body):
    type: Literal["appeal.decided"]
    timestamp: datetime | None = None
    data: RulingData


PlatformEventBody = Annotated[
    TicketCreated | TicketTimeout | TicketRuled | AppealDecided, Field(discriminator="type")
]
EVENT_BODY: Final[TypeAdapter[Any]] = TypeAdapter(PlatformEventBody)


class EventAccepted(BaseModel):
    """The answer to an event: what became of it, and the ticket it is about."""

    status: Literal["created", "applied", "duplicate", "ignored"]
    ticket: str | None = None


def to_event(
    body: TicketCreated | TicketTimeout | TicketRuled | AppealDecided,
) -> PlatformEvent:
    if isinstance(body, TicketCreated):
        data = body.data
        options = tuple(
            ReplyOption(
                option.id,
                option.labels.zh,
                option.labels.en,
                option.requires_description,
                option.requires_evidence,
                option.max_files,
            )
            for option in data.reply_options
        )
        return PlatformTicketCreated(
            data.platform_ticket_id,
            data.shop_id,
            data.order_id,
            data.complaint,
            data.deadline,
            options,
        )
    if isinstance(body, TicketTimeout):
        return PlatformTicketEvent(body.type, body.data.platform_ticket_id)
    return PlatformTicketEvent(
        body.type, body.data.platform_ticket_id, body.data.verdict, body.data.text
    )


def _error(status: int, code: str, message: str, field: str | None = None) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message, "field": field}}, status=status
    )


def _field(error: Any) -> str | None:
    """The body's field at fault: `type` when the event type is wrong or missing, none when
    the body is not JSON at all."""
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return "type"
    # The discriminated union adds the event type to the path; the body has no such key.
    location = error["loc"]
    parts = [str(part) for part in location if not str(part).startswith(("ticket.", "appeal."))]
    return ".".join(parts) or None


def add_platform_routes(app: web.Application, service: PlatformService, clock: Clock) -> None:
    """Mount the events endpoint (both polling and webhook mode)."""

    async def receive(request: web.Request) -> web.Response:
        name = request.match_info["platform"]
        try:
            secret = service.settings(name).secret.get_secret_value()
        except NotFound:
            return _error(404, "not_found", f"no platform {name!r}")
        body = await request.read()
        if len(body) > MAX_BODY:
            return _error(413, "too_large", "the event body is too large")
        headers = request.headers
        try:
            event_id = verify(
                secret,
                headers.get("webhook-id"),
                headers.get("webhook-timestamp"),
                headers.get("webhook-signature"),
                body,
                clock.now(),
            )
        except BadSignature as error:
            log.warning("platform %s: refused an event from %s: %s", name, request.remote, error)
            return _error(401, "unauthorized", str(error))
        try:
            parsed = EVENT_BODY.validate_json(body)
        except ValidationError as error:
            first = error.errors()[0]
            where = _field(first)
            message = f"{where}: {first['msg']}" if where else str(first["msg"])
            return _error(422, "invalid", message, where)
        try:
            receipt = await service.receive(name, event_id, to_event(parsed))
        except NotFound as error:
            return _error(404, "not_found", error.key, "data")
        except Conflict:
            # Someone changed the ticket at the same moment: the platform should send it again.
            return _error(409, "conflict", "the ticket changed meanwhile; send the event again")
        except DomainError as error:
            log.warning("platform %s event %s refused: %s", name, event_id, error.key)
            return _error(422, "refused", error.key)
        number = receipt.ticket_number
        answer = EventAccepted(
            status=receipt.result.value, ticket=f"T{number}" if number is not None else None
        )
        return web.json_response(answer.model_dump())

    app.router.add_post(EVENTS_PATH, receive)
