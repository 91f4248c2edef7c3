"""Dialogues on both backends: rows keep the form they have always had, and they expire."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.domain.dialogue import DIALOGUE_TTL, Dialogue, DialogueInput, DialogueStep, OutOfStep
from bot.services.dialogues import DialogueService
from storage.conversation import DialogueState
from storage.database import Database
from tests.support.clock import FakeClock

CHAT, USER, TEAM = -100, 11, 1


async def _stored(db: Database) -> DialogueState | None:
    return await db.read(lambda tx: tx.dialogues.get(CHAT, USER))


async def _write(db: Database, state: DialogueState) -> None:
    await db.transact(lambda tx: tx.dialogues.put(state))


async def test_a_guided_step_is_stored_as_kind_new_with_the_step_in_its_data(
    db: Database, clock: FakeClock
) -> None:
    service = DialogueService(db, clock)

    await service.put(CHAT, USER, Dialogue(DialogueStep.KIND, TEAM, {"order_id": "TB1"}))

    state = await _stored(db)
    assert state is not None
    assert (state.kind, state.data) == ("new", {"order_id": "TB1", "step": "kind"})
    assert await service.get(CHAT, USER) == Dialogue(DialogueStep.KIND, TEAM, {"order_id": "TB1"})


async def test_rows_written_before_the_state_machine_still_read(
    db: Database, clock: FakeClock
) -> None:
    service = DialogueService(db, clock)
    rows: list[tuple[str, dict[str, Any], DialogueStep]] = [
        ("new", {"step": "description", "order_id": "TB1"}, DialogueStep.DESCRIPTION),
        ("cancel", {"ticket_id": 3, "reason": "twice"}, DialogueStep.CANCEL),
        ("asked", {"album": "g1"}, DialogueStep.ASKED),
    ]
    for kind, data, step in rows:
        state = DialogueState(CHAT, USER, TEAM, kind, data, clock.now())
        await _write(db, state)

        dialogue = await service.get(CHAT, USER)

        assert dialogue is not None
        assert dialogue.step is step
        assert "step" not in dialogue.data


async def test_an_unknown_or_expired_dialogue_is_none_and_its_buttons_are_refused(
    db: Database, clock: FakeClock
) -> None:
    service = DialogueService(db, clock)
    state = DialogueState(CHAT, USER, TEAM, "new", {"step": "someday"}, clock.now())
    await _write(db, state)
    assert await service.get(CHAT, USER) is None

    await service.put(CHAT, USER, Dialogue(DialogueStep.CONFIRM, TEAM, {}))
    assert (await service.expect(CHAT, USER, DialogueInput.CREATE)).step is DialogueStep.CONFIRM
    with pytest.raises(OutOfStep):
        await service.expect(CHAT, USER, DialogueInput.CREATE_ANYWAY)

    clock.advance(DIALOGUE_TTL + timedelta(seconds=1))
    with pytest.raises(OutOfStep):
        await service.expect(CHAT, USER, DialogueInput.CREATE)


async def test_ending_leaves_a_conversation_the_input_does_not_end(
    db: Database, clock: FakeClock
) -> None:
    service = DialogueService(db, clock)
    await service.put(CHAT, USER, Dialogue(DialogueStep.EVIDENCE, TEAM, {"ticket_id": 1}))

    await service.end(CHAT, USER, DialogueInput.ABORT)
    assert await service.get(CHAT, USER) is not None

    await service.end(CHAT, USER, DialogueInput.FINISH)
    assert await service.get(CHAT, USER) is None
