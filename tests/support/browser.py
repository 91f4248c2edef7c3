"""Debian's chromium for the panel tests: where it is, its headless flags, whether CI needs it."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Final

import pytest
from playwright.async_api import Browser, async_playwright

CHROMIUM: Final = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM: Final = Path(CHROMIUM).exists()
#: CI sets this, so that a missing chromium fails the run instead of skipping the tests.
REQUIRE_BROWSER: Final = "TICKETBOT_REQUIRE_BROWSER"
#: Without the background-networking flags, chromium keeps reaching for Google's hosts.
HEADLESS_FLAGS: Final = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A headless chromium; the test skips (or fails in CI) without Debian's package."""
    if not HAVE_CHROMIUM:
        if os.environ.get(REQUIRE_BROWSER):
            pytest.fail(f"{REQUIRE_BROWSER} is set but {CHROMIUM} is missing")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); CI has it")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=HEADLESS_FLAGS)
        try:
            yield browser
        finally:
            await browser.close()
