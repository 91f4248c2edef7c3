"""The in-process transport for python-telegram-bot: a request backend calling the core, no sockets.

Usage::

    core = EmulatorCore(demo_scenario())
    app = (
        Application.builder()
        .token(core.bot.token)
        .request(EmulatedRequest(core))
        .get_updates_request(EmulatedRequest(core))
        .build()
    )
    await app.initialize()                       # getMe goes to the core
    update = core.user_send_text(1001, group_id, "/help")
    await app.process_update(Update.de_json(update, app.bot))

Parameters travel exactly as PTB's HTTPXRequest sends them over HTTP: JSON-encoded strings
(`RequestData.json_parameters`) plus multipart files, so the core's form parsing is exercised too.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote, urlsplit

from telegram.request import BaseRequest, RequestData

from emulator.core import EmulatorCore
from emulator.params import UploadedFile

__all__ = ["EmulatedRequest"]

_API_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[^/]+)$")
_FILE_PATH = re.compile(r"^/file/bot(?P<token>[^/]+)/(?P<path>.+)$")


class EmulatedRequest(BaseRequest):
    """Routes Bot API calls and file downloads of a PTB `Bot` into an `EmulatorCore`."""

    def __init__(self, core: EmulatorCore, read_timeout: float | None = 5.0) -> None:
        self._core = core
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to open: there is no connection pool."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        path = unquote(urlsplit(url).path)
        file_match = _FILE_PATH.match(path)
        if file_match:
            status, body, _ = self._core.download(file_match["token"], file_match["path"])
            return status, body
        api_match = _API_PATH.match(path)
        if api_match is None:
            return 404, json.dumps(
                {"ok": False, "error_code": 404, "description": "Not Found"}
            ).encode()
        params: dict[str, object] = {}
        files: dict[str, UploadedFile] = {}
        if request_data is not None:
            params.update(request_data.json_parameters)
            for name, (filename, content, mime_type) in request_data.multipart_data.items():
                data = content if isinstance(content, bytes) else content.read()
                files[name] = UploadedFile(filename, mime_type, data)
        status, answer = await self._core.call(
            api_match["token"], api_match["method"], params, files
        )
        return status, json.dumps(answer, ensure_ascii=False).encode("utf-8")
