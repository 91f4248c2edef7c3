"""Deep links: a group notice's "Open" button opens the ticket in private, for its team only."""

from __future__ import annotations

from bot.domain.links import MAX_START_PARAMETER, TicketLink, ticket_link_of
from tests.support.botworld import AGENT, ASSIGNEE, GROUP, OTHER_GROUP, OUTSIDER, BotWorld


def test_a_ticket_link_is_a_short_start_parameter_and_reads_back() -> None:
    link = TicketLink(2**63 - 1, 2**63 - 1)
    assert len(link.start_parameter) <= MAX_START_PARAMETER
    assert set(link.start_parameter) <= set("t0123456789_")
    assert ticket_link_of(link.start_parameter) == link
    assert ticket_link_of("cards") is None
    assert ticket_link_of("t1_") is None


async def _resolved_ticket(world: BotWorld) -> str:
    await world.send(AGENT, GROUP, "/ticket TB1001 #发货 @zhouhao_aftersale 今天务必发出")
    await world.send(ASSIGNEE, ASSIGNEE.id, "/outcome 1 done 已发出")
    await world.deliver()
    notice = world.last_bot_message(GROUP)
    assert "#T1" in notice["text"]
    return world.buttons(notice)["打开"]


async def test_the_open_button_shows_the_ticket_in_private_chat(world: BotWorld) -> None:
    url = await _resolved_ticket(world)
    assert url == f"https://t.me/{world.core.bot.username}?start=t{world.team_id}_1"

    update = world.core.user_follow_url(AGENT.id, url)
    assert update is not None
    await world.bot.process(update)

    shown = world.last_bot_message(AGENT.id)["text"]
    for fact in ("#T1", "TB1001", "今天务必发出"):
        assert fact in shown, (fact, shown)


async def test_someone_of_another_team_is_told_not_found(two_teams: BotWorld) -> None:
    url = await _resolved_ticket(two_teams)
    before = len(two_teams.core.bot_messages(OUTSIDER.id))

    update = two_teams.core.user_follow_url(OUTSIDER.id, url)
    assert update is not None
    await two_teams.bot.process(update)

    answers = two_teams.core.bot_messages(OUTSIDER.id)[before:]
    assert answers, "the outsider got no answer"
    assert all("TB1001" not in str(m.get("text")) for m in answers)
    assert OTHER_GROUP != GROUP
