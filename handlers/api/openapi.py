"""The OpenAPI 3.1 document of /api/v1, made from the pydantic models that validate the
requests (pydantic's own JSON Schema 2020-12, which OpenAPI 3.1 uses), and a docs page that
renders it with no CDN."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, get_origin

from aiohttp import web
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from bot.domain.tokens import Scope
from handlers.api.models import (
    ActedOut,
    ActionIn,
    ActionPath,
    CreateTicketIn,
    ErrorBody,
    MembersOut,
    PeriodQuery,
    StatisticsOut,
    TicketDetailOut,
    TicketOut,
    TicketPageOut,
    TicketPath,
    TicketQuery,
    TokenOut,
)
from handlers.platform import EVENTS_PATH, EventAccepted, PlatformEventBody

OPENAPI_PATH: Final = "/api/v1/openapi.json"
DOCS_PATH: Final = "/api/v1/docs"
_REF: Final = "#/components/schemas/{model}"
_DOCS_PAGE: Final = Path(__file__).with_name("docs.html")
_ERRORS: Final = {
    "400": "the body is not a JSON object",
    "401": "no valid token (missing, unknown or revoked)",
    "403": "the token's scope, or the team's rules, do not allow it",
    "404": "no such ticket in the token's team (another team's is not found either)",
    "409": "refused by the ticket's state, a concurrent change, or a duplicate",
    "413": "the body is too large",
    "422": "a field is not valid (named in error.field)",
}


@dataclass(frozen=True, slots=True)
class Operation:
    method: Literal["get", "post"]
    path: str
    id: str
    summary: str
    scope: Scope | None
    response: type[BaseModel] | Literal["csv"]
    status: str = "200"
    query: type[BaseModel] | None = None
    path_params: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    headers: tuple[dict[str, Any], ...] = field(default=())
    #: An action without anything to say (acknowledge, resume) may come without a body.
    body_required: bool = True


_IDEMPOTENCY: Final = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "the same key with the same body answers the same ticket and opens no"
    " second; with another body: 422",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}

OPERATIONS: Final = (
    Operation(
        "get",
        "/api/v1/tickets",
        "listTickets",
        "List the team's tickets, a page at a time (keyset cursor)",
        Scope.READ,
        TicketPageOut,
        query=TicketQuery,
    ),
    Operation(
        "post",
        "/api/v1/tickets",
        "createTicket",
        "Open a ticket",
        Scope.WRITE,
        TicketOut,
        "201",
        body=CreateTicketIn,
        headers=(_IDEMPOTENCY,),
    ),
    Operation(
        "get",
        "/api/v1/tickets/{number}",
        "getTicket",
        "A ticket with its timeline and evidence metadata",
        Scope.READ,
        TicketDetailOut,
        path_params=TicketPath,
    ),
    Operation(
        "post",
        "/api/v1/tickets/{number}/{action}",
        "actOnTicket",
        "Do one of the chat's"
        " actions on a ticket (platform_rule, decide_appeal, escalate: platform tokens)",
        Scope.WRITE,
        ActedOut,
        path_params=ActionPath,
        body=ActionIn,
        body_required=False,
    ),
    Operation(
        "get", "/api/v1/members", "listMembers", "The team's members", Scope.READ, MembersOut
    ),
    Operation(
        "get",
        "/api/v1/statistics",
        "getStatistics",
        "The team's figures",
        Scope.READ,
        StatisticsOut,
        query=PeriodQuery,
    ),
    Operation(
        "get",
        "/api/v1/export",
        "exportTickets",
        "The team's tickets as CSV, streamed",
        Scope.READ,
        "csv",
        query=PeriodQuery,
    ),
    Operation(
        "get",
        "/api/v1/token",
        "getToken",
        "The token in use: its team and scope",
        Scope.READ,
        TokenOut,
    ),
)


def _parameters(
    model: type[BaseModel], where: str, schemas: dict[str, Any]
) -> list[dict[str, Any]]:
    schema = schemas[model.__name__]
    required = set(schema.get("required", ()))
    parameters = []
    for name, info in model.model_fields.items():
        parameter: dict[str, Any] = {
            "name": name,
            "in": where,
            "required": where == "path" or name in required,
            "schema": schema["properties"][name],
        }
        if info.description:
            parameter["description"] = info.description
        if get_origin(info.annotation) is list:
            parameter.update(style="form", explode=True)
        parameters.append(parameter)
    return parameters


def _responses(operation: Operation) -> dict[str, Any]:
    if operation.response == "csv":
        success = {"text/csv": {"schema": {"type": "string"}}}
    else:
        success = {
            "application/json": {"schema": {"$ref": _REF.format(model=operation.response.__name__)}}
        }
    error = {"application/json": {"schema": {"$ref": _REF.format(model="ErrorBody")}}}
    responses: dict[str, Any] = {operation.status: {"description": "done", "content": success}}
    if operation.response is TicketOut:
        # What a client (and a stateful test) does next with the ticket it opened.
        number = {"number": "$response.body#/number"}
        responses[operation.status]["links"] = {
            "GetTicket": {"operationId": "getTicket", "parameters": number},
            "ActOnTicket": {"operationId": "actOnTicket", "parameters": number},
        }
    for status, description in _ERRORS.items():
        responses[status] = {"description": description, "content": error}
    responses["default"] = {"description": "any other error, same shape", "content": error}
    return responses


def _platform_operation(schemas: dict[str, Any]) -> dict[str, Any]:
    body = TypeAdapter(PlatformEventBody).json_schema(ref_template=_REF)
    schemas.update(body.pop("$defs", {}))
    schemas["PlatformEvent"] = body
    schemas["EventAccepted"] = EventAccepted.model_json_schema(ref_template=_REF)
    error = {"application/json": {"schema": {"$ref": _REF.format(model="ErrorBody")}}}
    signed = [
        {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    ]
    return {
        "operationId": "receivePlatformEvent",
        "summary": "A marketplace's signed event (Standard Webhooks signatures, no token)",
        "tags": ["platforms"],
        "security": [],
        "parameters": [
            {"name": "platform", "in": "path", "required": True, "schema": {"type": "string"}},
            *signed,
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": _REF.format(model="PlatformEvent")}}
            },
        },
        "responses": {
            "200": {
                "description": "applied, or seen before",
                "content": {
                    "application/json": {"schema": {"$ref": _REF.format(model="EventAccepted")}}
                },
            },
            "default": {"description": "refused", "content": error},
        },
    }


def openapi_document() -> dict[str, Any]:
    """The document: every route of /api/v1 with the models' schemas as components."""
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorBody, "serialization")]
    for operation in OPERATIONS:
        if operation.response != "csv":
            models.append((operation.response, "serialization"))
        for model in (operation.query, operation.path_params, operation.body):
            if model is not None:
                models.append((model, "validation"))
    _, top = models_json_schema(models, ref_template=_REF)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    paths: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        parameters: list[dict[str, Any]] = []
        if operation.path_params is not None:
            parameters += _parameters(operation.path_params, "path", schemas)
        if operation.query is not None:
            parameters += _parameters(operation.query, "query", schemas)
        parameters += list(operation.headers)
        spec: dict[str, Any] = {
            "operationId": operation.id,
            "summary": operation.summary,
            "tags": ["tickets" if "ticket" in operation.path else "team"],
            "description": f"Needs a token of scope `{operation.scope}` or more.",
            "parameters": parameters,
            "responses": _responses(operation),
        }
        if operation.body is not None:
            spec["requestBody"] = {
                "required": operation.body_required,
                "content": {
                    "application/json": {
                        "schema": {"$ref": _REF.format(model=operation.body.__name__)}
                    }
                },
            }
        paths.setdefault(operation.path, {})[operation.method] = spec
    paths[EVENTS_PATH] = {"post": _platform_operation(schemas)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ticketbot API",
            "version": "1.0.0",
            "description": "A team's tickets for its own systems. Tokens: `ticketbot token"
            " create --team CHAT_ID --scope read|write|platform --name NAME`. Errors are"
            ' `{"error": {"code", "message", "field"}}`, the message in the language of'
            " Accept-Language (zh or en).",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def add_docs_routes(app: web.Application) -> None:
    """The document (made once) and the page that shows it."""
    document = openapi_document()
    page = _DOCS_PAGE.read_text(encoding="utf-8")

    async def openapi(_: web.Request) -> web.Response:
        return web.json_response(document)

    async def docs(_: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    app.router.add_get(OPENAPI_PATH, openapi)
    app.router.add_get(DOCS_PATH, docs)
