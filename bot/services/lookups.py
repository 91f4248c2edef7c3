"""Lookups several use cases share: a ticket of the actor's team, a member named in a command."""

from __future__ import annotations

from bot.domain.changes import TicketRef
from bot.domain.commands import UserRef
from bot.domain.errors import NotFound, UsageError
from bot.domain.permissions import Actor
from bot.domain.ticket import Ticket
from storage.transaction import Transaction


def load_ticket(tx: Transaction, actor: Actor, ref: TicketRef) -> Ticket:
    """The ticket `ref` names in the actor's team; NotFound for any other team's."""
    number, ticket_id = ref.number, ref.ticket_id
    if ticket_id is not None:
        ticket = tx.tickets.by_id(ticket_id)
    elif number is not None:
        ticket = tx.tickets.by_number(actor.team_id, number)
    else:
        raise UsageError("show", "ticket_ref_missing")
    if ticket is None or ticket.team_id != actor.team_id:
        # A button or id from another team gets the same answer as a ticket that does not exist.
        raise NotFound("notfound.ticket", number=number)
    return ticket


def member_id(tx: Transaction, team_id: int, ref: UserRef) -> int:
    """The user id of a team member named by @username, mention or reply; NotFound otherwise."""
    if ref.user_id is not None:
        if tx.people.membership(team_id, ref.user_id) is None:
            raise NotFound("notfound.member", username=ref.name or str(ref.user_id))
        return ref.user_id
    person = tx.people.member_by_username(team_id, ref.username or "")
    if person is None:
        raise NotFound("notfound.member", username=ref.username)
    return person.id
