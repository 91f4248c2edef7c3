"""Claim, extend, the transfer's reminder, the compact list cursor and an export's facts:
the domain alone, no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.actions import ACTIONS
from bot.domain.errors import Refused, UsageError
from bot.domain.exports import export_facts
from bot.domain.listing import Cursor, SortOrder, compact_cursor, from_compact
from bot.domain.model import Action, Event, EventType, Outcome, Role, Status
from bot.domain.ticket import Ticket
from tests.unit.test_lifecycle import (
    ASSIGNEE,
    CREATOR,
    KINDS,
    MEMBER,
    POLICY,
    SUPERVISOR,
    T0,
    new_ticket,
)


def _extend(ticket: Ticket, hours: int, at: datetime) -> Ticket:
    return ticket.apply(
        SUPERVISOR,
        Action.EXTEND,
        at=at,
        kind=KINDS["aftersale"],
        policy=POLICY,
        text="customer travelling",
        payload={"extend_by": hours * 3600},
    ).ticket


def test_claim_takes_a_free_ticket_and_refuses_a_taken_one() -> None:
    free = replace(new_ticket(), assignee_id=None)

    change = free.apply(MEMBER, Action.CLAIM, at=T0, kind=KINDS["aftersale"], policy=POLICY)

    assert change.ticket.assignee_id == MEMBER.user_id
    assert change.event.type is EventType.CLAIMED
    with pytest.raises(Refused) as refused:
        change.ticket.apply(CREATOR, Action.CLAIM, at=T0, kind=KINDS["aftersale"], policy=POLICY)
    assert refused.value.key == "refused.already_claimed"
    assert refused.value.params["assignee_id"] == MEMBER.user_id


def test_only_supervisors_extend_and_the_row_says_so() -> None:
    assert ACTIONS[Action.EXTEND].roles == frozenset({Role.SUPERVISOR})
    with pytest.raises(Refused):
        new_ticket().apply(
            ASSIGNEE,
            Action.EXTEND,
            at=T0,
            kind=KINDS["aftersale"],
            policy=POLICY,
            payload={"extend_by": 3600},
        )


def test_extend_moves_the_deadline_from_itself_or_from_now_when_past() -> None:
    ticket = new_ticket()
    early = _extend(ticket, 2, T0 + timedelta(hours=1))
    assert early.due_at == ticket.due_at + timedelta(hours=2)

    late = T0 + timedelta(hours=30)
    escalated = replace(ticket, status=Status.ESCALATED, escalation_level=1, escalated_at=late)
    extended = _extend(escalated, 2, late)
    assert extended.due_at == late + timedelta(hours=2)
    assert extended.status is Status.IN_PROGRESS
    assert extended.escalation_level == 0


def test_extend_refuses_a_disagreement_and_a_missing_duration() -> None:
    disagreed = replace(new_ticket(), status=Status.ESCALATED, outcome=Outcome.DISAGREED)
    with pytest.raises(Refused):
        _extend(disagreed, 2, T0)
    with pytest.raises(UsageError):
        _extend(new_ticket(), 0, T0)


def test_a_transfer_inside_the_reminder_lead_is_reminded_at_once() -> None:
    ticket = new_ticket()
    assert ticket.remind_at is not None
    late = ticket.remind_at + timedelta(minutes=30)
    reminded = replace(ticket, reminded=True)

    moved = reminded.apply(
        CREATOR,
        Action.TRANSFER,
        at=late,
        kind=KINDS["aftersale"],
        policy=POLICY,
        assignee_id=MEMBER.user_id,
    ).ticket

    assert moved.due_at == ticket.due_at
    assert (moved.remind_at, moved.reminded) == (late, False)
    assert moved.next_action is not None
    assert (moved.next_action.action, moved.next_action.at) == (Action.REMIND, late)


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(min_value=1, max_value=2**40),
)
def test_a_compact_cursor_reads_back_as_written(moment: datetime, ticket_id: int) -> None:
    cursor = Cursor(SortOrder.DEADLINE, moment.isoformat(), ticket_id)
    text = compact_cursor(cursor)
    assert len(text) <= 30
    back = from_compact(text)
    assert datetime.fromisoformat(back.key) == moment
    assert back.ticket_id == ticket_id


def test_export_facts_read_the_timeline() -> None:
    at = [T0 + timedelta(hours=n) for n in range(6)]
    events = [
        Event(EventType.ACKNOWLEDGED, 1, at[0], {}),
        Event(EventType.OUTCOME, 1, at[1], {"outcome": "disagreed"}),
        Event(EventType.ESCALATED, 1, at[1], {}),
        Event(EventType.RULED, 2, at[2], {"text": "refund"}),
        Event(EventType.APPEALED, 1, at[3], {"text": "we have proof"}),
        Event(EventType.RULED, 2, at[4], {"text": "refund stands"}),
    ]

    facts = export_facts(events, notes=2, evidence=3)

    assert (facts.ruling, facts.appeal) == ("refund stands", "we have proof")
    assert (facts.acknowledged_at, facts.outcome_at, facts.escalated_at) == (at[0], at[1], at[1])
    assert facts.closed_at == at[4]
    assert (facts.notes, facts.evidence, facts.cancel_reason) == (2, 3, "")
