"""Chinese and English: a group speaks its team's language, a private chat its user's."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.model import Status
from tests.support.botworld import AGENT, ASSIGNEE, GROUP, SUPERVISOR, BotWorld


@dataclass(frozen=True)
class Expected:
    created: str
    agreed_button: str
    resolved_notice: str
    escalated_notice: str
    usage: str


ZH = Expected(
    created="🆕 已创建 #T1，处理人 Wang Lei，截止 11月3日 09:00。",
    agreed_button="🤝 Agreed",
    resolved_notice="✅ #T1 已解决（Wang Lei）：已与客户协商一致",
    escalated_notice=(
        "🚨 #T2 协同工单 · 订单 TB1002 已升级："
        "Zhou Hao 未能与客户协商一致，平台客服将介入。\n主管：Wang Lei"
    ),
    usage="缺少工单号。\n用法：/show <工单号> — 例如 /show T1042",
)
EN = Expected(
    created="🆕 #T1 created and assigned to Wang Lei. Due Nov 3 09:00.",
    agreed_button="🤝 Agreed",
    resolved_notice="✅ #T1 resolved by Wang Lei: agreed with the customer",
    escalated_notice=(
        "🚨 #T2 Collaborative work order · order TB1002 escalated: "
        "Zhou Hao could not agree with the customer — the platform's "
        "customer service will step in.\nSupervisors: Wang Lei"
    ),
    usage="Which ticket? Give its number.\nUse: /show <ticket> — e.g. /show T1042",
)


async def _same_flow(world: BotWorld, expected: Expected) -> None:
    """Create, agree, disagree and a usage error: the group in the team's language, each
    assignee's private chat in their own (Wang Lei's app is English, Zhou Hao's Chinese)."""
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @wanglei_lead cup broken 杯子碎了")
    assert world.last_bot_message(GROUP)["text"] == expected.created
    await world.send(AGENT, GROUP, "/ticket TB1002 #collab @zhouhao_aftersale platform case")
    await world.deliver()

    english_card = world.last_bot_message(SUPERVISOR.id)
    assert english_card["text"].startswith("🟡 #T1 · After-sales case · open\n🧾 Order: TB1001")
    chinese_card = world.last_bot_message(ASSIGNEE.id)
    assert chinese_card["text"].startswith("🟡 #T2 · 协同工单 · 待处理\n🧾 订单：TB1002")

    await world.press_text(SUPERVISOR, SUPERVISOR.id, english_card, expected.agreed_button)
    await world.press_text(ASSIGNEE, ASSIGNEE.id, chinese_card, "🙅 未协商一致")
    await world.deliver()

    assert world.bot_texts(GROUP)[-2:] == [expected.resolved_notice, expected.escalated_notice]
    assert world.last_bot_message(SUPERVISOR.id)["text"].startswith(
        "#T1: agreed with the customer."
    )
    assert world.last_bot_message(ASSIGNEE.id)["text"].startswith("#T2：未与客户协商一致。")
    assert (await world.ticket(1)).status is Status.RESOLVED
    assert (await world.ticket(2)).status is Status.ESCALATED

    await world.send(AGENT, GROUP, "/show")
    assert world.last_bot_message(GROUP)["text"] == expected.usage


async def test_a_chinese_team_runs_the_whole_flow_in_chinese(world: BotWorld) -> None:
    await _same_flow(world, ZH)


async def test_an_english_team_runs_the_whole_flow_in_english(english_world: BotWorld) -> None:
    await _same_flow(english_world, EN)


async def test_a_supervisor_switches_the_group_language_with_lang(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/lang en")
    assert world.last_bot_message(GROUP)["text"] == "只有主管可以修改群组语言。"

    await world.send(SUPERVISOR, GROUP, "/lang en")
    assert world.last_bot_message(GROUP)["text"] == "This group now speaks English."

    await world.send(AGENT, GROUP, "/ticket TB1001 #memo 回访客户")
    assert world.last_bot_message(GROUP)["text"] == (
        "🆕 #T1 created, nobody assigned yet. Due Nov 3 09:00."
    )
    await world.send(AGENT, GROUP, "/lang zh")
    assert (
        world.last_bot_message(GROUP)["text"] == "Only supervisors may change the group's language."
    )

    await world.send(SUPERVISOR, GROUP, "/lang 中文")
    assert world.last_bot_message(GROUP)["text"] == "本群已切换为中文。"


async def test_lang_in_private_chat_sets_that_users_own_language(world: BotWorld) -> None:
    await world.send(SUPERVISOR, SUPERVISOR.id, "/help")
    assert world.last_bot_message(SUPERVISOR.id)["text"].startswith("Ticketbot — your team's")

    await world.send(SUPERVISOR, SUPERVISOR.id, "/lang zh")
    assert world.last_bot_message(SUPERVISOR.id)["text"] == "私聊中我将使用中文。"
    await world.send(SUPERVISOR, SUPERVISOR.id, "你好")
    assert world.last_bot_message(SUPERVISOR.id)["text"].startswith("工单机器人 — 团队的工单中心。")

    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @wanglei_lead 杯子碎了")
    await world.deliver()
    assert world.last_bot_message(SUPERVISOR.id)["text"].startswith("🟡 #T1 · 售后处理 · 待处理")
    # The group keeps the team's language; only Wang Lei's private chat changed.
    await world.send(SUPERVISOR, GROUP, "/lang")
    assert world.last_bot_message(GROUP)["text"].startswith("请选择语言：zh 或 en。")
