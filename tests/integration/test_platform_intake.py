"""A marketplace's collaborative work orders: signed intake, the card's options, the reply back
through the outbox, the timeout, the ruling and the appeal (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.config import DatabaseSettings
from bot.domain.changes import ChangeTicket, Channel, Origin, TicketRef
from bot.domain.errors import Refused
from bot.domain.model import Action, EventType, Status
from storage.database import Database
from tests.support.botworld import AGENT, ASSIGNEE, GROUP
from tests.support.clock import FakeClock
from tests.support.platform import RULE_AFTER, PlatformWorld, platform_world

AGREED = "已与消费者协商一致"
NOT_AGREED = "未能协商一致"


@pytest.fixture
async def pw(
    db: Database, database: DatabaseSettings, clock: FakeClock
) -> AsyncIterator[PlatformWorld]:
    async with platform_world(db, database.url, clock) as world:
        yield world


def created_body(ticket_id: str = "CT1", **data: object) -> bytes:
    fields: dict[str, object] = {
        "platform_ticket_id": ticket_id,
        "shop_id": "shop-1001",
        "order_id": "TB20261206001",
        "complaint": "杯子破损",
        "deadline": "2026-11-03T01:00:00+00:00",
        "reply_options": [
            {"id": "agreed", "labels": {"zh": "一致", "en": "Agreed"}, "requires_evidence": True}
        ],
    }
    fields.update(data)
    return json.dumps({"type": "ticket.created", "data": fields}).encode()


async def test_a_created_event_becomes_a_collab_ticket_due_when_the_platform_says(
    pw: PlatformWorld,
) -> None:
    world = pw.world
    sim = await pw.market.open_ticket("TB20261206009")

    assert sim.bot_answer == {"status": "created", "ticket": "T1"}
    ticket = await world.ticket(1)
    assert (ticket.kind, ticket.order_id, ticket.status) == ("collab", "TB20261206009", Status.OPEN)
    assert ticket.due_at == sim.deadline  # the platform's deadline, not the kind's
    assert ticket.assignee_id == ASSIGNEE.id  # the kind's default assignee
    await world.deliver()
    card = world.last_bot_message(ASSIGNEE.id)
    assert list(world.buttons(card))[1:3] == [AGREED, NOT_AGREED]
    assert "平台协同工单" in card["text"]
    assert "还剩 24小时" in card["text"]
    assert any("#T1" in text and "平台" in text for text in world.bot_texts(GROUP))


@pytest.mark.parametrize("fault", ["wrong", "missing", "stale", "other_secret"])
async def test_badly_signed_events_are_refused_with_401_and_store_nothing(
    pw: PlatformWorld, fault: str
) -> None:
    body = created_body()
    headers = pw.signed("evt_1", body)
    if fault == "wrong":
        headers["webhook-signature"] = headers["webhook-signature"][:-4] + "AAA="
    elif fault == "missing":
        del headers["webhook-signature"]
    elif fault == "stale":
        pw.world.clock.advance(timedelta(minutes=5, seconds=1))
    else:
        headers = pw.signed("evt_1", body, secret="whsec_" + "QUFBQUFBQUFBQUFB")
    before = await pw.world.state()

    status, answer = await pw.post(body, headers)

    assert status == 401
    assert answer["error"]["code"] == "unauthorized"
    assert await pw.world.state() == before
    assert await pw.platform_rows() == (0, 0)


async def test_a_replayed_event_is_answered_200_and_does_nothing(pw: PlatformWorld) -> None:
    body = created_body()
    headers = pw.signed("evt_1", body)
    assert await pw.post(body, headers) == (200, {"status": "created", "ticket": "T1"})
    state = await pw.world.state()

    assert await pw.post(body, headers) == (200, {"status": "duplicate", "ticket": None})
    # The same platform ticket sent again under a new event id: still the one ticket.
    again = pw.signed("evt_2", body)
    assert await pw.post(body, again) == (200, {"status": "created", "ticket": "T1"})

    assert await pw.world.state() == state
    assert await pw.platform_rows() == (1, 2)


async def test_an_invalid_body_is_refused_with_422_naming_the_field(pw: PlatformWorld) -> None:
    body = created_body(deadline="tomorrow")
    status, answer = await pw.post(body, pw.signed("evt_1", body))
    assert status == 422
    assert answer["error"]["field"] == "data.deadline"
    body = json.dumps({"type": "ticket.ruled", "data": {"platform_ticket_id": "CT1"}}).encode()
    status, answer = await pw.post(body, pw.signed("evt_2", body))
    assert (status, answer["error"]["field"]) == (422, "data.verdict")
    body = json.dumps({"type": "ticket.reopened", "data": {}}).encode()
    status, answer = await pw.post(body, pw.signed("evt_3", body))
    assert (status, answer["error"]["field"]) == (422, "type")
    assert await pw.platform_rows() == (0, 0)


async def _card(pw: PlatformWorld) -> dict[str, object]:
    await pw.world.deliver()
    return pw.world.last_bot_message(ASSIGNEE.id)


async def test_the_reply_with_its_evidence_reaches_the_platform_which_rules_for_the_shop(
    pw: PlatformWorld,
) -> None:
    world, market = pw.world, pw.market
    sim = await market.open_ticket()
    card = await _card(pw)

    # Refused with the reason until the evidence is there; nothing changes.
    before = await world.state()
    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, AGREED)
    assert "需要协商凭证" in world.alerts()[-1]
    assert await world.state() == before

    await world.send_photo(ASSIGNEE, ASSIGNEE.id, caption="/evidence 1")
    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, AGREED)
    assert (await world.ticket(1)).status is Status.RESOLVED
    await world.deliver()

    (received,) = market.received
    assert (received.type, received.option_id, received.accepted) == ("reply", "agreed", True)
    assert len(received.files) == 1
    assert received.files[0]["size"] > 0
    assert received.delivery_id.startswith("tb-")
    assert EventType.PLATFORM_ANSWERED in await world.timeline(1)

    world.clock.advance(RULE_AFTER)
    await market.tick()
    assert sim.verdict == "shop_favour"
    ticket = await world.ticket(1)
    assert ticket.status is Status.CLOSED
    await world.deliver()
    assert any("平台已判责 #T1：shop_favour" in text for text in world.bot_texts(GROUP))


async def test_nobody_answers_the_timeout_escalates_and_the_platform_rules_against(
    pw: PlatformWorld,
) -> None:
    world, market = pw.world, pw.market
    sim = await market.open_ticket()
    world.clock.set(sim.deadline)

    await market.tick()  # the platform's timeout
    assert (await world.ticket(1)).status is Status.ESCALATED
    world.clock.advance(RULE_AFTER)
    await market.tick()  # its ruling

    assert sim.verdict == "against"
    assert (await world.ticket(1)).status is Status.CLOSED
    types = await world.timeline(1)
    assert types[-2:] == [EventType.ESCALATED, EventType.RULED]
    await world.deliver()
    group = world.bot_texts(GROUP)
    assert any("平台已判责 #T1：against" in text for text in group)


async def test_an_appeal_goes_to_the_platform_and_its_decision_is_recorded(
    pw: PlatformWorld,
) -> None:
    world, market = pw.world, pw.market
    sim = await market.open_ticket()
    world.clock.set(sim.deadline)
    await market.tick()
    world.clock.advance(RULE_AFTER)
    await market.tick()

    await world.send(ASSIGNEE, ASSIGNEE.id, "/appeal 1 客户已同意撤诉，聊天记录为证")
    assert (await world.ticket(1)).status is Status.APPEALED
    await world.deliver()
    appeal = market.received[-1]
    assert (appeal.type, appeal.accepted) == ("appeal", True)
    assert appeal.description == "客户已同意撤诉，聊天记录为证"

    world.clock.advance(RULE_AFTER)
    await market.tick()
    assert sim.appeal_result == "upheld"
    assert (await world.ticket(1)).status is Status.CLOSED
    assert (await world.timeline(1))[-1] is EventType.APPEAL_DECIDED


async def test_a_refused_reply_lands_on_the_timeline_and_in_the_assignees_chat(
    pw: PlatformWorld,
) -> None:
    world, market = pw.world, pw.market
    sim = await market.open_ticket()
    card = await _card(pw)
    await world.send(ASSIGNEE, ASSIGNEE.id, "/note 1 客户坚持退款，不接受补发")
    del market.tickets[sim.id]  # the platform no longer knows it: it answers 404

    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, NOT_AGREED)
    await world.deliver()
    await world.deliver()

    assert market.received == []
    assert (await world.timeline(1))[-1] is EventType.PLATFORM_ANSWERED
    assert "平台没有接受 #T1" in world.last_bot_message(ASSIGNEE.id)["text"]


async def test_a_platform_outage_is_retried_with_backoff_under_one_delivery_id(
    pw: PlatformWorld,
) -> None:
    world, market = pw.world, pw.market
    await market.open_ticket()
    card = await _card(pw)
    await world.send_photo(ASSIGNEE, ASSIGNEE.id, caption="/evidence 1")
    market.outage = 2
    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, AGREED)

    await world.deliver()
    assert market.received == []  # 503: kept for later, nothing on the timeline yet
    assert EventType.PLATFORM_ANSWERED not in await world.timeline(1)
    for _ in range(2):
        world.clock.advance(timedelta(minutes=1))  # past the backoff
        await world.deliver()

    (received,) = market.received
    assert received.accepted
    rows = [row for row in await world.outbox() if row.destination == "platform:tmall"]
    assert [row.attempts for row in rows] == [3]  # three tries: two 503s, then accepted
    assert received.delivery_id == f"tb-{rows[0].id}"
    assert await world.database.read(lambda tx: tx.outbox.pending()) == 0


async def test_an_unknown_shop_or_platform_is_not_found_and_stores_nothing(
    pw: PlatformWorld,
) -> None:
    body = created_body(shop_id="shop-elsewhere")
    status, answer = await pw.post(body, pw.signed("evt_1", body))
    assert (status, answer["error"]["code"]) == (404, "not_found")
    async with pw.http.post(
        pw.events_url.replace("/tmall/", "/jd/"), data=body, headers=pw.signed("evt_2", body)
    ) as response:
        assert response.status == 404
    assert await pw.platform_rows() == (0, 0)


async def test_a_timeout_after_the_reply_changes_nothing_and_the_chats_outcome_is_refused(
    pw: PlatformWorld,
) -> None:
    world, market = pw.world, pw.market
    sim = await market.open_ticket()
    card = await _card(pw)
    await world.send(ASSIGNEE, ASSIGNEE.id, "/outcome 1 agreed")
    assert "平台的答复选项" in world.last_bot_message(ASSIGNEE.id)["text"]
    await world.send(ASSIGNEE, ASSIGNEE.id, "/note 1 客户坚持退款")
    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, NOT_AGREED)
    state = await world.state()

    status, answer = await market.send("ticket.timeout", {"platform_ticket_id": sim.id})

    assert (status, answer["status"]) == (200, "ignored")
    assert await world.state() == state
    assert (await world.ticket(1)).status is Status.RESOLVED


async def test_the_timeline_shows_the_option_and_the_platforms_receipt(pw: PlatformWorld) -> None:
    world = pw.world
    await pw.market.open_ticket()
    card = await _card(pw)
    await world.send_photo(ASSIGNEE, ASSIGNEE.id, caption="/evidence 1")
    await world.press_text(ASSIGNEE, ASSIGNEE.id, card, AGREED)
    await world.deliver()

    await world.send(ASSIGNEE, ASSIGNEE.id, "/show 1")

    shown = world.last_bot_message(ASSIGNEE.id)["text"]
    assert "Zhou Hao 答复平台 — 已与消费者协商一致" in shown
    assert "平台已接收" in shown


async def test_only_the_assignee_answers_the_platform(pw: PlatformWorld) -> None:
    world = pw.world
    await pw.market.open_ticket()
    services = world.bot.services
    agent = await services.people.actor(world.team_id, AGENT.id)
    before = await world.state()
    change = ChangeTicket(
        TicketRef(number=1), Action.REPLY_PLATFORM, details=(("option_index", "1"),)
    )

    # Refused for who they are, before anything about what the reply lacks.
    with pytest.raises(Refused, match=r"refused\.permission"):
        await services.tickets.execute(change, Origin(agent, Channel.CHAT))
    assert await world.state() == before
