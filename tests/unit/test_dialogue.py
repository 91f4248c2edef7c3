"""The conversation table: every step reachable, every step with a way out, stale input refused."""

from __future__ import annotations

from collections import deque

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.dialogue import (
    DIALOGUE_TTL,
    GUIDED,
    OPENERS,
    TRANSITIONS,
    Dialogue,
    DialogueInput,
    DialogueStep,
    OutOfStep,
    begin,
    next_step,
    takes,
)

S, In = DialogueStep, DialogueInput


def _reachable_from(start: DialogueStep | None, *, openers: bool) -> set[DialogueStep | None]:
    """Every step (None: the conversation over) that some inputs lead to from `start`."""
    seen: set[DialogueStep | None] = {start}
    queue: deque[DialogueStep | None] = deque([start])
    while queue:
        step = queue.popleft()
        for (source, entered), target in TRANSITIONS.items():
            if source != step or (entered in OPENERS and not openers) or target in seen:
                continue
            if target is not None:
                queue.append(target)
            seen.add(target)
    return seen


def test_every_step_is_reachable_when_no_conversation_is_under_way() -> None:
    assert set(DialogueStep) <= _reachable_from(None, openers=True)


def test_every_conversation_can_be_ended_by_its_user() -> None:
    # The ASKED marker is no conversation: it only remembers an album until the TTL.
    for step in set(DialogueStep) - {S.ASKED}:
        assert None in _reachable_from(step, openers=False), step
    assert DIALOGUE_TTL.total_seconds() > 0


def test_any_conversation_gives_way_to_one_the_user_starts() -> None:
    for step in (None, *DialogueStep):
        for opener, first in OPENERS.items():
            assert next_step(step, opener) is first


def test_an_album_question_never_replaces_a_conversation() -> None:
    under_way = [step for step in DialogueStep if step is not S.ASKED]
    assert not any(takes(step, In.UNKNOWN_ALBUM) for step in under_way)
    assert next_step(None, In.UNKNOWN_ALBUM) is S.ASKED
    assert next_step(S.ASKED, In.UNKNOWN_ALBUM) is S.ASKED


def test_the_guided_ticket_asks_order_kind_assignee_description_then_confirms() -> None:
    dialogue = begin(In.GUIDED_TICKET, 7, description=None)
    path = [dialogue.step]
    for entered, data in (
        (In.TEXT, {"order_id": "TB1"}),
        (In.KIND, {"kind": "aftersale"}),
        (In.ASSIGNEE, {"assignee_id": 12}),
        (In.TEXT, {"description": "scratched"}),
    ):
        dialogue = dialogue.then(entered, **data)
        path.append(dialogue.step)

    assert path == [S.ORDER, S.KIND, S.ASSIGNEE, S.DESCRIPTION, S.CONFIRM]
    assert set(path) == GUIDED
    assert dialogue == Dialogue(
        S.CONFIRM,
        7,
        {"description": "scratched", "order_id": "TB1", "kind": "aftersale", "assignee_id": 12},
    )
    assert dialogue.ends(In.CREATE)
    assert dialogue.ends(In.ABORT)


@pytest.mark.parametrize(
    ("step", "entered"),
    [
        (S.CONFIRM, In.KIND),  # a kind button pressed twice
        (S.ASSIGNEE, In.CREATE),
        (S.DUPLICATE, In.CREATE),  # the guided Create is not "create anyway"
        (S.EVIDENCE, In.TEXT),  # plain text is not a note while collecting files
        (S.NOTE, In.FILE),
        (None, In.CONFIRM_CANCEL),  # the confirmation outlived its dialogue
    ],
)
def test_an_input_the_step_does_not_wait_for_is_refused(
    step: DialogueStep | None, entered: DialogueInput
) -> None:
    with pytest.raises(OutOfStep) as refused:
        next_step(step, entered)

    assert refused.value.key == "reply.expired"
    assert (refused.value.step, refused.value.given) == (step, entered)


def test_an_ending_input_does_not_lead_on() -> None:
    with pytest.raises(OutOfStep):
        Dialogue(S.NOTE, 7, {"ticket_id": 1}).then(In.TEXT)
    assert Dialogue(S.NOTE, 7, {"ticket_id": 1}).ends(In.TEXT)
    assert not Dialogue(S.EVIDENCE, 7, {"ticket_id": 1}).ends(In.FILE)


def test_only_an_opener_starts_a_conversation() -> None:
    with pytest.raises(OutOfStep):
        begin(In.TEXT, 7)


@given(st.sampled_from([None, *DialogueStep]), st.sampled_from(list(DialogueInput)))
def test_the_table_alone_decides(step: DialogueStep | None, entered: DialogueInput) -> None:
    if takes(step, entered):
        assert next_step(step, entered) == TRANSITIONS[(step, entered)]
    else:
        with pytest.raises(OutOfStep):
            next_step(step, entered)


def test_steps_are_stored_as_the_strings_rows_have_always_had() -> None:
    assert {step.value for step in DialogueStep} == {
        "order",
        "kind",
        "assignee",
        "description",
        "confirm",
        "duplicate",
        "note",
        "evidence",
        "cancel",
        "asked",
    }
