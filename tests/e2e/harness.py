"""The real `ticketbot run` process against the emulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from emulator.core import EmulatorCore
from emulator.server import RunningServer

#: How long a condition may go without progress in a test with a real process. A restarted
#: bot retakes a killed process's deliveries only when their lease (15 s) runs out, so a quiet
#: spell of 15 s plus a loaded machine's start-up is normal: well above it.
PATIENCE = 60.0
#: Bound for starting or stopping the real process. Importing PTB, SQLAlchemy and Alembic and
#: migrating takes 5 s on an idle machine and several times that with the whole suite beside
#: it; the wait ends as soon as the process is up (or has exited), so a generous bound costs
#: nothing when things go well.
STARTUP = 120.0
#: Bound for a condition that keeps making progress (e.g. 150 cards at 1/s per chat).
CEILING = 240.0
_ANNOUNCED_PORT = re.compile(rb"HTTP server on http://[^:]+:(\d+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def until(
    condition: Callable[[], Any],
    *,
    what: str = "",
    progress: Callable[[], object] | None = None,
) -> Any:
    """Wait for `condition()` to be truthy while the other process works.

    Fails after PATIENCE seconds in which `progress()` (if given) did not change, and in any
    case after CEILING: a slow machine slows the bot down, it does not stop it, so a wait for
    many things is bounded by the lack of progress rather than by how long it all takes.
    This polls the emulator's state; it waits for the bot process, never for a deadline.
    """
    loop = asyncio.get_running_loop()
    ceiling = loop.time() + CEILING
    deadline = loop.time() + PATIENCE
    seen = progress() if progress is not None else None
    while True:
        value = condition()
        if value:
            return value
        now = loop.time()
        if progress is not None:
            current = progress()
            if current != seen:
                seen, deadline = current, now + PATIENCE
        if now > min(deadline, ceiling):
            raise AssertionError(
                f"timed out waiting for {what or condition} (no progress for {PATIENCE}s, "
                f"or longer than {CEILING}s; last progress: {seen!r})"
            )
        await asyncio.sleep(0.05)


def config_text(
    emulator: RunningServer,
    core: EmulatorCore,
    database: Path,
    port: int,
    *,
    mode: str = "polling",
    secret: str = "e2e-secret",
    reply_within: str = "1h",
    remind_before: str = "10m",
    language: str = "en",
    extra: str = "",
    database_url: str | None = None,
    team_extra: str = "",
) -> str:
    group = core.scenario.groups[0]
    supervisors = [p.id for p in core.scenario.personas if p.role == "supervisor"]
    webhook = ""
    if mode == "webhook":
        webhook = (
            f'webhook_url = "http://127.0.0.1:{port}/telegram/webhook"\n'
            f'webhook_secret = "{secret}"\n'
        )
    return f"""
[telegram]
token = "{core.bot.token}"
base_url = "{emulator.base_url}"
base_file_url = "{emulator.base_file_url}"
mode = "{mode}"
{webhook}
[database]
url = "{database_url or f"sqlite+aiosqlite:///{database}"}"

[server]
host = "127.0.0.1"
port = {port}

[[teams]]
chat_id = {group.id}
name = "E2E team"
language = "{language}"
timezone = "Asia/Shanghai"
supervisors = {supervisors}
{team_extra}

[sla]
reply_within = "{reply_within}"
remind_before = "{remind_before}"

[scheduler]
interval = "1s"

[dispatcher]
poll_interval = "1s"
# A killed process's claims are taken over after the lease: short, so the crash test is quick.
lease = "3s"
{extra}
"""


@dataclass
class BotProcess:
    """`python -m bot run --config FILE` as a child process, with its log in a file.

    With `port` 0 (configured as `[server] port = 0`) the process binds a port of its own
    choosing, read from its log: a port picked beforehand could be taken by another test's
    process before the bot binds it.
    """

    config: Path
    log: Path
    port: int
    process: asyncio.subprocess.Process | None = None
    _log_start: int = 0
    _configured_port: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self._configured_port = self.port

    async def start(self) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("TICKETBOT_")}
        self._log_start = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                "--config",
                str(self.config),
                stdout=log,
                stderr=log,
                env=environment,
            )
        await self.wait_healthy()

    def _announced_port(self) -> int | None:
        """The port this process (not an earlier one sharing the log) said it listens on."""
        try:
            with self.log.open("rb") as log:
                log.seek(self._log_start)
                found = _ANNOUNCED_PORT.search(log.read())
        except FileNotFoundError:
            return None
        return int(found.group(1)) if found else None

    async def health(self) -> dict[str, Any] | None:
        if self._configured_port == 0:
            announced = self._announced_port()
            if announced is None:
                return None
            self.port = announced
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.get(
                    f"http://127.0.0.1:{self.port}/healthz", timeout=aiohttp.ClientTimeout(total=2)
                ) as response,
            ):
                return dict(await response.json()) if response.status == 200 else None
        except (aiohttp.ClientError, TimeoutError):
            return None

    async def wait_healthy(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STARTUP
        while loop.time() < deadline:
            assert self.process is not None
            if self.process.returncode is not None:
                raise AssertionError(
                    f"the bot exited with {self.process.returncode}:\n{self.tail()}"
                )
            if await self.health() is not None:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"the bot did not become healthy in {STARTUP}s:\n{self.tail()}")

    async def terminate(self) -> int:
        """SIGTERM, and the exit status once it has drained and stopped."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout=STARTUP)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"
