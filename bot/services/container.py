"""The use cases built together over one database, clock and directory."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.services.directory import Directory
from bot.services.listing import ListingService
from bot.services.people import PeopleService
from bot.services.platform import PlatformService
from bot.services.queries import QueryService
from bot.services.receipts import AnsweredReceipts
from bot.services.roster import Roster
from bot.services.tickets import Archiver, TicketService
from bot.services.tokens import TokenService
from bot.services.updates import UpdateLedger
from bot.services.workbench import WorkbenchService
from storage.database import Database


@dataclass(frozen=True, slots=True)
class Services:
    directory: Directory
    tickets: TicketService
    people: PeopleService
    queries: QueryService
    listing: ListingService
    database: Database
    platform: PlatformService
    tokens: TokenService
    workbench: WorkbenchService
    #: Who is who in each team, in memory (a command reads no standing before its transaction).
    roster: Roster
    #: Which updates need a lookup, and which recorded themselves in their transaction.
    updates: UpdateLedger
    #: Creation receipts told directly, for the dispatcher to cancel.
    receipts: AnsweredReceipts


def build_services(
    settings: Settings, database: Database, clock: Clock, *, archiver: Archiver | None = None
) -> Services:
    directory = Directory(settings)
    roster = Roster(directory)
    updates = UpdateLedger()
    receipts = AnsweredReceipts()
    tickets = TicketService(
        database, clock, directory, archiver, roster=roster, updates=updates, receipts=receipts
    )
    people = PeopleService(database, clock, directory, roster=roster, updates=updates)
    token = settings.telegram.token.get_secret_value()
    return Services(
        directory=directory,
        tickets=tickets,
        people=people,
        queries=QueryService(database, clock, directory),
        listing=ListingService(database, clock, directory),
        database=database,
        platform=PlatformService(database, clock, directory, tickets, settings.platforms),
        tokens=TokenService(database, clock),
        workbench=WorkbenchService(
            database, clock, directory, people, tickets, settings.app, token
        ),
        roster=roster,
        updates=updates,
        receipts=receipts,
    )
