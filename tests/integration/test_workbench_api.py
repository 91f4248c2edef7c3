"""The workbench's JSON on SQLite and PostgreSQL: who may call, views, a ticket's page, actions
by role, stale versions, evidence, bulk actions and team isolation."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import FormData

from bot.domain.changes import ChangeTicket, Origin, TicketRef
from bot.domain.commands import CreateTicket, UserRef
from bot.domain.model import Action, Status
from bot.services.tickets import Created
from storage.database import Database
from tests.support.clock import FakeClock
from tests.support.workbench import (
    OTHER_GROUP,
    TOKEN,
    init_data,
    workbench_page,
    workbench_settings,
)
from tests.support.world import (
    AGENT,
    ASSIGNEE,
    OTHER_ASSIGNEE,
    OUTSIDER,
    SUPERVISOR,
    World,
    act,
    build_world,
    chat_origin,
)


async def _world(db: Database, clock: FakeClock, *, two_teams: bool = False) -> World:
    settings = workbench_settings(other_team_supervisor=SUPERVISOR.id if two_teams else None)
    return await build_world(db, clock, settings)


async def test_init_data_signs_the_caller_in_and_forgeries_get_401(
    db: Database, clock: FakeClock
) -> None:
    world = await _world(db, clock)
    async with workbench_page(world) as page:
        status, me = await page.get(SUPERVISOR, "/api/app/me")
        assert status == 200
        assert me["user"]["id"] == SUPERVISOR.id
        assert me["teams"][0]["supervisor"] is True
        assert me["csrf"] is None

        for header in (
            f"tma {init_data(SUPERVISOR, clock.now(), token='1:OTHER')}",
            f"tma {init_data(SUPERVISOR, clock.now() - timedelta(hours=25))}",
            f"Bearer {init_data(SUPERVISOR, clock.now())}",
            "tma user=%7B%22id%22%3A1004%7D&auth_date=1&hash=00",
        ):
            response = await page.client.get("/api/app/me", headers={"Authorization": header})
            assert response.status == 401, header
        response = await page.client.get("/api/app/me")
        assert response.status == 401


async def test_a_sign_in_link_works_once_for_its_user_within_ten_minutes(
    db: Database, clock: FakeClock
) -> None:
    world = await _world(db, clock)
    workbench = world.services.workbench
    async with workbench_page(world) as page:
        token = await workbench.issue_link(ASSIGNEE.id)
        # Another user's id with this token: refused, and the link is spent.
        other = await page.client.get(
            "/app/signin", params={"t": token, "u": str(SUPERVISOR.id)}, allow_redirects=False
        )
        assert other.status == 401
        assert "tb_session" not in other.cookies

        token = await workbench.issue_link(ASSIGNEE.id)
        first = await page.client.get(
            "/app/signin", params={"t": token, "u": str(ASSIGNEE.id)}, allow_redirects=False
        )
        assert first.status == 303
        cookie = first.cookies["tb_session"]
        assert cookie["httponly"]
        assert cookie["samesite"] == "Strict"
        again = await page.client.get(
            "/app/signin", params={"t": token, "u": str(ASSIGNEE.id)}, allow_redirects=False
        )
        assert again.status == 401

        late = await workbench.issue_link(ASSIGNEE.id)
        clock.advance(timedelta(minutes=10, seconds=1))
        expired = await page.client.get(
            "/app/signin", params={"t": late, "u": str(ASSIGNEE.id)}, allow_redirects=False
        )
        assert expired.status == 401

        # The session of the first link: the assignee, reading freely, writing with CSRF only.
        session = {"tb_session": cookie.value}
        page.client.session.cookie_jar.update_cookies(session)
        me = await (await page.client.get("/api/app/me")).json()
        assert me["user"]["id"] == ASSIGNEE.id
        assert me["csrf"]
        ticket = await world.create()
        path = f"/api/app/teams/{world.team.id}/tickets/{ticket.number}/actions"
        refused = await page.client.post(path, json={"action": "acknowledge"})
        assert refused.status == 401
        wrong = await page.client.post(
            path, json={"action": "acknowledge"}, headers={"X-CSRF-Token": "x" + me["csrf"]}
        )
        assert wrong.status == 401
        ok = await page.client.post(
            path, json={"action": "acknowledge"}, headers={"X-CSRF-Token": me["csrf"]}
        )
        assert ok.status == 200
        assert (await ok.json())["ticket"]["status"] == Status.IN_PROGRESS.value


async def test_buckets_lists_and_the_ticket_page(db: Database, clock: FakeClock) -> None:
    world = await _world(db, clock)
    late = await world.create("TB1", description="late one")
    clock.advance(timedelta(hours=23, minutes=30))
    soon = await world.create("TB2", description="fresh one", assignee=OTHER_ASSIGNEE)
    clock.advance(timedelta(minutes=45))
    await act(world.services, world.actor(ASSIGNEE), Action.NOTE, number=late.number, text="hi")
    async with workbench_page(world) as page:
        base = page.team_path()
        status, counts = await page.get(SUPERVISOR, f"{base}/counts", view="team")
        assert status == 200
        assert counts["counts"]["overdue"] == 1
        _, overdue = await page.get(SUPERVISOR, f"{base}/tickets", view="team", bucket="overdue")
        assert [t["number"] for t in overdue["tickets"]] == [late.number]
        _, mine = await page.get(OTHER_ASSIGNEE, f"{base}/tickets", view="mine")
        assert [t["number"] for t in mine["tickets"]] == [soon.number]
        _, mine_counts = await page.get(SUPERVISOR, f"{base}/counts", view="mine")
        assert sum(mine_counts["counts"].values()) == 0
        _, found = await page.get(SUPERVISOR, f"{base}/tickets", q="fresh", view="team")
        assert [t["number"] for t in found["tickets"]] == [soon.number]
        _, paged = await page.get(SUPERVISOR, f"{base}/tickets", limit="1", sort="newest")
        assert paged["total"] == 2
        assert paged["next"]
        _, rest = await page.get(
            SUPERVISOR, f"{base}/tickets", limit="1", sort="newest", cursor=paged["next"]
        )
        assert [t["number"] for t in rest["tickets"]] == [late.number]

        status, shown = await page.get(ASSIGNEE, f"{base}/tickets/{late.number}")
        assert status == 200
        assert shown["order_id"] == "TB1"
        assert [e["type"] for e in shown["timeline"]] == ["created", "note"]
        assert "acknowledge" in shown["actions"]
        assert "agree" in shown["actions"]
        assert "approve_cancel" not in shown["actions"]
        assert "reopen" not in shown["actions"]
        _, as_lead = await page.get(SUPERVISOR, f"{base}/tickets/{late.number}")
        assert "transfer" in as_lead["actions"]
        assert "cancel" in as_lead["actions"]
        _, as_member = await page.get(AGENT, f"{base}/tickets/{late.number}")
        assert "agree" not in as_member["actions"]
        assert "cancel" not in as_member["actions"]


async def test_actions_by_role_and_stale_versions(db: Database, clock: FakeClock) -> None:
    world = await _world(db, clock)
    ticket = await world.create()
    async with workbench_page(world) as page:
        path = f"{page.team_path()}/tickets/{ticket.number}/actions"
        status, body = await page.post(AGENT, path, {"action": "approve_cancel"})
        assert status == 403
        assert body["error"]["code"] == "refused"
        status, body = await page.post(OUTSIDER, path, {"action": "note", "text": "x"})
        assert status == 404  # not a member of any team of this ticket
        status, _ = await page.post(
            ASSIGNEE, path, {"action": "request_cancel", "text": "customer withdrew"}
        )
        assert status == 200
        stale = ticket.stamp
        status, body = await page.post(
            SUPERVISOR, path, {"action": "transfer", "assignee": OTHER_ASSIGNEE.id, "stamp": stale}
        )
        assert status == 409
        assert "nothing was saved" in body["error"]["message"]
        _, shown = await page.get(SUPERVISOR, f"{page.team_path()}/tickets/{ticket.number}")
        assert "approve_cancel" in shown["actions"]
        status, body = await page.post(
            SUPERVISOR, path, {"action": "approve_cancel", "stamp": shown["stamp"]}
        )
        assert status == 200
        assert body["ticket"]["status"] == Status.CANCELLED.value
    # The chat learns of it: the change's notices are in the outbox like any other.
    rows = await db.read(lambda tx: tx.outbox.rows())
    assert any(row.payload["template"] == "cancelled" for row in rows)


async def test_evidence_uploaded_from_the_page_is_evidence_and_streams_back(
    db: Database, clock: FakeClock
) -> None:
    world = await _world(db, clock)
    ticket = await world.create()
    async with workbench_page(world) as page:
        path = f"{page.team_path()}/tickets/{ticket.number}/evidence"
        form = FormData()
        form.add_field("file", b"\x89PNG picture", filename="cup.png", content_type="image/png")
        response = await page.client.post(path, data=form, headers=page.headers(ASSIGNEE))
        assert response.status == 200, await response.text()
        assert (await response.json())["count"] == 1
        status, body = await page.post(
            ASSIGNEE, path.replace("evidence", "actions"), {"action": "agree"}
        )
        assert status == 200
        assert body["ticket"]["status"] == Status.RESOLVED.value
        _, shown = await page.get(SUPERVISOR, f"{page.team_path()}/tickets/{ticket.number}")
        [item] = shown["evidence"]
        assert item["type"] == "photo"
        picture = await page.client.get(item["url"], headers=page.headers(SUPERVISOR))
        assert picture.status == 200
        assert await picture.read() == b"\x89PNG picture"
        assert TOKEN not in item["url"]
        # Someone Telegram will not write to gets a clear refusal and nothing is attached.
        page.files.refuse_chats.add(OTHER_ASSIGNEE.id)
        other = await world.create("TB9", assignee=OTHER_ASSIGNEE)
        form = FormData()
        form.add_field("file", b"data", filename="a.txt", content_type="text/plain")
        refused = await page.client.post(
            f"{page.team_path()}/tickets/{other.number}/evidence",
            data=form,
            headers=page.headers(OTHER_ASSIGNEE),
        )
        assert refused.status == 422


async def test_bulk_reassign_reports_each_ticket(db: Database, clock: FakeClock) -> None:
    world = await _world(db, clock)
    one = await world.create("TB1")
    two = await world.create("TB2")
    await act(world.services, world.actor(SUPERVISOR), Action.CANCEL, number=two.number, text="x")
    async with workbench_page(world) as page:
        body = {
            "numbers": [one.number, two.number, 99],
            "action": "transfer",
            "assignee": OTHER_ASSIGNEE.id,
            "text": "holiday",
        }
        status, _ = await page.post(ASSIGNEE, f"{page.team_path()}/bulk", body)
        assert status == 403
        status, answer = await page.post(SUPERVISOR, f"{page.team_path()}/bulk", body)
        assert status == 200
        results = {r["number"]: r for r in answer["results"]}
        assert results[one.number]["ok"] is True
        assert results[two.number]["ok"] is False
        assert results[two.number]["message"]
        assert results[99]["ok"] is False
        _, shown = await page.get(SUPERVISOR, f"{page.team_path()}/tickets/{one.number}")
        assert shown["assignee"]["id"] == OTHER_ASSIGNEE.id


async def test_another_teams_ticket_is_not_found(db: Database, clock: FakeClock) -> None:
    world = await _world(db, clock, two_teams=True)
    mine = await world.create("TB1")
    session = await world.services.people.in_group(OTHER_GROUP, AGENT)
    assert session is not None
    created = await world.services.tickets.create(
        CreateTicket("XX1", "aftersale", UserRef(username=AGENT.username), "secret stuff"),
        chat_origin(session.actor, in_group=True),
        confirmed=True,
    )
    assert isinstance(created, Created)
    theirs = created.ticket
    await world.services.tickets.execute(
        ChangeTicket(TicketRef(theirs.number), Action.NOTE, "other team's note"),
        Origin(session.actor, chat_origin(session.actor).channel),
    )
    async with workbench_page(world) as page:
        # ASSIGNEE is in the first team only: the second team does not exist for them.
        status, body = await page.get(ASSIGNEE, f"{page.team_path(session.team.id)}/tickets")
        assert status == 404
        assert "secret" not in str(body)
        for path in (
            f"{page.team_path(session.team.id)}/tickets/{theirs.number}",
            f"{page.team_path(session.team.id)}/tickets/{theirs.number}/evidence/1",
        ):
            status, body = await page.get(ASSIGNEE, path)
            assert status == 404
            assert "secret" not in str(body)
        status, _ = await page.post(
            ASSIGNEE,
            f"{page.team_path(session.team.id)}/tickets/{theirs.number}/actions",
            {"action": "note", "text": "x"},
        )
        assert status == 404
        # Asked in the caller's own team, a number only the other team has is not found.
        if theirs.number != mine.number:
            status, _ = await page.get(ASSIGNEE, f"{page.team_path()}/tickets/{theirs.number}")
            assert status == 404
        status, _ = await page.get(ASSIGNEE, f"{page.team_path()}/tickets/99")
        assert status == 404


async def test_statistics_and_the_export_of_the_current_filter(
    db: Database, clock: FakeClock
) -> None:
    world = await _world(db, clock)
    one = await world.create("TB1", description="first")
    await world.create("TB2", description="second")
    clock.advance(timedelta(hours=2))
    await act(world.services, world.actor(ASSIGNEE), Action.AGREE, number=one.number)
    async with workbench_page(world) as page:
        status, _ = await page.get(AGENT, f"{page.team_path()}/stats")
        assert status == 403
        status, stats = await page.get(SUPERVISOR, f"{page.team_path()}/stats", days="7")
        assert status == 200
        assert len(stats["days"]) == 7
        assert sum(day["opened"] for day in stats["days"]) == 2
        assert sum(day["resolved"] for day in stats["days"]) == 1
        assert stats["median_to_outcome"] == "2 hours"
        assert stats["resolved"] == 1

        response = await page.client.get(
            f"{page.team_path()}/export",
            params={"format": "csv", "q": "second"},
            headers=page.headers(SUPERVISOR),
        )
        assert response.status == 200
        text = (await response.read()).decode("utf-8-sig")
        assert "TB2" in text
        assert "TB1" not in text
        xlsx = await page.client.get(
            f"{page.team_path()}/export",
            params={"format": "xlsx"},
            headers=page.headers(SUPERVISOR),
        )
        assert xlsx.status == 200
        assert (await xlsx.read())[:2] == b"PK"
        refused = await page.client.get(
            f"{page.team_path()}/export", params={"format": "csv"}, headers=page.headers(AGENT)
        )
        assert refused.status == 403


async def test_the_page_sees_what_the_chat_did(db: Database, clock: FakeClock) -> None:
    world = await _world(db, clock)
    ticket = await world.create()
    async with workbench_page(world) as page:
        path = f"{page.team_path()}/tickets/{ticket.number}"
        _, before = await page.get(SUPERVISOR, path)
        await act(world.services, world.actor(ASSIGNEE), Action.ACKNOWLEDGE, number=ticket.number)
        await act(
            world.services, world.actor(ASSIGNEE), Action.NOTE, number=ticket.number, text="on it"
        )
        _, after = await page.get(SUPERVISOR, path)
        assert before["status"] == Status.OPEN.value
        assert after["status"] == Status.IN_PROGRESS.value
        assert [e["type"] for e in after["timeline"]][-2:] == ["acknowledged", "note"]
        assert "on it" in after["timeline"][-1]["html"]
        # A page drawn before the chat's change may still add a note (its stamp still holds),
        # but not act on what changed: the outcome buttons were drawn for another status.
        status, _ = await page.post(
            SUPERVISOR,
            f"{path}/actions",
            {"action": "note", "text": "ok", "stamp": before["stamp"]},
        )
        assert status in (200, 409)


async def test_an_unassigned_ticket_offers_claim_and_the_page_takes_only_its_own_actions(
    db: Database, clock: FakeClock
) -> None:
    world = await _world(db, clock)
    ticket = await world.create(assignee=None)
    async with workbench_page(world) as page:
        path = f"{page.team_path()}/tickets/{ticket.number}"
        _, shown = await page.get(AGENT, path)
        assert "claim" in shown["actions"]

        # Evidence comes with its file (the upload route), never as a bare action.
        status, body = await page.post(AGENT, f"{path}/actions", {"action": "add_evidence"})
        assert status == 422
        status, body = await page.post(AGENT, f"{path}/actions", {"action": "claim"})
        assert status == 200
        assert body["ticket"]["assignee"]["id"] == AGENT.id
        _, shown = await page.get(AGENT, path)
        assert "claim" not in shown["actions"]
