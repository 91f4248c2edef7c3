"""Every action of the workbench's page by every role, in every state a ticket can be in, on
SQLite and PostgreSQL.

What should happen is asked of the domain: the action is offered exactly when `Ticket.apply`
would do it for that viewer now (role, status, pending cancel request, hold, claim, the kind's
outcomes). Then, over HTTP: the page offers exactly those; each offered action succeeds and
changes the ticket as the domain says; each other one is refused with a message and leaves the
ticket as it was; someone of another team gets 404 and nothing of the ticket. A few facts of the
product are written out by hand (FACTS), so the walk cannot agree with itself vacuously.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from itertools import count
from typing import Any, Final

import pytest

from bot.domain.actions import ACTIONS
from bot.domain.changes import ChangeTicket, TicketRef
from bot.domain.errors import DomainError
from bot.domain.model import Action, EventType, Status
from bot.domain.people import Person
from bot.domain.permissions import Actor
from bot.domain.ticket import Change, Ticket
from bot.services.workbench import WEB_ACTIONS
from storage.database import Database
from tests.support.clock import FakeClock
from tests.support.workbench import OTHER_GROUP, Page, workbench_page, workbench_settings
from tests.support.world import (
    AGENT,
    ASSIGNEE,
    OTHER_ASSIGNEE,
    OUTSIDER,
    SUPERVISOR,
    World,
    build_world,
    chat_origin,
)

#: Whom each role is played by: the ticket's creator, its assignee, the team's supervisor, and
#: a supervisor of another team (who is no member of this one).
PEOPLE: Final = {
    "agent": AGENT,
    "assignee": ASSIGNEE,
    "supervisor": SUPERVISOR,
    "outsider": OUTSIDER,
}
ROLES: Final = tuple(PEOPLE)
TEXT: Final = "reason typed on the page"
#: What the outsider must never see of a ticket.
SECRET_DESCRIPTION: Final = "secret-description-of-the-broken-cup"
SECRET_ORDER: Final = "SECRETORDER"


@dataclass(frozen=True, slots=True)
class Step:
    """One action that brings a ticket towards a state (done through the services)."""

    by: Person
    action: Action
    text: str | None = None


#: Not an action of a person: the deadline passes and the scheduler sweeps.
OVERDUE: Final = "overdue"


@dataclass(frozen=True, slots=True)
class State:
    name: str
    status: Status
    steps: tuple[Step | str, ...] = ()
    kind: str = "aftersale"
    assignee: Person | None = ASSIGNEE


STATES: Final = (
    State("open", Status.OPEN),
    State("open_unassigned", Status.OPEN, assignee=None),
    State("open_task", Status.OPEN, kind="task"),
    State("acknowledged", Status.IN_PROGRESS, (Step(ASSIGNEE, Action.ACKNOWLEDGE),)),
    State(
        "on_hold",
        Status.IN_PROGRESS,
        (
            Step(ASSIGNEE, Action.ACKNOWLEDGE),
            Step(ASSIGNEE, Action.HOLD, "waiting for the customer"),
        ),
    ),
    # Nudged a moment ago: a nudge waits for its cooldown.
    State("nudged", Status.OPEN, (Step(AGENT, Action.NUDGE),)),
    State("cancel_requested", Status.OPEN, (Step(AGENT, Action.REQUEST_CANCEL, "duplicate"),)),
    State("resolved", Status.RESOLVED, (Step(ASSIGNEE, Action.AGREE),)),
    State("resolved_task", Status.RESOLVED, (Step(ASSIGNEE, Action.DONE),), kind="task"),
    State("escalated_disagreed", Status.ESCALATED, (Step(ASSIGNEE, Action.DISAGREE),)),
    State("escalated_overdue", Status.ESCALATED, (OVERDUE,)),
    State(
        "ruled",
        Status.CLOSED,
        (Step(ASSIGNEE, Action.DISAGREE), Step(SUPERVISOR, Action.RULE, "refund half")),
    ),
    State(
        "appealed",
        Status.APPEALED,
        (
            Step(ASSIGNEE, Action.DISAGREE),
            Step(SUPERVISOR, Action.RULE, "refund half"),
            Step(ASSIGNEE, Action.APPEAL, "the photos show otherwise"),
        ),
    ),
    State("cancelled", Status.CANCELLED, (Step(SUPERVISOR, Action.CANCEL, "duplicate"),)),
)
STATE_BY_NAME: Final = {state.name: state for state in STATES}

#: Facts of the product, by hand: (state, role, action) → offered (and done) or not.
FACTS: Final[dict[tuple[str, str, Action], bool]] = {
    # Only supervisors cancel; the others can only ask them to.
    ("open", "agent", Action.CANCEL): False,
    ("open", "assignee", Action.CANCEL): False,
    ("open", "agent", Action.REQUEST_CANCEL): True,
    ("open", "supervisor", Action.CANCEL): True,
    ("open", "supervisor", Action.REQUEST_CANCEL): False,
    ("cancel_requested", "supervisor", Action.APPROVE_CANCEL): True,
    ("cancel_requested", "supervisor", Action.REJECT_CANCEL): True,
    ("cancel_requested", "agent", Action.APPROVE_CANCEL): False,
    ("cancel_requested", "assignee", Action.REQUEST_CANCEL): False,
    ("open", "supervisor", Action.APPROVE_CANCEL): False,
    # The assignee answers with the negotiated outcome the kind takes.
    ("open", "assignee", Action.AGREE): True,
    ("acknowledged", "assignee", Action.AGREE): True,
    ("acknowledged", "assignee", Action.DISAGREE): True,
    ("open", "assignee", Action.DONE): False,
    ("open_task", "assignee", Action.DONE): True,
    ("open_task", "assignee", Action.AGREE): False,
    ("open", "agent", Action.AGREE): False,
    ("open", "assignee", Action.ACKNOWLEDGE): True,
    ("acknowledged", "assignee", Action.ACKNOWLEDGE): False,
    # Hold and resume, each only where it makes sense.
    ("acknowledged", "assignee", Action.HOLD): True,
    ("on_hold", "assignee", Action.HOLD): False,
    ("on_hold", "assignee", Action.RESUME): True,
    ("acknowledged", "assignee", Action.RESUME): False,
    # Claim: only an unassigned ticket.
    ("open_unassigned", "agent", Action.CLAIM): True,
    ("open", "agent", Action.CLAIM): False,
    # Rulings, appeals, reopening.
    ("escalated_disagreed", "supervisor", Action.RULE): True,
    ("escalated_overdue", "supervisor", Action.RULE): True,
    ("escalated_disagreed", "assignee", Action.RULE): False,
    ("ruled", "assignee", Action.APPEAL): True,
    ("ruled", "agent", Action.APPEAL): False,
    ("resolved", "supervisor", Action.REOPEN): True,
    ("resolved", "agent", Action.REOPEN): False,
    ("cancelled", "supervisor", Action.REOPEN): True,
    ("resolved", "assignee", Action.AGREE): False,
    # A note is anyone's of the team, whatever the status.
    ("cancelled", "agent", Action.NOTE): True,
    ("open", "agent", Action.NUDGE): True,
    ("open", "assignee", Action.NUDGE): False,
    # A nudge waits ten minutes for the next one; a note does not.
    ("nudged", "agent", Action.NUDGE): False,
    ("nudged", "supervisor", Action.NUDGE): False,
    ("nudged", "agent", Action.NOTE): True,
}


async def _world(db: Database, clock: FakeClock) -> World:
    world = await build_world(db, clock, workbench_settings(other_team_supervisor=OUTSIDER.id))
    # The outsider is a member, indeed the supervisor, of the other team only.
    session = await world.services.people.in_group(OTHER_GROUP, OUTSIDER)
    assert session is not None
    assert session.actor.team_id != world.team.id
    world.actors[OUTSIDER.username or ""] = session.actor
    return world


_orders = count(1)


async def _build(world: World, state: State) -> Ticket:
    """A new ticket of this team in `state`, made through the services as the chat would."""
    ticket = await world.create(
        f"{SECRET_ORDER}{next(_orders)}",
        kind=state.kind,
        assignee=state.assignee,
        description=SECRET_DESCRIPTION,
    )
    for step in state.steps:
        if isinstance(step, Step):
            change = ChangeTicket(TicketRef(ticket.number), step.action, step.text)
            await world.services.tickets.execute(change, chat_origin(world.actor(step.by)))
            continue
        # The deadline passes: the scheduler escalates (after reminding, maybe).
        world.clock.advance(ticket.due_at - world.clock.now() + timedelta(minutes=1))
        while await world.services.tickets.apply_due(100):
            pass
    found = await _ticket(world, ticket.number)
    assert found.status is state.status, (state.name, found.status)
    return found


async def _ticket(world: World, number: int) -> Ticket:
    return await world.services.queries.ticket(world.actor(SUPERVISOR), number=number)


async def _snapshot(world: World, number: int) -> tuple[Ticket, int]:
    details = await world.services.queries.show(world.actor(SUPERVISOR), number=number)
    return details.ticket, len(details.timeline)


def _inputs(action: Action) -> tuple[str | None, int | None]:
    """What the page sends with an action: a text where one is asked for, and for a transfer
    whom to."""
    text = TEXT if ACTIONS[action].needs_text else None
    assignee = OTHER_ASSIGNEE.id if action is Action.TRANSFER else None
    return text, assignee


async def _domain(world: World, ticket: Ticket, actor: Actor, action: Action) -> Change | None:
    """What the domain does with `action` by `actor` now: the change, or None when refused
    (the domain is told when the action was last done, for its cooldown)."""
    tickets = world.services.tickets
    text, assignee = _inputs(action)
    details = await world.services.queries.show(world.actor(SUPERVISOR), number=ticket.number)
    done = [e.event.at for e in details.timeline if e.event.type is ACTIONS[action].event]
    last_done_at = done[-1] if done else None
    try:
        return ticket.apply(
            actor,
            action,
            at=world.clock.now(),
            kind=tickets.kind_of(ticket),
            policy=tickets.policy_of(ticket),
            text=text,
            assignee_id=assignee,
            last_done_at=last_done_at,
        )
    except DomainError:
        return None


async def _offered(world: World, ticket: Ticket, person: Person) -> list[Action]:
    """The page's actions for `person` as the domain decides them, in the page's order."""
    actor = world.actor(person)
    return [a for a in WEB_ACTIONS if await _domain(world, ticket, actor, a) is not None]


async def _post(page: Page, person: Person, team_id: int, ticket: Ticket, action: Action) -> Any:
    text, assignee = _inputs(action)
    body: dict[str, Any] = {"action": action.value, "stamp": ticket.stamp}
    if text is not None:
        body["text"] = text
    if assignee is not None:
        body["assignee"] = assignee
    return await page.post(
        person, f"{page.team_path(team_id)}/tickets/{ticket.number}/actions", body
    )


def _leaks(body: object) -> bool:
    shown = str(body)
    return any(
        secret in shown
        for secret in (
            SECRET_ORDER,
            SECRET_DESCRIPTION,
            ASSIGNEE.username or "",
            AGENT.username or "",
        )
    )


_CATALOG_KEY: Final = re.compile(r"\b(refused|usage|error|wb)\.[a-z_.]+")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", [state.name for state in STATES])
async def test_every_page_action_by_every_role(
    db: Database, clock: FakeClock, state: str, role: str
) -> None:
    world = await _world(db, clock)
    person = PEOPLE[role]
    recipe = STATE_BY_NAME[state]
    ticket = await _build(world, recipe)
    expected = await _offered(world, ticket, person)
    for (fact_state, fact_role, action), offered in FACTS.items():
        if (fact_state, fact_role) == (state, role):
            assert (action in expected) is offered, (state, role, action, expected)

    async with workbench_page(world) as page:
        if role == "outsider":
            await _outsider_gets_nothing(world, page, ticket, expected)
            return

        # The page shows exactly the buttons the domain allows, in the page's order.
        status, shown = await page.get(person, f"{page.team_path()}/tickets/{ticket.number}")
        assert status == 200
        assert shown["actions"] == [a.value for a in expected], (state, role)
        assert shown["stamp"] == ticket.stamp
        assert shown["needs_text"] == [a.value for a in expected if ACTIONS[a].needs_text]

        # Every other action: refused with a message in words, and nothing changed.
        for action in WEB_ACTIONS:
            if action in expected:
                continue
            as_it_was = await _snapshot(world, ticket.number)
            status, body = await _post(page, person, world.team.id, ticket, action)
            where = (state, role, action.value, status, body)
            assert status in (403, 422), where
            assert body["error"]["code"] in ("refused", "invalid"), where
            message = body["error"]["message"]
            assert isinstance(message, str), where
            assert message.strip(), where
            assert not _CATALOG_KEY.search(message), where
            assert await _snapshot(world, ticket.number) == as_it_was, where

        # Every offered action: done, as the domain says, on a ticket of its own.
        for index, action in enumerate(expected):
            target = ticket if index == 0 else await _build(world, recipe)
            before, events_before = await _snapshot(world, target.number)
            change = await _domain(world, before, world.actor(person), action)
            assert change is not None
            status, body = await _post(page, person, world.team.id, before, action)
            where = (state, role, action.value, status, body)
            assert status == 200, where
            after, events_after = await _snapshot(world, target.number)
            assert body["ticket"]["status"] == after.status.value, where
            assert body["ticket"]["version"] == after.version, where
            assert after.version == before.version + 1, where
            assert events_after == events_before + 1, where
            wanted = change.ticket
            assert (
                after.status,
                after.assignee_id,
                after.outcome,
                after.cancel_request,
                after.held_since,
                after.due_at,
            ) == (
                wanted.status,
                wanted.assignee_id,
                wanted.outcome,
                wanted.cancel_request,
                wanted.held_since,
                wanted.due_at,
            ), where
            details = await world.services.queries.show(
                world.actor(SUPERVISOR), number=after.number
            )
            last = details.timeline[-1].event
            assert last.type is change.event.type, where
            assert last.actor_id == person.id, where


async def _outsider_gets_nothing(
    world: World, page: Page, ticket: Ticket, expected: list[Action]
) -> None:
    """Someone of another team: 404 on the page and on every action, asked in this team or in
    their own, with nothing of the ticket in the answer, and the ticket as it was."""
    assert expected == []
    own_team = world.actor(OUTSIDER).team_id
    for team_id in (world.team.id, own_team):
        status, body = await page.get(
            OUTSIDER, f"{page.team_path(team_id)}/tickets/{ticket.number}"
        )
        assert status == 404, (team_id, body)
        assert not _leaks(body), body
    before = await _snapshot(world, ticket.number)
    for action in WEB_ACTIONS:
        for team_id in (world.team.id, own_team):
            status, body = await _post(page, OUTSIDER, team_id, ticket, action)
            where = (action.value, team_id, status, body)
            assert status == 404, where
            assert body["error"]["code"] == "not_found", where
            assert not _leaks(body), where
    assert await _snapshot(world, ticket.number) == before


async def test_the_walk_tries_each_action_where_offered_and_where_not(
    db: Database, clock: FakeClock
) -> None:
    """The states above are what they say, and between them every page action is offered to
    someone somewhere and refused to someone somewhere; every fact names a state and a role."""
    assert {(s, r) for s, r, _ in FACTS} <= {(s.name, r) for s in STATES for r in ROLES}
    world = await _world(db, clock)
    offered: set[Action] = set()
    refused: set[Action] = set()
    events: set[EventType] = set()
    for state in STATES:
        ticket = await _build(world, state)
        for person in PEOPLE.values():
            for action in WEB_ACTIONS:
                change = await _domain(world, ticket, world.actor(person), action)
                (offered if change is not None else refused).add(action)
                if change is not None:
                    events.add(change.event.type)
    assert offered == set(WEB_ACTIONS)
    assert refused == set(WEB_ACTIONS)
    assert EventType.ASSIGNED in events  # the transfer of an unassigned ticket


async def test_a_nudge_is_offered_again_once_its_cooldown_is_over(
    db: Database, clock: FakeClock
) -> None:
    world = await _world(db, clock)
    ticket = await _build(world, STATE_BY_NAME["nudged"])
    async with workbench_page(world) as page:
        path = f"{page.team_path()}/tickets/{ticket.number}"
        clock.advance(timedelta(minutes=9))
        _, shown = await page.get(AGENT, path)
        assert Action.NUDGE.value not in shown["actions"]
        status, body = await _post(page, AGENT, world.team.id, ticket, Action.NUDGE)
        assert status == 403
        assert "again in" in body["error"]["message"]
        clock.advance(timedelta(minutes=1))
        _, shown = await page.get(AGENT, path)
        assert Action.NUDGE.value in shown["actions"]
        status, body = await _post(page, AGENT, world.team.id, ticket, Action.NUDGE)
        assert status == 200, body
        _, shown = await page.get(AGENT, path)
        assert [e["type"] for e in shown["timeline"]].count(EventType.NUDGED.value) == 2
        assert Action.NUDGE.value not in shown["actions"]
