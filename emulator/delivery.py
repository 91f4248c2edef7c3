"""Update delivery: the queue of unconfirmed updates, getUpdates long polling and webhooks."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from emulator.errors import bad_request, conflict
from emulator.params import Handler, Params
from emulator.webhook import AiohttpPoster, WebhookPoster, is_loopback_url

logger = logging.getLogger(__name__)

# Update types delivered when allowed_updates is empty or was never given.
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
_SECRET_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_ALLOWED_UPDATES_ERROR = "can't parse allowed updates JSON object"


@dataclass
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int


@dataclass
class Described:
    """A successful result that also carries Telegram's "description" (setWebhook does this)."""

    result: Any
    description: str


class UpdateDelivery:
    """Queues updates until the bot confirms them, by getUpdates offset or webhook delivery."""

    def __init__(
        self,
        *,
        first_update_id: int,
        date: Callable[[], int],
        sleep: Callable[[float], Awaitable[None]],
        poster: WebhookPoster | None,
        retry_delays: Sequence[float],
    ) -> None:
        self._date = date
        self._sleep = sleep
        self._own_poster = poster is None
        self._poster: WebhookPoster = poster or AiohttpPoster()
        self._retry_delays = tuple(retry_delays)
        self._pending: deque[dict[str, Any]] = deque()
        self._next_update_id = first_update_id
        self._allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._explicit_allowed: list[str] | None = None
        self._waiters: list[asyncio.Future[None]] = []
        self._active_poll: object | None = None
        self._webhook: _Webhook | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_error: tuple[int, str] | None = None

    def handlers(self) -> dict[str, Handler]:
        return {
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
        }

    # --- the queue -------------------------------------------------------------------------------

    def push(self, kind: str, payload: dict[str, Any], *, deliver: bool = True) -> dict[str, Any]:
        """Number an update; queue it unless the bot would not get it. Returns the Update."""
        update = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        if deliver and kind in self._allowed_updates:
            self._pending.append(update)
            self._notify()
        return update

    def pending(self) -> list[dict[str, Any]]:
        """Updates queued for getUpdates/webhook delivery and not yet confirmed."""
        return list(self._pending)

    @property
    def waiting_count(self) -> int:
        """How many getUpdates calls (or the webhook worker) are parked waiting for updates."""
        return len(self._waiters)

    def wake_waiters(self) -> None:
        """Wake every waiting getUpdates (used when the server shuts down)."""
        self._notify()

    async def aclose(self) -> None:
        """Stop webhook delivery, wake waiting polls and close the HTTP session."""
        self._webhook = None
        await self._stop_webhook_worker()
        self._notify()
        if self._own_poster and isinstance(self._poster, AiohttpPoster):
            await self._poster.close()

    def _set_allowed_updates(self, request: Params) -> None:
        raw = request.get_json("allowed_updates", error=_ALLOWED_UPDATES_ERROR)
        if raw is None:
            return
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise bad_request(_ALLOWED_UPDATES_ERROR)
        self._explicit_allowed = list(raw)
        self._allowed_updates = frozenset(raw) if raw else DEFAULT_UPDATE_TYPES

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            keep = -offset
            while len(self._pending) > keep:
                self._pending.popleft()
            return
        while self._pending and self._pending[0]["update_id"] < offset:
            self._pending.popleft()

    async def _wait_for_update(self, wait_seconds: float | None) -> None:
        """Return when an update arrives, a newer poll starts, or `wait_seconds` run out."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        timer: asyncio.Task[None] | None = None
        try:
            if wait_seconds is None:
                await future
                return
            timer = asyncio.ensure_future(self._sleep(wait_seconds))
            await asyncio.wait({future, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if timer is not None and not timer.done():
                timer.cancel()
            if future in self._waiters:
                self._waiters.remove(future)
            if not future.done():
                future.cancel()

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for future in waiters:
            if not future.done():
                future.set_result(None)

    # --- getUpdates ------------------------------------------------------------------------------

    async def _get_updates(self, request: Params) -> list[dict[str, Any]]:
        if self._webhook is not None:
            raise conflict(
                "can't use getUpdates method while webhook is active; use deleteWebhook to "
                "delete the webhook first"
            )
        offset = request.get_int("offset")
        limit = min(100, max(1, request.get_int("limit", default=100) or 100))
        timeout = max(0.0, request.get_float("timeout", default=0.0))
        self._set_allowed_updates(request)
        self._confirm(offset)
        # A newer getUpdates ends an older one still waiting, as Telegram does.
        poll = object()
        superseded = self._active_poll is not None
        self._active_poll = poll
        if superseded:
            self._notify()
        try:
            if not self._pending and timeout > 0:
                await self._wait_for_update(timeout)
            if self._active_poll is not poll:
                raise conflict(
                    "terminated by other getUpdates request; make sure that only one bot "
                    "instance is running"
                )
            if self._webhook is not None:
                return []
            return list(itertools.islice(self._pending, limit))
        finally:
            if self._active_poll is poll:
                self._active_poll = None

    # --- webhooks --------------------------------------------------------------------------------

    async def _set_webhook(self, request: Params) -> Described:
        url = (request.get_str("url") or "").strip()
        if not url:
            return await self._delete_webhook(request)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if not is_loopback_url(url):
            # Deviation: the emulator never calls out of the machine, so only loopback works.
            raise bad_request(
                "bad webhook: the emulator delivers only to loopback hosts (127.0.0.1, ::1, "
                "localhost)"
            )
        secret = request.get_str("secret_token")
        if secret is not None and secret != "" and not _SECRET_FORMAT.match(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = request.get_int("max_connections", default=40) or 40
        if not 1 <= max_connections <= 100:
            raise bad_request("max_connections must be between 1 and 100")
        self._set_allowed_updates(request)
        if request.get_bool("drop_pending_updates"):
            self._pending.clear()
        previous = self._webhook
        self._webhook = _Webhook(url, secret or None, max_connections)
        self._webhook_error = None
        self._notify()  # a waiting getUpdates gives way to the webhook
        self._start_webhook_worker()
        if previous is not None and previous.url == url:
            return Described(True, "Webhook is already set")
        return Described(True, "Webhook was set")

    async def _delete_webhook(self, request: Params) -> Described:
        if request.get_bool("drop_pending_updates"):
            self._pending.clear()
        if self._webhook is None:
            return Described(True, "Webhook is already deleted")
        self._webhook = None
        await self._stop_webhook_worker()
        return Described(True, "Webhook was deleted")

    async def _get_webhook_info(self, request: Params) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook.url if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._webhook is not None:
            info["max_connections"] = self._webhook.max_connections
            info["ip_address"] = "127.0.0.1"
            if self._explicit_allowed is not None:
                info["allowed_updates"] = self._explicit_allowed
        if self._webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    def _start_webhook_worker(self) -> None:
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._webhook_loop())

    async def _stop_webhook_worker(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            # Expected: we cancelled it. Our own cancellation still propagates below.
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise

    async def _webhook_loop(self) -> None:
        while self._webhook is not None:
            if not self._pending:
                await self._wait_for_update(None)
                continue
            update = self._pending[0]
            await self._deliver(self._webhook, update)
            if self._pending and self._pending[0] is update:
                self._pending.popleft()

    async def _deliver(self, webhook: _Webhook, update: dict[str, Any]) -> bool:
        body = json.dumps(update, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        delays = (*self._retry_delays, None)
        for attempt, delay in enumerate(delays, start=1):
            try:
                status = await self._poster(webhook.url, body, headers)
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                message = f"Connection failed: {exc.__class__.__name__}: {exc}"
            else:
                if 200 <= status <= 299:
                    return True
                message = f"Wrong response from the webhook: {status}"
            self._webhook_error = (self._date(), message)
            logger.warning(
                "webhook delivery of update %s to %s failed (attempt %d): %s",
                update["update_id"],
                webhook.url,
                attempt,
                message,
            )
            if delay is None or self._webhook is not webhook:
                break
            await self._sleep(delay)
        logger.error("giving up delivering update %s to %s", update["update_id"], webhook.url)
        return False
