"""The workbench's JSON under /api/app/: views, search, a ticket's page, its actions, evidence
and the supervisors' bulk actions. Every change goes through WorkbenchService (Channel.WEB),
so the chat sees what the page does; every ticket is looked up inside the caller's team."""

from __future__ import annotations

import json
import logging
import re
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final, Protocol

from aiohttp import web

from bot.clock import Clock
from bot.domain.actions import ACTIONS
from bot.domain.changes import Channel, Origin, TicketRef
from bot.domain.errors import Conflict, DomainError, NotFound, Refused, UsageError
from bot.domain.exports import ExportFacts
from bot.domain.listing import Bucket, SortOrder, TicketFilter
from bot.domain.model import Action, Language, Status, TeamAction
from bot.domain.permissions import may_team, require_team
from bot.export import Cell, write_export
from bot.i18n import Catalogs, Texts, plain
from bot.rendering.render import Renderer
from bot.services.container import Services
from bot.services.tickets import EvidenceFile
from bot.services.workbench import WEB_ACTIONS, WorkbenchTeam
from handlers.api.errors import web_wording
from handlers.telegram.exports import EXPORT_COLUMNS, export_row
from handlers.workbench.auth import Caller, add_sign_in_route, caller_of
from handlers.workbench.files import UploadRefused
from handlers.workbench.shapes import person_json, ticket_json

log = logging.getLogger(__name__)

API: Final = "/api/app"
#: A file uploaded from the page is at most this big (Telegram's bot upload limit is 50 MB).
MAX_UPLOAD: Final = 20 * 1024 * 1024
XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Files(Protocol):
    async def read(self, file_id: str) -> bytes: ...

    async def store(
        self, chat_id: int, data: bytes, file_name: str, mime_type: str | None, caption: str
    ) -> EvidenceFile: ...


@dataclass(frozen=True, slots=True)
class Workbench:
    """What the routes are built from (the composition root fills it in)."""

    services: Services
    catalogs: Catalogs
    renderer: Renderer
    clock: Clock
    files: Files


@dataclass(frozen=True, slots=True)
class Call:
    caller: Caller
    member: WorkbenchTeam
    texts: Texts


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def _domain_error(error: DomainError, texts: Texts, renderer: Renderer) -> web.Response:
    params = dict(error.params)
    if isinstance(error, Conflict):
        tag = f"T{params.get('number')}" if params.get("number") else ""
        return _error(409, "conflict", plain(texts("wb.error.conflict", tag=tag)))
    message = web_wording(renderer, error, texts)
    if isinstance(error, NotFound):
        return _error(404, "not_found", message)
    if isinstance(error, Refused):
        return _error(403, "refused", message)
    if isinstance(error, UsageError):
        return _error(422, "invalid", message)
    return _error(422, "refused", message)


def _int(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    if not re.fullmatch(r"-?\d{1,19}", value):
        raise web.HTTPBadRequest(text=f"{name}: expected a number")
    return int(value)


def _day(value: str | None, zone: Any, *, end: bool) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise web.HTTPBadRequest(text="dates are YYYY-MM-DD") from None
    if end:
        day = date.fromordinal(day.toordinal() + 1)
    return datetime.combine(day, time(0), tzinfo=zone)


def ticket_filter(query: Any, call: Call) -> TicketFilter:
    """The filter the page's URL describes (the same keys the page keeps in its address)."""
    zone = call.member.team.zone
    try:
        statuses = frozenset(Status(s) for s in query.get("status", "").split(",") if s)
        bucket = Bucket(query["bucket"]) if query.get("bucket") else None
        sort = SortOrder(query.get("sort") or SortOrder.DEADLINE.value)
    except ValueError as error:
        raise web.HTTPBadRequest(text=str(error)) from None
    assignee = query.get("assignee")
    mine = query.get("view") == "mine"
    return TicketFilter(
        statuses=statuses,
        kinds=frozenset(k for k in query.get("kind", "").split(",") if k),
        assignee_id=call.caller.user_id
        if mine
        else _int(assignee if assignee != "none" else None, "assignee"),
        unassigned=assignee == "none" and not mine,
        creator_id=_int(query.get("creator"), "creator"),
        created_from=_day(query.get("from"), zone, end=False),
        created_to=_day(query.get("to"), zone, end=True),
        text=query.get("q") or None,
        bucket=bucket,
        sort=sort,
    )


Handler = Callable[[web.Request, Call], Awaitable[web.StreamResponse]]
Route = Callable[[web.Request], Awaitable[web.StreamResponse]]
BULK: Final = (Action.TRANSFER, Action.CANCEL, Action.APPROVE_CANCEL, Action.REJECT_CANCEL)


def add_workbench_api(app: web.Application, bench: Workbench) -> None:
    services = bench.services
    workbench = services.workbench

    async def texts_for(caller: Caller, language: Language) -> Texts:
        person = await workbench.person(caller.user_id)
        return bench.catalogs[person.private_language(language) if person else language]

    def route(
        function: Handler, *, team: bool = True
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            caller = await caller_of(request, workbench)
            memberships = await workbench.memberships(caller.user_id)
            member = None
            if team:
                wanted = _int(request.match_info.get("team"), "team")
                member = next((m for m in memberships if m.team.id == wanted), None)
                if member is None:
                    return _error(404, "not_found", "no such team")
            elif memberships:
                member = memberships[0]
            if member is None:
                return _error(403, "no_team", "not a member of any team")
            texts = await texts_for(caller, member.team.language)
            try:
                return await function(request, Call(caller, member, texts))
            except DomainError as error:
                return _domain_error(error, texts, bench.renderer)

        return handle

    async def me(request: web.Request, call: Call) -> web.StreamResponse:
        memberships = await workbench.memberships(call.caller.user_id)
        person = await workbench.person(call.caller.user_id)
        return web.json_response(
            {
                "user": person_json(person, call.caller.user_id),
                "language": call.texts.language.value,
                "csrf": workbench.csrf(call.caller.session) if call.caller.session else None,
                "teams": [
                    {
                        "id": m.team.id,
                        "name": m.team.name,
                        "timezone": m.team.timezone,
                        "role": m.actor.team_role.value,
                        "supervisor": may_team(m.actor, TeamAction.LIST_PENDING),
                    }
                    for m in memberships
                ],
                "kinds": [
                    {"name": kind.name, "label": kind.label(call.texts.language)}
                    for kind in services.directory.kinds.values()
                ],
                "now": bench.clock.now().isoformat(),
            }
        )

    async def counts(request: web.Request, call: Call) -> web.StreamResponse:
        mine = request.query.get("view") != "team"
        found = await services.listing.bucket_counts(call.member.actor, mine=mine)
        return web.json_response(
            {"counts": {b.value: n for b, n in found.items()}, "now": bench.clock.now().isoformat()}
        )

    async def tickets(request: web.Request, call: Call) -> web.StreamResponse:
        wanted = ticket_filter(request.query, call)
        page = await services.listing.search(
            call.member.actor,
            wanted,
            cursor=request.query.get("cursor") or None,
            limit=_int(request.query.get("limit"), "limit") or 50,
        )
        return web.json_response(
            {
                "tickets": [
                    ticket_json(t, page.people, call.texts, services) for t in page.tickets
                ],
                "next": page.next_cursor,
                "total": page.total,
                "now": bench.clock.now().isoformat(),
            }
        )

    async def ticket(request: web.Request, call: Call) -> web.StreamResponse:
        number = _int(request.match_info["number"], "number") or 0
        actor = call.member.actor
        details = await services.queries.show(actor, number=number)
        zone = call.member.team.zone
        texts = call.texts
        body = ticket_json(details.ticket, details.people, texts, services)
        body["timeline"] = [
            {
                "type": entry.event.type.value,
                "at": entry.event.at.isoformat(),
                "html": str(bench.renderer.event_line(entry, details.people, texts, zone)),
            }
            for entry in details.timeline
        ]
        body["evidence"] = [
            {
                "id": item.id,
                "type": item.type,
                "name": item.file_name or item.caption,
                "mime": item.mime_type,
                "size": item.size,
                "by": person_json(details.people.get(item.uploader_id), item.uploader_id),
                "at": item.at.isoformat(),
                "url": f"{API}/teams/{call.member.team.id}/tickets/{number}/evidence/{item.id}",
            }
            for item in details.evidence
        ]
        platform = bool(await services.platform.options(details.ticket))
        offered = await workbench.offered(details.ticket, actor, platform=platform)
        body["actions"] = [a.value for a in offered]
        body["needs_text"] = [a.value for a in offered if ACTIONS[a].needs_text]
        body["may_add_evidence"] = details.ticket.may(actor, Action.ADD_EVIDENCE)
        return web.json_response(body)

    async def act(request: web.Request, call: Call) -> web.StreamResponse:
        number = _int(request.match_info["number"], "number") or 0
        data = await _json(request)
        try:
            action = Action(str(data.get("action")))
        except ValueError:
            return _error(422, "invalid", "unknown action")
        if action not in WEB_ACTIONS:
            # Evidence comes with its file (the upload route); the rest is the chat's or the
            # platform's to do.
            return _error(422, "invalid", "not an action of the page")
        seen = data.get("stamp")
        after = await workbench.act(
            call.member.actor,
            number,
            action,
            text=_text(data.get("text")),
            assignee_id=_opt_int(data.get("assignee")),
            seen=seen if isinstance(seen, int) else None,
        )
        people = await services.people.people(
            [i for i in (after.creator_id, after.assignee_id) if i is not None]
        )
        return web.json_response({"ticket": ticket_json(after, people, call.texts, services)})

    async def bulk(request: web.Request, call: Call) -> web.StreamResponse:
        if not may_team(call.member.actor, TeamAction.LIST_PENDING):
            return _error(403, "refused", plain(call.texts("wb.error.supervisors_only")))
        data = await _json(request)
        numbers = data.get("numbers")
        if not isinstance(numbers, list) or not all(isinstance(n, int) for n in numbers):
            return _error(422, "invalid", "numbers: expected a list of ticket numbers")
        try:
            action = Action(str(data.get("action")))
        except ValueError:
            return _error(422, "invalid", "unknown action")
        if action not in (
            Action.TRANSFER,
            Action.CANCEL,
            Action.APPROVE_CANCEL,
            Action.REJECT_CANCEL,
        ):
            return _error(422, "invalid", "bulk actions: transfer, cancel, approve/reject cancel")
        results = await workbench.bulk(
            call.member.actor,
            numbers,
            action,
            text=_text(data.get("text")),
            assignee_id=_opt_int(data.get("assignee")),
        )
        return web.json_response(
            {
                "results": [
                    {
                        "number": r.number,
                        "ok": r.ok,
                        "message": None
                        if r.ok
                        else plain(call.texts(r.error or "error.generic", **dict(r.params))),
                    }
                    for r in results
                ]
            }
        )

    async def members(request: web.Request, call: Call) -> web.StreamResponse:
        found = await services.people.members(call.member.team.id, limit=200)
        return web.json_response({"members": [person_json(p, p.id) for p in found]})

    async def evidence(request: web.Request, call: Call) -> web.StreamResponse:
        number = _int(request.match_info["number"], "number") or 0
        wanted = _int(request.match_info["evidence"], "evidence")
        details = await services.queries.show(call.member.actor, number=number)
        item = next((e for e in details.evidence if e.id == wanted), None)
        if item is None:
            return _error(404, "not_found", "no such file")
        data = await bench.files.read(item.file_id)
        mime = item.mime_type or (
            "image/jpeg" if item.type == "photo" else "application/octet-stream"
        )
        headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
        if not mime.startswith(("image/", "video/")):
            headers["Content-Disposition"] = "attachment"
        return web.Response(body=data, content_type=mime, headers=headers)

    async def upload(request: web.Request, call: Call) -> web.StreamResponse:
        number = _int(request.match_info["number"], "number") or 0
        actor = call.member.actor
        ticket = await services.queries.ticket(actor, number=number)
        if not ticket.may(actor, Action.ADD_EVIDENCE):
            raise Refused("refused.permission", action=Action.ADD_EVIDENCE.value)
        reader = await request.multipart()
        part = await reader.next()
        if part is None or not hasattr(part, "read") or getattr(part, "name", None) != "file":
            return _error(422, "invalid", "file: expected one file field")
        data = bytes(await part.read())
        if len(data) > MAX_UPLOAD:
            return _error(413, "too_large", "file too large")
        name = getattr(part, "filename", None) or "evidence"
        mime = part.headers.get("Content-Type")
        try:
            file = await bench.files.store(
                call.caller.user_id, data, name, mime, f"T{ticket.number} · {ticket.order_id}"
            )
        except UploadRefused as error:
            log.info("workbench upload to %s refused: %s", call.caller.user_id, error)
            return _error(422, "upload_refused", plain(call.texts("wb.error.upload_refused")))
        attached = await services.tickets.attach_evidence(file, TicketRef(number), _origin(call))
        return web.json_response({"count": attached.count, "duplicate": attached.duplicate})

    async def stats(request: web.Request, call: Call) -> web.StreamResponse:
        days = _int(request.query.get("days"), "days") or 30
        found, people = await services.queries.stats(
            call.member.actor, timedelta(days=max(1, min(days, 366)))
        )
        kinds = services.directory.kinds
        days_of = await workbench.activity(call.member.actor, max(1, min(days, 92)))
        median = days_of.median_to_outcome
        return web.json_response(
            {
                "days": [
                    {"day": d.day.isoformat(), "opened": d.opened, "resolved": d.resolved}
                    for d in days_of.days
                ],
                "median_to_outcome": call.texts.span(median) if median else None,
                "total": found.total,
                "resolved": found.resolved,
                "resolved_in_time": found.resolved_in_time,
                "by_kind": [
                    {"label": kinds[k].label(call.texts.language) if k in kinds else k, "count": n}
                    for k, n in sorted(found.by_kind.items(), key=lambda item: -item[1])
                ],
                "by_status": [
                    {"label": plain(call.texts(f"status.{k}")), "count": n}
                    for k, n in found.by_status.items()
                ],
                "by_assignee": [
                    {
                        "label": people[a].display_name
                        if a is not None and a in people
                        else plain(call.texts("wb.filter.unassigned")),
                        "count": n,
                    }
                    for a, n in sorted(found.by_assignee.items(), key=lambda item: -item[1])
                ],
            }
        )

    async def export(request: web.Request, call: Call) -> web.StreamResponse:
        """The current filter's tickets as CSV or XLSX, written as pages of the listing come."""
        actor = call.member.actor
        require_team(actor, TeamAction.EXPORT)
        fmt = request.query.get("format", "csv")
        if fmt not in ("csv", "xlsx"):
            return _error(422, "invalid", "format: csv or xlsx")
        wanted = ticket_filter(request.query, call)
        zone = call.member.team.zone
        texts = call.texts

        async def rows() -> AsyncIterator[Sequence[Cell]]:
            cursor = None
            while True:
                page = await services.listing.search(actor, wanted, cursor=cursor, limit=200)
                facts = await services.queries.export_facts(actor, list(page.tickets))
                for found in page.tickets:
                    extra = facts.get(found.id or 0, ExportFacts())
                    yield export_row(found, extra, page.people, texts, bench.renderer, zone)
                if page.next_cursor is None:
                    return
                cursor = page.next_cursor

        header = [plain(texts(f"export.{column}")) for column in EXPORT_COLUMNS]
        stamp = bench.clock.now().astimezone(zone).strftime("%Y%m%d-%H%M")
        with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as out:
            await write_export(fmt, rows(), header, out)  # type: ignore[arg-type]
            out.seek(0)
            body = out.read()
        kind = "text/csv" if fmt == "csv" else XLSX_TYPE
        return web.Response(
            body=body,
            content_type=kind,
            headers={"Content-Disposition": f'attachment; filename="tickets-{stamp}.{fmt}"'},
        )

    base = f"{API}/teams/{{team}}"
    app.router.add_get(f"{base}/export", route(export))
    app.router.add_get(f"{base}/stats", route(stats))
    app.router.add_get(f"{API}/me", route(me, team=False))
    app.router.add_get(f"{base}/counts", route(counts))
    app.router.add_get(f"{base}/tickets", route(tickets))
    app.router.add_get(f"{base}/members", route(members))
    app.router.add_post(f"{base}/bulk", route(bulk))
    app.router.add_get(f"{base}/tickets/{{number}}", route(ticket))
    app.router.add_post(f"{base}/tickets/{{number}}/actions", route(act))
    app.router.add_get(f"{base}/tickets/{{number}}/evidence/{{evidence}}", route(evidence))
    app.router.add_post(f"{base}/tickets/{{number}}/evidence", route(upload))
    add_sign_in_route(app, workbench)


def _origin(call: Call) -> Origin:
    return Origin(call.member.actor, Channel.WEB)


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="not JSON") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return data


def _text(value: object) -> str | None:
    return value.strip()[:2000] or None if isinstance(value, str) else None


def _opt_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
