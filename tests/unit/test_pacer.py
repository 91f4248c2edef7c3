"""The pacing rule on a clock the test steps: per chat with a margin, overall, and flood waits."""

from __future__ import annotations

import pytest

from bot.notifier.pacer import PaceRules, SendRule

RULES = PaceRules(private_interval=1.1, group_interval=3.3, global_interval=0.035)
PRIVATE, OTHER, GROUP = 7, 8, -100


def test_one_private_chat_gets_a_message_every_interval_with_its_margin() -> None:
    rule = SendRule(RULES)
    slots = [rule.reserve(PRIVATE, 0.0) for _ in range(4)]
    assert slots == pytest.approx([0.0, 1.1, 2.2, 3.3])


def test_a_group_is_spaced_at_twenty_a_minute_with_its_margin() -> None:
    rule = SendRule(RULES)
    assert [rule.reserve(GROUP, 0.0) for _ in range(3)] == pytest.approx([0.0, 3.3, 6.6])


def test_different_chats_are_spaced_only_by_the_overall_pace() -> None:
    rule = SendRule(RULES)
    slots = [rule.reserve(chat, 0.0) for chat in range(1, 6)]
    assert slots == pytest.approx([0.0, 0.035, 0.07, 0.105, 0.14])


def test_a_slot_far_ahead_does_not_hold_up_other_chats() -> None:
    rule = SendRule(RULES)
    rule.reserve(GROUP, 0.0)
    assert rule.reserve(GROUP, 0.0) == pytest.approx(3.3)
    # The group's reservation at 3.3 leaves the time before it free for others.
    assert rule.reserve(PRIVATE, 0.0) == pytest.approx(0.035)
    assert rule.reserve(OTHER, 3.3) == pytest.approx(3.335)


def test_an_album_counts_as_its_messages() -> None:
    rule = SendRule(RULES)
    assert rule.reserve(GROUP, 0.0, count=3) == 0.0
    assert rule.reserve(OTHER, 0.0) == pytest.approx(0.105)
    assert rule.reserve(GROUP, 0.0) == pytest.approx(0.07 + 3.3)


def test_a_flood_wait_holds_its_chat_only() -> None:
    rule = SendRule(RULES)
    rule.reserve(GROUP, 0.0)
    rule.hold(GROUP, 0.0, 30.0)
    assert rule.held(GROUP, 10.0)
    assert not rule.held(PRIVATE, 10.0)
    assert rule.reserve(PRIVATE, 10.0) == 10.0
    assert rule.reserve(GROUP, 10.0) == 30.0
    assert not rule.held(GROUP, 30.0 - 1e-7)  # a clock rounded below the end is not held


def test_a_second_chat_refused_meanwhile_means_the_bot_is_held() -> None:
    rule = SendRule(RULES)
    rule.hold(PRIVATE, 0.0, 1.0)
    rule.hold(OTHER, 0.5, 1.5)
    assert rule.held(GROUP, 1.0)
    assert rule.ready_at(GROUP, 1.0) == 1.5
    # After both waits have passed, a single chat's 429 again holds that chat only.
    rule.hold(PRIVATE, 5.0, 6.0)
    assert not rule.held(GROUP, 5.5)
