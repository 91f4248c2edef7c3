"""aiohttp server for the emulator: the Bot API, file downloads and the browser chat panel.

Routes
    /bot{token}/{method}            Bot API (GET query, urlencoded form, JSON, multipart)
    /file/bot{token}/{file_path}    file downloads, as on api.telegram.org
    /                               the chat panel (static files under emulator/static/)
    /panel/api/state                GET  bot, personas, chats, current persona, lang, flood flag
    /panel/api/chats/{chat_id}      GET  messages + keyboard state + command menu (?persona_id=)
    /panel/api/persona              POST {"persona_id"}                 switch who the panel is
    /panel/api/send                 POST {"persona_id","chat_id","text","reply_to"?}
    /panel/api/press                POST {"persona_id","chat_id","message_id","data"}
    /panel/api/open_url             POST {"persona_id","url"}  t.me/<bot>?start=X -> "/start X"
    /panel/api/upload               POST multipart: persona_id, chat_id, caption?, reply_to?,
                                         as_file? ("1" = documents), file (repeatable; several
                                         files from one pick become an album)
    /panel/api/flood                POST {"enabled": bool}
    /panel/api/files/{file_id}      GET  a stored file (photos shown inline, documents saved)
    /panel/api/events               GET  server-sent events: message, edit, delete,
                                         callback_answer, chat_action, keyboard, persona,
                                         commands, pinned (data = the core's event JSON)

Stable data-testid attributes of the panel (for Playwright)
    connection-state      "Live" badge; has class "ok" while the event stream is connected
    persona-select        <select> of personas (value = user id)
    lang-select           <select> en / zh for the UI language
    flood-toggle          checkbox switching flood limits
    chat-list             the chat list; each entry is chat-<chat id> (e.g. chat--1001234567890),
                          class "chat-item active" when open
    chat-unread-<id>      unread counter of a chat entry
    chat-not-started      badge on private chats of personas who never started the bot
    chat-title            title of the open chat
    chat-action           "typing…" indicator of the open chat
    start-button          START button shown (instead of the composer) in a never-started chat
    hashtag-filter        bar shown after clicking a hashtag; hashtag-filter-clear removes it
    message-list          the messages of the open chat
    message               one message (attributes data-message-id, data-from-id,
                          data-media-group-id); inside: message-sender, message-reply,
                          message-text, message-caption, message-photo, message-document,
                          message-video, message-edited, message-time. Clicking the bubble
                          sets (or clears) the reply-to message.
    inline-keyboard       keyboard under a bot message; buttons are inline-button
                          (attributes data-callback-data or data-url); a t.me/<bot>?start=X
                          url button switches to the persona's private chat and sends /start X
    reply-keyboard        custom reply keyboard; buttons are reply-keyboard-button
    reply-preview         "replying to" bar; reply-cancel clears it
    composer-input        the text box (Enter sends, Shift+Enter breaks the line)
    send-button           sends the text, or the attached files with the text as caption
    attach-input          <input type=file multiple>; several files from one pick become an
                          album; send-as-file forces documents; attachments-clear drops them
    commands-button       opens the bot's command menu (commands-popup); entries are
                          command-item (attribute data-command)
    toast                 callback answer notification; alert-dialog + alert-ok for show_alert
    error-banner          last error of a panel action
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import BodyPartReader, web

from emulator.chats import Event
from emulator.core import EmulatorCore
from emulator.errors import ApiError, PersonaError, bad_request
from emulator.media import MediaKind
from emulator.panel_forum import add_forum_routes
from emulator.params import UploadedFile
from emulator.personas import MediaItem
from emulator.webapps import add_webapp_routes

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
SUPPORTED_LANGS = ("en", "zh")
_MAX_BODY = 60 * 1024 * 1024  # above the 50 MB upload limit so the core can answer 413 itself


@dataclass
class PanelState:
    """Per-application panel state: who the panel acts as and the open event streams."""

    core: EmulatorCore
    lang: str
    persona_id: int | None
    streams: set[asyncio.Queue[Event | None]] = field(default_factory=set)


PANEL_KEY: web.AppKey[PanelState] = web.AppKey("panel", PanelState)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _json(value: Any, status: int = 200) -> web.Response:
    return web.json_response(value, status=status, dumps=_dumps)


async def read_api_params(
    request: web.Request,
) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Parameters and files of a Bot API request in any form Telegram accepts."""
    params: dict[str, Any] = dict(request.query.items())
    files: dict[str, UploadedFile] = {}
    if not request.body_exists:
        return params, files
    content_type = request.content_type
    if content_type == "application/json":
        raw = await request.read()
        if raw.strip():
            try:
                decoded = json.loads(raw)
            except ValueError as exc:
                raise bad_request("can't parse JSON object") from exc
            if not isinstance(decoded, dict):
                raise bad_request("can't parse JSON object")
            params.update(decoded)
    elif content_type == "application/x-www-form-urlencoded":
        form = await request.post()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
    elif content_type.startswith("multipart/"):
        fields, uploads = await _read_multipart(request)
        params.update(fields)
        files.update(uploads)
    return params, files


async def _read_multipart(
    request: web.Request,
) -> tuple[dict[str, str], list[tuple[str, UploadedFile]]]:
    """A multipart body's text fields, and its file parts in order with their field names."""
    fields: dict[str, str] = {}
    uploads: list[tuple[str, UploadedFile]] = []
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        if part.filename is not None:
            data = bytes(await part.read(decode=True))
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            uploads.append((part.name, UploadedFile(part.filename, content_type, data)))
        else:
            fields[part.name] = await part.text()
    return fields, uploads


async def _bot_api(request: web.Request) -> web.Response:
    core = request.app[PANEL_KEY].core
    token = request.match_info["token"]
    method = request.match_info["method"]
    try:
        params, files = await read_api_params(request)
    except ApiError as error:
        return _json(error.body(), error.status)
    status, body = await core.call(token, method, params, files)
    return _json(body, status)


async def _file_download(request: web.Request) -> web.Response:
    core = request.app[PANEL_KEY].core
    status, body, content_type = core.download(
        request.match_info["token"], request.match_info["file_path"]
    )
    return web.Response(status=status, body=body, content_type=content_type)


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html")


def _panel_error(message: str, status: int = 400) -> web.Response:
    return _json({"ok": False, "error": message}, status)


async def _read_json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise PersonaError("the request body is not JSON") from exc
    if not isinstance(body, dict):
        raise PersonaError("the request body must be a JSON object")
    return body


def _int(body: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise PersonaError(f"{name} is required")
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise PersonaError(f"{name} must be an integer") from exc


def _need_int(body: dict[str, Any], name: str) -> int:
    value = _int(body, name)
    if value is None:
        raise PersonaError(f"{name} is required")
    return value


def _state_json(state: PanelState) -> dict[str, Any]:
    core = state.core
    return {
        "bot": {
            "id": core.bot_id,
            "first_name": core.bot.first_name,
            "username": core.bot.username,
        },
        "personas": core.personas(),
        "chats": [{**chat, "last_message": core.last_message(chat["id"])} for chat in core.chats()],
        "persona_id": state.persona_id,
        "lang": state.lang,
        "flood_limits": core.flood_limits,
    }


async def _state(request: web.Request) -> web.Response:
    return _json(_state_json(request.app[PANEL_KEY]))


async def _chat(request: web.Request) -> web.Response:
    state = request.app[PANEL_KEY]
    try:
        chat_id = int(request.match_info["chat_id"])
        view = state.core.chat_view(chat_id)
    except ValueError:
        return _panel_error("unknown chat", 404)
    except ApiError:
        return _panel_error("unknown chat", 404)
    view["members"] = len(state.core.chat_members(chat_id)) + 1
    persona = request.query.get("persona_id")
    view["commands"] = []
    if persona and persona.lstrip("-").isdigit():
        try:
            view["commands"] = state.core.resolve_commands(chat_id, int(persona))
        except PersonaError as error:
            return _panel_error(str(error))
    return _json(view)


async def _switch_persona(request: web.Request) -> web.Response:
    state = request.app[PANEL_KEY]
    body = await _read_json(request)
    persona_id = _need_int(body, "persona_id")
    state.core.persona(persona_id)  # validates
    state.persona_id = persona_id
    return _json({"ok": True, **_state_json(state)})


async def _send(request: web.Request) -> web.Response:
    core = request.app[PANEL_KEY].core
    body = await _read_json(request)
    update = core.user_send_text(
        _need_int(body, "persona_id"),
        _need_int(body, "chat_id"),
        str(body.get("text", "")),
        reply_to=_int(body, "reply_to", required=False),
        thread_id=_int(body, "thread_id", required=False),
    )
    return _json({"ok": True, "update": update})


async def _press(request: web.Request) -> web.Response:
    core = request.app[PANEL_KEY].core
    body = await _read_json(request)
    data = body.get("data")
    update = core.user_press_button(
        _need_int(body, "persona_id"),
        _need_int(body, "chat_id"),
        _need_int(body, "message_id"),
        str(data) if data is not None else None,
    )
    return _json({"ok": True, "update": update})


async def _open_url(request: web.Request) -> web.Response:
    core = request.app[PANEL_KEY].core
    body = await _read_json(request)
    persona_id = _need_int(body, "persona_id")
    update = core.user_follow_url(persona_id, str(body.get("url", "")))
    if update is None:
        return _json({"ok": True, "handled": False})
    return _json({"ok": True, "handled": True, "chat_id": persona_id, "update": update})


async def _flood(request: web.Request) -> web.Response:
    core = request.app[PANEL_KEY].core
    body = await _read_json(request)
    core.set_flood_limits(bool(body.get("enabled")))
    return _json({"ok": True, "flood_limits": core.flood_limits})


def _media_kind(upload: UploadedFile, as_file: bool) -> MediaKind:
    if as_file:
        return "document"
    if upload.content_type.startswith("image/") and upload.content_type != "image/gif":
        return "photo"
    if upload.content_type.startswith("video/"):
        return "video"
    return "document"


async def _upload(request: web.Request) -> web.Response:
    core = request.app[PANEL_KEY].core
    fields, parts = await _read_multipart(request)
    uploads = [upload for _, upload in parts]
    if not uploads:
        raise PersonaError("no file in the upload")
    persona_id = _need_int(fields, "persona_id")
    chat_id = _need_int(fields, "chat_id")
    reply_to = _int(fields, "reply_to", required=False)
    thread_id = _int(fields, "thread_id", required=False)
    caption = fields.get("caption") or None
    as_file = fields.get("as_file") in ("1", "true", "on")
    items = [MediaItem(_media_kind(upload, as_file), upload) for upload in uploads]
    # Like Telegram clients: photos/videos group together, documents group together.
    visual = [item for item in items if item.kind != "document"]
    documents = [item for item in items if item.kind == "document"]
    updates: list[dict[str, Any]] = []
    for group in (visual, documents):
        for start in range(0, len(group), 10):
            chunk = group[start : start + 10]
            if not chunk:
                continue
            text = caption if not updates else None
            if len(chunk) == 1:
                updates.append(
                    core.user_send_media(
                        persona_id,
                        chat_id,
                        chunk[0],
                        caption=text,
                        reply_to=reply_to,
                        thread_id=thread_id,
                    )
                )
            else:
                updates.extend(
                    core.user_send_album(
                        persona_id,
                        chat_id,
                        chunk,
                        caption=text,
                        reply_to=reply_to,
                        thread_id=thread_id,
                    )
                )
    return _json({"ok": True, "updates": updates})


async def _panel_file(request: web.Request) -> web.Response:
    core = request.app[PANEL_KEY].core
    stored = core.file_info(request.match_info["file_id"])
    if stored is None:
        return _panel_error("unknown file", 404)
    headers = {}
    if request.query.get("download") and stored.file_name:
        headers["Content-Disposition"] = f'attachment; filename="{stored.file_name}"'
    content_type = stored.mime_type or ("image/jpeg" if stored.kind == "photo" else None)
    return web.Response(
        body=stored.data,
        content_type=content_type or "application/octet-stream",
        headers=headers,
    )


async def _events(request: web.Request) -> web.StreamResponse:
    state = request.app[PANEL_KEY]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize=1000)

    def listener(event: Event) -> None:
        try:
            queue.put_nowait(event)
        except asyncio.QueueFull:
            logger.warning("panel event stream is full, dropping %s", event.get("type"))

    remove = state.core.add_listener(listener)
    state.streams.add(queue)
    try:
        await response.write(b"retry: 1000\n: connected\n\n")
        while True:
            try:
                event = await asyncio.wait_for(queue.get(), timeout=15)
            except TimeoutError:
                await response.write(b": ping\n\n")
                continue
            if event is None:
                break
            payload = f"event: {event['type']}\ndata: {_dumps(event)}\n\n"
            await response.write(payload.encode("utf-8"))
    except ConnectionResetError:
        logger.debug("panel event stream closed by the browser")
    finally:
        remove()
        state.streams.discard(queue)
    return response


@web.middleware
async def _panel_errors(
    request: web.Request,
    handler: Any,
) -> web.StreamResponse:
    """Persona mistakes become 400 JSON answers for the panel instead of 500 pages."""
    try:
        response: web.StreamResponse = await handler(request)
    except PersonaError as error:
        return _panel_error(str(error))
    return response


async def _on_shutdown(app: web.Application) -> None:
    state = app[PANEL_KEY]
    for queue in list(state.streams):
        queue.put_nowait(None)
    state.core.wake_waiters()


def build_app(
    core: EmulatorCore,
    *,
    lang: str = "en",
    persona_id: int | None = None,
) -> web.Application:
    """The aiohttp application serving the Bot API, files and the panel for `core`."""
    if lang not in SUPPORTED_LANGS:
        raise ValueError(f"lang must be one of {SUPPORTED_LANGS}, got {lang!r}")
    personas = core.personas()
    if persona_id is None and personas:
        persona_id = int(personas[0]["id"])
    app = web.Application(client_max_size=_MAX_BODY, middlewares=[_panel_errors])
    app[PANEL_KEY] = PanelState(core=core, lang=lang, persona_id=persona_id)
    app.router.add_route("*", "/bot{token}/{method}", _bot_api)
    app.router.add_get("/file/bot{token}/{file_path:.+}", _file_download)
    app.router.add_get("/", _index)
    app.router.add_static("/static/", STATIC_DIR)
    app.router.add_get("/panel/api/state", _state)
    app.router.add_get("/panel/api/chats/{chat_id}", _chat)
    app.router.add_post("/panel/api/persona", _switch_persona)
    app.router.add_post("/panel/api/send", _send)
    app.router.add_post("/panel/api/press", _press)
    app.router.add_post("/panel/api/open_url", _open_url)
    app.router.add_post("/panel/api/upload", _upload)
    app.router.add_post("/panel/api/flood", _flood)
    app.router.add_get("/panel/api/files/{file_id}", _panel_file)
    app.router.add_get("/panel/api/events", _events)
    add_forum_routes(app, lambda: app[PANEL_KEY].core)
    add_webapp_routes(app, lambda: app[PANEL_KEY].core)
    app.on_shutdown.append(_on_shutdown)
    return app


class RunningServer:
    """A started emulator server; `stop()` (or leaving `async with`) shuts it down."""

    def __init__(self, runner: web.AppRunner, host: str, port: int) -> None:
        self.runner = runner
        self.host = host
        self.port = port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For python-telegram-bot's `base_url` (the token is appended by PTB)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For python-telegram-bot's `base_file_url`."""
        return f"{self.url}/file/bot"

    async def stop(self) -> None:
        await self.runner.cleanup()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


async def start_server(
    core: EmulatorCore,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    lang: str = "en",
    persona_id: int | None = None,
) -> RunningServer:
    """Serve `core` on host:port (port 0 picks a free port; the bound one is reported)."""
    app = build_app(core, lang=lang, persona_id=persona_id)
    runner = web.AppRunner(app, shutdown_timeout=2.0, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = port
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            bound = int(address[1])
            break
    return RunningServer(runner, host, bound)
