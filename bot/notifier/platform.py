"""Sending a reply or an appeal to a platform's reply_url: the evidence files fetched from
Telegram, the body signed as Standard Webhooks are, the answer read as accepted, refused, or
worth trying again."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp

from bot.config import PlatformSettings
from bot.domain.notices import PlatformMessage
from bot.domain.platform import sign

log = logging.getLogger(__name__)

#: Downloads a Telegram file by its file_id (getFile, then the file itself).
Download = Callable[[str], Awaitable[bytes]]


@dataclass(frozen=True, slots=True)
class PlatformAnswer:
    """Accepted (error None), refused for good, or failed for now (`retry`)."""

    error: str | None = None
    retry: bool = False


def delivery_id(row_id: int) -> str:
    """The webhook-id of a delivery: the same on every retry, so the platform can deduplicate."""
    return f"tb-{row_id}"


class PlatformPoster:
    def __init__(
        self,
        platforms: tuple[PlatformSettings, ...],
        download: Download,
        http: aiohttp.ClientSession,
    ) -> None:
        self._platforms: Mapping[str, PlatformSettings] = {p.name: p for p in platforms}
        self._download = download
        self._http = http

    async def body(self, message: PlatformMessage, row_id: int) -> dict[str, Any]:
        files = []
        for item in message.files:
            data = await self._download(str(item["file_id"]))
            files.append(
                {
                    "file_name": item.get("file_name"),
                    "mime_type": item.get("mime_type"),
                    "content_base64": base64.b64encode(data).decode(),
                }
            )
        return {
            "type": message.type,
            "delivery_id": delivery_id(row_id),
            "platform_ticket_id": message.platform_ticket_id,
            "option_id": message.option_id,
            "description": message.description,
            "files": files,
        }

    async def post(self, message: PlatformMessage, row_id: int, now: datetime) -> PlatformAnswer:
        platform = self._platforms.get(message.platform)
        if platform is None:
            return PlatformAnswer(f"platform {message.platform!r} is no longer configured")
        try:
            body = json.dumps(await self.body(message, row_id), ensure_ascii=False).encode()
        except Exception as error:  # noqa: BLE001 - any failed download is retried, then dead
            log.warning("platform %s: evidence download failed: %r", platform.name, error)
            return PlatformAnswer(f"evidence download failed: {error!r}", retry=True)
        message_id, timestamp = delivery_id(row_id), int(now.timestamp())
        headers = {
            "Content-Type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(
                platform.secret.get_secret_value(), message_id, timestamp, body
            ),
        }
        try:
            async with self._http.post(
                platform.reply_url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=30),
            ) as response:
                status, text = response.status, await response.text()
        except (aiohttp.ClientError, TimeoutError) as error:
            return PlatformAnswer(f"platform unreachable: {error!r}", retry=True)
        if 200 <= status < 300:
            return PlatformAnswer()
        answer = f"{status}: {_reason(text)}"
        if status in (408, 425, 429) or status >= 500:
            return PlatformAnswer(answer, retry=True)
        return PlatformAnswer(answer)


def _reason(text: str) -> str:
    """The platform's own words for a refusal: its JSON `error`/`message`, else the text."""
    try:
        data = json.loads(text)
    except ValueError:
        return text[:300]
    if isinstance(data, dict):
        found = data.get("error") or data.get("message")
        if isinstance(found, dict):
            found = found.get("message")
        if found:
            return str(found)[:300]
    return text[:300]
