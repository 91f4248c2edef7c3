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
from bot.services.tickets import Archiver, TicketService
from bot.services.tokens import TokenService
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


def build_services(
    settings: Settings, database: Database, clock: Clock, *, archiver: Archiver | None = None
) -> Services:
    directory = Directory(settings)
    tickets = TicketService(database, clock, directory, archiver)
    people = PeopleService(database, clock, directory)
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
    )
