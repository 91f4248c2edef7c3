"""One transaction with every repository bound to it: what a use case's body works with."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.engine import Connection

from storage.conversation import DialogueRepository, ProcessedUpdateRepository
from storage.delivery import CardRepository, OutboxRepository
from storage.digests import DigestRepository
from storage.listing import ListingRepository
from storage.people import PeopleRepository
from storage.platform import PlatformRepository
from storage.search import TicketSearch
from storage.tables import escalation_messages
from storage.tickets import EventRepository, EvidenceRepository, TicketRepository
from storage.tokens import TokenRepository
from storage.topics import TopicRepository
from storage.webauth import SignInRepository


class Transaction:
    """The repositories over one connection inside one transaction.

    Bodies are plain functions of a Transaction: they run to completion without awaiting, so
    a transaction never stays open across unrelated work, and `Database` decides where it
    runs (a dedicated SQLite thread, or a greenlet over asyncpg).
    """

    def __init__(self, connection: Connection, *, skip_locked: bool) -> None:
        self.connection = connection
        #: Whether row claims can use FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite serialises).
        self.skip_locked = skip_locked

    # Each repository is made when a body first uses it: a command touches a few of them, and
    # making all of them for every transaction cost more than its statements (bench.e2e).

    @cached_property
    def tickets(self) -> TicketRepository:
        return TicketRepository(self.connection)

    @cached_property
    def events(self) -> EventRepository:
        return EventRepository(self.connection)

    @cached_property
    def evidence(self) -> EvidenceRepository:
        return EvidenceRepository(self.connection)

    @cached_property
    def listing(self) -> ListingRepository:
        return ListingRepository(self.connection)

    @cached_property
    def outbox(self) -> OutboxRepository:
        return OutboxRepository(self.connection)

    @cached_property
    def cards(self) -> CardRepository:
        return CardRepository(self.connection)

    @cached_property
    def escalations(self) -> CardRepository:
        return CardRepository(self.connection, escalation_messages)

    @cached_property
    def people(self) -> PeopleRepository:
        return PeopleRepository(self.connection)

    @cached_property
    def dialogues(self) -> DialogueRepository:
        return DialogueRepository(self.connection)

    @cached_property
    def processed(self) -> ProcessedUpdateRepository:
        return ProcessedUpdateRepository(self.connection)

    @cached_property
    def topics(self) -> TopicRepository:
        return TopicRepository(self.connection)

    @cached_property
    def search(self) -> TicketSearch:
        return TicketSearch(self.connection)

    @cached_property
    def platform(self) -> PlatformRepository:
        return PlatformRepository(self.connection)

    @cached_property
    def tokens(self) -> TokenRepository:
        return TokenRepository(self.connection)

    @cached_property
    def signins(self) -> SignInRepository:
        return SignInRepository(self.connection)

    @cached_property
    def digests(self) -> DigestRepository:
        return DigestRepository(self.connection)

    @property
    def wrote_outbox(self) -> bool:
        """Whether the body added outbox rows (the dispatcher is woken after the commit)."""
        return "outbox" in self.__dict__ and self.outbox.added > 0
