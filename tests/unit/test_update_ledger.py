"""Which updates cost a read to tell whether they were handled (bot/services/updates.py)."""

from __future__ import annotations

from bot.services import updates
from bot.services.updates import UpdateLedger


def test_before_the_start_every_update_is_looked_up() -> None:
    ledger = UpdateLedger()
    assert ledger.needs_lookup(10)


def test_new_updates_in_any_order_need_no_read() -> None:
    ledger = UpdateLedger()
    ledger.start(100)
    # Several handled at once finish out of order: none of them can have been handled before.
    assert [ledger.needs_lookup(i) for i in (117, 101, 133, 102, 118)] == [False] * 5


def test_a_repeat_or_an_update_recorded_before_the_start_is_looked_up() -> None:
    ledger = UpdateLedger()
    ledger.start(100)
    assert not ledger.needs_lookup(105)
    assert ledger.needs_lookup(105)  # a webhook retry
    assert ledger.needs_lookup(100)  # recorded before this process started
    assert ledger.needs_lookup(3)


def test_an_update_older_than_those_remembered_is_looked_up() -> None:
    ledger = UpdateLedger()
    ledger.start(0)
    kept = updates._SEEN_KEPT
    for update_id in range(1, kept + 2):
        assert not ledger.needs_lookup(update_id)
    # Update 1 was forgotten: it may have been seen, so it is looked up; 2 is still known.
    assert ledger.needs_lookup(1)
    assert ledger.needs_lookup(2)
    assert not ledger.needs_lookup(kept + 5)
