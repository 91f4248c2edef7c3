"""HTTP delivery of updates to a webhook URL (the emulator only allows loopback hosts)."""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import aiohttp

# Sends one update: (url, JSON body, headers) -> HTTP status. Injectable for tests.
WebhookPoster = Callable[[str, bytes, dict[str, str]], Awaitable[int]]


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs whose host is on this machine (127.0.0.0/8, ::1, localhost)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class AiohttpPoster:
    """Default poster: one aiohttp session, created lazily inside the running loop."""

    def __init__(self, timeout: float = 10.0) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        async with self._session.post(url, data=body, headers=headers) as response:
            await response.read()
            return response.status

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
