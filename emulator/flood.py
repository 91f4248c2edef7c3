"""Telegram's flood limits for bots: 30 messages/s overall, 1/s per private chat, 20/min per group.

Telegram documents the limits only loosely ("about"); the emulator enforces them as sliding
windows over an injected monotonic clock so tests can step time instead of sleeping. A refused
send opens a retry_after window for its scope and every send inside that window is refused again;
since retry_after is announced in whole seconds, a refusal inside a window stretches the window to
the end it announces, so a client that waits exactly retry_after is always let through.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FloodRules:
    """Window sizes and counts; defaults are the Bot FAQ's numbers."""

    global_per_second: int = 30
    private_per_second: int = 1
    group_per_minute: int = 20


class FloodLimiter:
    """Decides whether a message send is allowed now and records accepted sends."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        enabled: bool = False,
        rules: FloodRules | None = None,
    ) -> None:
        self._clock = clock
        self.enabled = enabled
        self.rules = rules or FloodRules()
        self._global: deque[float] = deque()
        self._per_chat: dict[int, deque[float]] = {}
        self._blocked_until: dict[int | None, float] = {}  # None is the bot-wide scope

    def reset(self) -> None:
        self._global.clear()
        self._per_chat.clear()
        self._blocked_until.clear()

    def impose(self, chat_id: int | None, seconds: int) -> None:
        """A flood wait Telegram imposes for reasons of its own (another process of the same
        bot, an anti-spam rule): sends to `chat_id` (None: to any chat) are refused for
        `seconds`, each refusal announcing what is left of it."""
        until = self._clock() + seconds
        self._blocked_until[chat_id] = max(self._blocked_until.get(chat_id, until), until)

    def check(self, chat_id: int, is_group: bool) -> int | None:
        """Seconds to wait (whole, at least 1) when a send to `chat_id` is refused, else None."""
        if not self.enabled:
            return None
        now = self._clock()
        for scope in (None, chat_id):
            until = self._blocked_until.get(scope)
            if until is not None and now < until:
                # Every announced retry_after is binding, so the window grows to cover it.
                retry_after = max(1, math.ceil(until - now))
                self._blocked_until[scope] = now + retry_after
                return retry_after
        wait = self._window_wait(self._global, now, 1.0, self.rules.global_per_second)
        scope_hit: int | None = None
        if wait is None:
            window, limit = (
                (60.0, self.rules.group_per_minute)
                if is_group
                else (1.0, self.rules.private_per_second)
            )
            wait = self._window_wait(self._per_chat.get(chat_id), now, window, limit)
            scope_hit = chat_id
        if wait is None:
            return None
        retry_after = max(1, math.ceil(wait))
        self._blocked_until[scope_hit] = now + retry_after
        return retry_after

    def record(self, chat_id: int) -> None:
        """Count one accepted message towards the windows."""
        if not self.enabled:
            return
        now = self._clock()
        self._global.append(now)
        self._per_chat.setdefault(chat_id, deque()).append(now)

    @staticmethod
    def _window_wait(
        sends: deque[float] | None, now: float, window: float, limit: int
    ) -> float | None:
        if not sends:
            return None
        while sends and sends[0] <= now - window:
            sends.popleft()
        if len(sends) < limit:
            return None
        # The oldest send inside the window must leave it before another one fits.
        return sends[len(sends) - limit] + window - now
