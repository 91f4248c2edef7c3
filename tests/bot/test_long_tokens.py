"""A usage error about a huge token still reaches the user: it quotes an excerpt, so the
reply stays within Telegram's 4,096 characters."""

from __future__ import annotations

import pytest

from emulator.scenario import PersonaSpec
from tests.support.botworld import AGENT, ASSIGNEE, GROUP, SUPERVISOR, BotWorld

HUGE = "x" * 4000
EXCERPT = "x" * 39 + "…"


@pytest.mark.parametrize(
    ("persona", "chat", "command"),
    [
        (AGENT, GROUP, f"/ticket {HUGE}"),
        (AGENT, GROUP, f"/pending {HUGE}"),
        (SUPERVISOR, GROUP, f"/export {HUGE}"),
        (ASSIGNEE, ASSIGNEE.id, f"/outcome T1 {HUGE}"),
    ],
    ids=["ticket", "pending", "export", "outcome"],
)
async def test_a_usage_error_quotes_an_excerpt_of_a_huge_token(
    world: BotWorld, persona: PersonaSpec, chat: int, command: str
) -> None:
    before = len(world.core.bot_messages(chat))

    await world.send(persona, chat, command)

    answers = world.core.bot_messages(chat)[before:]
    assert len(answers) == 1, "the usage error never arrived"
    assert EXCERPT in answers[0]["text"]
    assert HUGE not in answers[0]["text"]
