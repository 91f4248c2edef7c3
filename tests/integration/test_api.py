"""The public API over HTTP on SQLite and PostgreSQL: tokens and their scopes, a team's
walls, idempotent creation, the chat's actions through the one write path, errors in the
caller's language, the streamed export."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.domain.model import EventType, Status
from bot.domain.tokens import Scope
from storage.database import Database
from tests.support.api import OTHER_GROUP, ApiWorld, api_world, bearer
from tests.support.clock import FakeClock
from tests.support.world import AGENT, ASSIGNEE

NEW = {
    "order_id": "TB1001",
    "kind": "aftersale",
    "description": "杯子碎了",
    "assignee": "bo_aftersale",
}


@pytest.fixture
async def api(db: Database, clock: FakeClock) -> AsyncIterator[ApiWorld]:
    async with api_world(db, clock) as world:
        yield world


async def _json(response: Any) -> Any:
    return await response.json()


async def test_a_read_token_reads_and_cannot_write(api: ApiWorld) -> None:
    await api.world.create()
    read = await api.token(Scope.READ)

    listed = await api.client.get("/api/v1/tickets", headers=bearer(read))
    assert listed.status == 200
    assert [t["number"] for t in (await listed.json())["items"]] == [1]

    for method, path in (("POST", "/api/v1/tickets"), ("POST", "/api/v1/tickets/1/note")):
        answer = await api.client.request(method, path, json=NEW, headers=bearer(read))
        assert answer.status == 403
        assert (await answer.json())["error"]["code"] == "forbidden"
    assert (await api.world.services.queries.show(api.world.actor(AGENT), number=1)).timeline


async def test_a_token_of_team_a_never_sees_team_b(api: ApiWorld) -> None:
    assert await api.world.services.people.in_group(OTHER_GROUP, ASSIGNEE) is not None
    other = await api.token(Scope.WRITE, OTHER_GROUP)
    created = await api.client.post("/api/v1/tickets", json=NEW, headers=bearer(other))
    assert created.status == 201, await created.text()
    mine = await api.token(Scope.PLATFORM)

    assert (await api.client.get("/api/v1/tickets/1", headers=bearer(mine))).status == 404
    note = {"text": "hello"}
    acted = await api.client.post("/api/v1/tickets/1/note", json=note, headers=bearer(mine))
    assert acted.status == 404
    listed = await (await api.client.get("/api/v1/tickets", headers=bearer(mine))).json()
    assert (listed["items"], listed["total"]) == ([], 0)
    csv = await (await api.client.get("/api/v1/export", headers=bearer(mine))).text()
    assert "TB1001" not in csv
    stats = await (await api.client.get("/api/v1/statistics", headers=bearer(mine))).json()
    assert stats["total"] == 0
    theirs = await api.client.get("/api/v1/tickets/1", headers=bearer(other))
    assert (await theirs.json())["order_id"] == "TB1001"


async def test_a_revoked_token_is_refused_at_once(api: ApiWorld) -> None:
    issued = await api.world.services.tokens.create(-100_200_300, Scope.READ, "erp")
    headers = bearer(issued.secret)
    assert (await api.client.get("/api/v1/members", headers=headers)).status == 200

    assert await api.world.services.tokens.revoke(issued.token.id)

    refused = await api.client.get("/api/v1/members", headers=headers)
    assert refused.status == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await refused.json())["error"]["code"] == "unauthorized"
    for wrong in ({}, {"Authorization": "Bearer tbk_nope"}, {"Authorization": "Basic x"}):
        assert (await api.client.get("/api/v1/members", headers=wrong)).status == 401


async def test_the_same_idempotency_key_makes_one_ticket(api: ApiWorld) -> None:
    token = await api.token(Scope.WRITE)
    headers = bearer(token, **{"Idempotency-Key": "order-TB1001"})

    first = await api.client.post("/api/v1/tickets", json=NEW, headers=headers)
    again = await api.client.post("/api/v1/tickets", json=NEW, headers=headers)
    other = await api.client.post(
        "/api/v1/tickets", json={**NEW, "description": "另一件事"}, headers=headers
    )

    assert (first.status, again.status) == (201, 201)
    assert (await first.json()) == (await again.json())
    assert other.status == 422
    assert (await other.json())["error"]["field"] == "Idempotency-Key"
    listed = await (await api.client.get("/api/v1/tickets", headers=bearer(token))).json()
    assert listed["total"] == 1
    # Without a key the duplicate order is pointed out, and opened only when allowed.
    duplicate = await api.client.post("/api/v1/tickets", json=NEW, headers=bearer(token))
    assert duplicate.status == 409
    assert (await duplicate.json())["error"] == {
        "code": "duplicate",
        "message": "Ticket #T1 is already open for this order and kind; send allow_duplicate"
        " to open another.",
        "field": "order_id",
    }
    allowed = {**NEW, "allow_duplicate": True}
    second = await api.client.post("/api/v1/tickets", json=allowed, headers=bearer(token))
    assert (await second.json())["number"] == 2


async def test_chat_actions_go_through_the_one_write_path(api: ApiWorld) -> None:
    token = await api.token(Scope.WRITE)
    created = await (
        await api.client.post("/api/v1/tickets", json=NEW, headers=bearer(token))
    ).json()
    assert (created["creator_id"], created["assignee_id"]) == (0, ASSIGNEE.id)

    async def act(action: str, **body: Any) -> Any:
        return await api.client.post(
            f"/api/v1/tickets/1/{action}", json=body, headers=bearer(token)
        )

    assert (await act("note", text="called the customer")).status == 200
    stale = await act("acknowledge", seen=created["stamp"] + 1)
    assert (stale.status, (await stale.json())["error"]["code"]) == (409, "conflict")
    transferred = await act("transfer", assignee="@cai_warehouse", text="warehouse")
    assert (await transferred.json())["ticket"]["assignee_id"] == 1003
    done = await (await act("agree")).json()
    assert done["ticket"]["status"] == Status.RESOLVED
    refused = await act("cancel", text="too late")
    assert (refused.status, (await refused.json())["error"]["code"]) == (409, "refused")
    platform_only = await act("platform_rule", text="x", verdict="shop_favour")
    assert platform_only.status == 403

    shown = await (await api.client.get("/api/v1/tickets/1", headers=bearer(token))).json()
    types = [entry["type"] for entry in shown["timeline"]]
    assert types == [
        EventType.CREATED,
        EventType.NOTE,
        EventType.TRANSFERRED,
        EventType.OUTCOME,
    ]
    assert {entry["actor_id"] for entry in shown["timeline"]} == {0}
    # No person did it: each event names the integration whose token it came with.
    assert {(e["payload"]["via"], e["payload"]["integration"]) for e in shown["timeline"]} == {
        ("api", "erp")
    }
    assert shown["evidence"] == []


async def test_errors_speak_the_callers_language_and_name_the_field(api: ApiWorld) -> None:
    token = await api.token(Scope.WRITE)
    zh = bearer(token, **{"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    invalid = await api.client.post("/api/v1/tickets", json={"order_id": ""}, headers=zh)
    body = await invalid.json()
    assert invalid.status == 422
    assert body["error"]["field"] == "order_id"
    assert "无效" in body["error"]["message"]
    missing = await api.client.get("/api/v1/tickets/9", headers=zh)
    assert (await missing.json())["error"]["code"] == "not_found"
    assert missing.headers["Content-Language"] == "zh"
    english = await api.client.get("/api/v1/tickets?limit=0", headers=bearer(token))
    assert (await english.json())["error"]["field"] == "limit"
    assert english.headers["Content-Language"] == "en"
    unknown = await api.client.get("/api/v1/nothing", headers=zh)
    assert (unknown.status, (await unknown.json())["error"]["code"]) == (404, "not_found")
    not_json = await api.client.post("/api/v1/tickets", data=b"[1]", headers=zh)
    assert not_json.status == 400


async def test_lists_page_with_a_cursor_and_filter(api: ApiWorld) -> None:
    for number in range(5):
        await api.world.create(f"TB200{number}")
    await api.world.create("TB3000", assignee=None)
    token = bearer(await api.token(Scope.READ))
    seen: list[int] = []
    cursor = None
    while True:
        query = "limit=2&sort=newest" + (f"&cursor={cursor}" if cursor else "")
        page = await (await api.client.get(f"/api/v1/tickets?{query}", headers=token)).json()
        seen += [t["number"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [6, 5, 4, 3, 2, 1]
    unassigned = await api.client.get("/api/v1/tickets?unassigned=true", headers=token)
    assert [t["order_id"] for t in (await unassigned.json())["items"]] == ["TB3000"]
    by_status = await api.client.get("/api/v1/tickets?status=open&status=closed", headers=token)
    assert (await by_status.json())["total"] == 6


async def test_the_export_streams_csv_and_members_list_the_team(api: ApiWorld) -> None:
    await api.world.create("=HYPERLINK()")
    token = bearer(await api.token(Scope.READ))
    export = await api.client.get("/api/v1/export?days=30", headers=token)
    assert export.headers["Content-Type"].startswith("text/csv")
    text = (await export.read()).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("number,order_id,kind,status")
    assert lines[1].startswith("1,'=HYPERLINK(),aftersale,open")
    members = await (await api.client.get("/api/v1/members", headers=token)).json()
    assert {m["username"] for m in members["items"]} >= {"ann_agent", "bo_aftersale"}
    me = await (await api.client.get("/api/v1/token", headers=token)).json()
    assert (me["scope"], me["team_chat_id"]) == ("read", -100_200_300)
