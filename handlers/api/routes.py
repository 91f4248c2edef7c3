"""The public API's routes: each checks the token, validates its input with the models, makes
one service call (a ticket change through TicketService.execute with an API origin), and
answers with a model. Errors are raised and shaped by handlers/api/errors.py."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final, TypeVar, get_origin

from aiohttp import web
from pydantic import BaseModel, ValidationError

from bot.domain.changes import ChangeTicket, Origin, TicketRef
from bot.domain.commands import CreateTicket, UserRef
from bot.domain.listing import TicketFilter
from bot.domain.ticket import Ticket
from bot.domain.tokens import ApiToken, IdempotentRequest, Scope
from bot.export import neutralise
from bot.i18n import Catalogs
from bot.rendering.render import Renderer
from bot.services.container import Services
from bot.services.tickets import Created
from handlers.api.errors import ApiError, error_middleware, of_validation
from handlers.api.models import (
    ActedOut,
    ActionIn,
    ActionPath,
    CreateTicketIn,
    EvidenceOut,
    MemberOut,
    MembersOut,
    PeriodQuery,
    StatisticsOut,
    TicketDetailOut,
    TicketOut,
    TicketPageOut,
    TicketPath,
    TicketQuery,
    TimelineEntryOut,
    TokenOut,
)
from handlers.api.openapi import add_docs_routes

M = TypeVar("M", bound=BaseModel)

#: A create or an action body is a few kilobytes at most.
MAX_BODY: Final = 64 * 1024
IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
TOKEN_KEY: Final = web.AppKey("api_token_services", Services)


def _query(request: web.Request, model: type[M]) -> M:
    """The query string as `model`: list fields from repeated parameters."""
    data: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if get_origin(field.annotation) is list:
            values = request.query.getall(name, [])
            if values:
                data[name] = values
        elif name in request.query:
            data[name] = request.query[name]
    extra = set(request.query) - set(model.model_fields)
    if extra:
        raise ApiError(422, "invalid", "api.invalid", min(extra), name=min(extra), detail="unknown")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise of_validation(error) from None


def _path(request: web.Request, model: type[M]) -> M:
    try:
        return model.model_validate(dict(request.match_info))
    except ValidationError as error:
        if any(e["loc"] and e["loc"][0] == "action" for e in error.errors()):
            # An action that does not exist is a resource that does not.
            raise ApiError(404, "not_found", "api.no_route") from None
        raise of_validation(error) from None


async def _body(request: web.Request, model: type[M]) -> M:
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise ApiError(413, "too_large", "api.too_large")
    if not raw.strip():
        raw = b"{}"
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(400, "not_json", "api.not_json") from None
    if not isinstance(data, dict):
        raise ApiError(400, "not_json", "api.not_json")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise of_validation(error) from None


class Api:
    """The routes over the services; the token of each request is read from the database."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def _token(self, request: web.Request, needed: Scope) -> ApiToken:
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        token = None
        if scheme.lower() == "bearer" and secret.strip():
            token = await self._services.tokens.authenticate(secret.strip())
        if token is None:
            raise ApiError(401, "unauthorized", "api.unauthorized")
        if not token.scope.allows(needed):
            raise ApiError(403, "forbidden", "api.scope", scope=token.scope, needed=needed)
        return token

    # --- tickets -------------------------------------------------------------------------

    async def list_tickets(self, request: web.Request) -> web.Response:
        token = await self._token(request, Scope.READ)
        query = _query(request, TicketQuery)
        wanted = TicketFilter(
            statuses=frozenset(query.status),
            kinds=frozenset(query.kind),
            assignee_id=query.assignee_id,
            unassigned=query.unassigned,
            creator_id=query.creator_id,
            created_from=query.created_from,
            created_to=query.created_to,
            text=query.q,
            bucket=query.bucket,
            sort=query.sort,
        )
        page = await self._services.listing.search(
            token.actor(), wanted, cursor=query.cursor, limit=query.limit
        )
        answer = TicketPageOut(
            items=[TicketOut.of(t) for t in page.tickets],
            next_cursor=page.next_cursor,
            total=page.total,
        )
        return _json(answer)

    async def get_ticket(self, request: web.Request) -> web.Response:
        token = await self._token(request, Scope.READ)
        path = _path(request, TicketPath)
        details = await self._services.queries.show(token.actor(), number=path.number)
        ticket = TicketOut.of(details.ticket)
        answer = TicketDetailOut(
            **ticket.model_dump(),
            timeline=[TimelineEntryOut.of(entry) for entry in details.timeline],
            evidence=[EvidenceOut.of(item) for item in details.evidence],
        )
        return _json(answer)

    async def create_ticket(self, request: web.Request) -> web.Response:
        token = await self._token(request, Scope.WRITE)
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is not None and not 1 <= len(key) <= 255:
            raise ApiError(
                422,
                "invalid",
                "api.invalid",
                IDEMPOTENCY_HEADER,
                name=IDEMPOTENCY_HEADER,
                detail="1 to 255 characters",
            )
        body = await _body(request, CreateTicketIn)
        idempotency = None
        if key is not None:
            body_hash = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
            idempotency = IdempotentRequest(token.id, key, body_hash)
        command = CreateTicket(
            body.order_id, body.kind, _user(body.assignee, body.assignee_id), body.description
        )
        created = await self._services.tickets.create(
            command,
            Origin.api(token.actor(), token.name, idempotency),
            confirmed=body.allow_duplicate,
        )
        if not isinstance(created, Created):
            raise ApiError(409, "duplicate", "api.duplicate", "order_id", number=created.number)
        return _json(TicketOut.of(created.ticket), status=201)

    async def act(self, request: web.Request) -> web.Response:
        path = _path(request, ActionPath)
        action = path.action
        token = await self._token(request, Scope.PLATFORM if action.platform_only else Scope.WRITE)
        body = await _body(request, ActionIn)
        details: list[tuple[str, str]] = []
        if body.option is not None:
            details.append(("option", body.option))
        if body.verdict is not None:
            details.append(("verdict", body.verdict))
        change = ChangeTicket(
            TicketRef(path.number, seen=body.seen),
            action.meant,
            body.text,
            _user(body.assignee, body.assignee_id),
            tuple(details),
        )
        origin = Origin.api(token.actor(platform=action.platform_only), token.name)
        acted = await self._services.tickets.execute(change, origin)
        event = acted.event
        answer = ActedOut(
            ticket=TicketOut.of(acted.ticket),
            event=TimelineEntryOut(
                id=0,
                type=event.type.value,
                actor_id=event.actor_id,
                at=event.at,
                payload=dict(event.payload),
            ),
        )
        return _json(answer)

    # --- the team ------------------------------------------------------------------------

    async def members(self, request: web.Request) -> web.Response:
        token = await self._token(request, Scope.READ)
        people = await self._services.people.members(token.team_id, limit=500)
        return _json(MembersOut(items=[MemberOut.of(person) for person in people]))

    async def statistics(self, request: web.Request) -> web.Response:
        token = await self._token(request, Scope.READ)
        query = _query(request, PeriodQuery)
        period = timedelta(days=query.days) if query.days else None
        stats, _ = await self._services.queries.stats(token.actor(), period)
        return _json(StatisticsOut.of(stats))

    async def export(self, request: web.Request) -> web.StreamResponse:
        """The team's tickets as CSV (UTF-8 with BOM), written batch by batch as read."""
        token = await self._token(request, Scope.READ)
        query = _query(request, PeriodQuery)
        period = timedelta(days=query.days) if query.days else None
        batches = self._services.queries.export(token.actor(), period)
        first = await anext(batches, None)  # refusals are answered before the stream starts
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": 'attachment; filename="tickets.csv"',
            }
        )
        await response.prepare(request)
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, dialect="excel", lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        await response.write(b"\xef\xbb\xbf" + buffer.getvalue().encode())
        batch = first
        while batch is not None:
            buffer.seek(0)
            buffer.truncate()
            for ticket in batch:
                writer.writerow(_export_row(ticket))
            await response.write(buffer.getvalue().encode())
            batch = await anext(batches, None)
        await response.write_eof()
        return response

    async def token(self, request: web.Request) -> web.Response:
        token = await self._token(request, Scope.READ)
        chat_id = self._services.directory.team(token.team_id).team.chat_id
        return _json(
            TokenOut(id=token.id, name=token.name, scope=token.scope, team_chat_id=chat_id)
        )


#: The export's columns: values as the API gives them (codes, ids, UTC times in ISO 8601).
EXPORT_COLUMNS: Final = (
    "number",
    "order_id",
    "kind",
    "status",
    "outcome",
    "creator_id",
    "assignee_id",
    "created_at",
    "due_at",
    "resolved_at",
    "in_time",
    "description",
)


def _export_row(ticket: Ticket) -> list[str | int]:
    resolved = ticket.resolved_at
    return [
        ticket.number,
        neutralise(ticket.order_id),
        ticket.kind,
        ticket.status.value,
        ticket.outcome.value if ticket.outcome else "",
        ticket.creator_id,
        ticket.assignee_id if ticket.assignee_id is not None else "",
        ticket.created_at.isoformat(),
        ticket.due_at.isoformat(),
        resolved.isoformat() if resolved else "",
        "" if resolved is None else ("yes" if resolved <= ticket.due_at else "no"),
        neutralise(ticket.description),
    ]


def _user(username: str | None, user_id: int | None) -> UserRef | None:
    if user_id is not None:
        return UserRef(user_id=user_id)
    if username is not None:
        return UserRef(username=username.lstrip("@"))
    return None


def _json(model: BaseModel, status: int = 200) -> web.Response:
    return web.Response(
        text=model.model_dump_json(), status=status, content_type="application/json"
    )


ROUTES: Final[Mapping[tuple[str, str], str]] = {
    ("GET", "/api/v1/tickets"): "list_tickets",
    ("POST", "/api/v1/tickets"): "create_ticket",
    ("GET", "/api/v1/tickets/{number}"): "get_ticket",
    ("POST", "/api/v1/tickets/{number}/{action}"): "act",
    ("GET", "/api/v1/members"): "members",
    ("GET", "/api/v1/statistics"): "statistics",
    ("GET", "/api/v1/export"): "export",
    ("GET", "/api/v1/token"): "token",
}


def add_api_routes(app: web.Application, services: Services, catalogs: Catalogs) -> None:
    """Mount the public API, its OpenAPI document and docs page (polling and webhook mode)."""
    api = Api(services)
    renderer = Renderer(services.directory.kinds)
    app.middlewares.append(error_middleware(catalogs, renderer))
    for (method, path), name in ROUTES.items():
        app.router.add_route(method, path, getattr(api, name))
    add_docs_routes(app)
