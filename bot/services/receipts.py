"""Creation receipts whose direct reply went out, waiting to be cancelled.

A receipt is written with its ticket and becomes due after a grace; the handler that told the
creator directly hands its destination here (each receipt has its own: the update that asked),
and the dispatcher cancels them with one statement in the transaction that claims its next
round, before anything due can be claimed. So telling the creator costs no write of its own (a
command stays one write transaction), and a receipt whose cancellation was lost with the
process is sent: the creator hears twice rather than never.
"""

from __future__ import annotations


class AnsweredReceipts:
    def __init__(self) -> None:
        self._destinations: set[str] = set()

    def answered(self, destination: str) -> None:
        self._destinations.add(destination)

    def take(self) -> list[str]:
        """The receipts to cancel now; give them back (`restore`) if the cancelling fails."""
        destinations = sorted(self._destinations)
        self._destinations.clear()
        return destinations

    def restore(self, destinations: list[str]) -> None:
        self._destinations.update(destinations)
