"""The real `ticketbot run` process against the emulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from emulator.core import EmulatorCore
from emulator.server import RunningServer

#: How long a condition may take to come true in a test with a real process.
PATIENCE = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def until(condition: Callable[[], Any], *, what: str = "") -> Any:
    """Wait for `condition()` to be truthy while the other process works; fail after PATIENCE.

    This polls the emulator's state; it waits for the bot process, never for a deadline.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while True:
        value = condition()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {PATIENCE}s waiting for {what or condition}")
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
url = "sqlite+aiosqlite:///{database}"

[server]
host = "127.0.0.1"
port = {port}

[[teams]]
chat_id = {group.id}
name = "E2E team"
language = "{language}"
timezone = "Asia/Shanghai"
supervisors = {supervisors}

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
    """`python -m bot run --config FILE` as a child process, with its log in a file."""

    config: Path
    log: Path
    port: int
    process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("TICKETBOT_")}
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

    async def health(self) -> dict[str, Any] | None:
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
        deadline = loop.time() + PATIENCE
        while loop.time() < deadline:
            assert self.process is not None
            if self.process.returncode is not None:
                raise AssertionError(
                    f"the bot exited with {self.process.returncode}:\n{self.tail()}"
                )
            if await self.health() is not None:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"the bot did not become healthy:\n{self.tail()}")

    async def terminate(self) -> int:
        """SIGTERM, and the exit status once it has drained and stopped."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout=PATIENCE)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"
