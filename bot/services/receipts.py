"""Creation receipts whose direct reply went out, waiting to be cancelled.

A receipt is written with its ticket and becomes due after a grace; the handler that told the
creator directly hands its row id here, and the dispatcher cancels the rows in the transaction
that claims its next round, before anything due can be claimed. So telling the creator costs no
write of its own (a command stays one write transaction), and a receipt whose cancellation was
lost with the process is sent: the creator hears twice rather than never.
"""

from __future__ import annotations


class AnsweredReceipts:
    def __init__(self) -> None:
        self._rows: set[int] = set()

    def answered(self, row_id: int) -> None:
        self._rows.add(row_id)

    def take(self) -> list[int]:
        """The rows to cancel now; give them back (`restore`) if the cancelling fails."""
        rows = sorted(self._rows)
        self._rows.clear()
        return rows

    def restore(self, rows: list[int]) -> None:
        self._rows.update(rows)
