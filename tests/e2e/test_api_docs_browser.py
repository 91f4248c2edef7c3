"""The API's docs page in a browser: it reads the served OpenAPI document and shows every
operation, with nothing fetched from another host."""

from __future__ import annotations

import pytest

from storage.database import Database
from tests.support.api import api_world
from tests.support.browser import chromium
from tests.support.clock import FakeClock

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
async def test_the_docs_page_lists_every_operation(db: Database, clock: FakeClock) -> None:
    async with api_world(db, clock) as api, chromium() as browser:
        base = str(api.client.make_url("/api/v1/docs"))
        page = await browser.new_page()
        hosts: set[str] = set()
        page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
        await page.goto(base)
        await page.wait_for_selector("section.op#createTicket")
        operations = await page.eval_on_selector_all("section.op", "nodes => nodes.map(n => n.id)")
        assert set(operations) >= {
            "listTickets",
            "createTicket",
            "getTicket",
            "actOnTicket",
            "listMembers",
            "getStatistics",
            "exportTickets",
            "receivePlatformEvent",
        }
        assert "Idempotency-Key" in await page.inner_text("#createTicket")
        assert hosts == {base.split("/")[2]}
