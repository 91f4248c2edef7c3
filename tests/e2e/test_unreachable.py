"""`ticketbot run` when the Bot API cannot be reached: a line saying so, not a traceback."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.e2e.harness import STARTUP, free_port

pytestmark = pytest.mark.e2e

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


async def test_an_unreachable_bot_api_is_retried_then_named_in_one_line(tmp_path: Path) -> None:
    closed = free_port()  # nothing listens there: every connection is refused
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[telegram]
token = "{TOKEN}"
base_url = "http://127.0.0.1:{closed}/bot"
start_patience = "3s"

[database]
url = "sqlite+aiosqlite:///{tmp_path / "bot.db"}"

[server]
port = 0

[[teams]]
chat_id = -1001
name = "Shop"
""",
        encoding="utf-8",
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TICKETBOT_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=environment,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=STARTUP)
    lines = output.decode(errors="replace").splitlines()

    assert process.returncode == 1
    assert not any("Traceback" in line for line in lines), "\n".join(lines)
    url = f"http://127.0.0.1:{closed}/bot<token>/getMe"
    warnings = [line for line in lines if "WARNING" in line and "cannot reach" in line]
    assert len(warnings) == 1, lines  # tried several times in 3 s, said so once
    assert lines[-1].endswith(tuple(f"tries in {seconds}s)" for seconds in range(3, 10))), lines[-1]
    assert f"ERROR bot.runtime: cannot reach the Bot API at {url}: " in lines[-1]
    assert TOKEN not in output.decode()
