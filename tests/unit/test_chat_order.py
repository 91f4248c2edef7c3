"""Updates of one chat take effect in the order they came (handlers/telegram/order.py)."""

from __future__ import annotations

import asyncio

from handlers.telegram.order import ChatOrder

GROUP, OTHER = -100, -200


async def _handle(
    order: ChatOrder, chat: int | None, name: str, seen: list[str], hold: asyncio.Event
) -> None:
    async with order.turn(chat):
        seen.append(f"{name} starts")
        await hold.wait()  # a read on a cold cache, a download: the update waits
        seen.append(f"{name} commits")
        order.answering()
        await asyncio.sleep(0)  # its paced reply: the next update need not wait for it
        seen.append(f"{name} ends")


async def test_a_later_update_of_the_chat_waits_until_the_earlier_answered() -> None:
    order, seen = ChatOrder(), list[str]()
    slow, fast = asyncio.Event(), asyncio.Event()
    fast.set()
    first = asyncio.create_task(_handle(order, GROUP, "hello", seen, slow))
    second = asyncio.create_task(_handle(order, GROUP, "ticket", seen, fast))
    for _ in range(5):
        await asyncio.sleep(0)
    assert seen == ["hello starts"]  # the /ticket has not overtaken the slow first message
    slow.set()
    await asyncio.gather(first, second)
    assert seen.index("hello commits") < seen.index("ticket starts")
    assert order.waiting() == 0


async def test_other_chats_and_updates_without_a_chat_do_not_wait() -> None:
    order, seen = ChatOrder(), list[str]()
    slow, fast = asyncio.Event(), asyncio.Event()
    fast.set()
    first = asyncio.create_task(_handle(order, GROUP, "group", seen, slow))
    other = asyncio.create_task(_handle(order, OTHER, "other", seen, fast))
    inline = asyncio.create_task(_handle(order, None, "inline", seen, fast))
    await asyncio.gather(other, inline)
    assert "other ends" in seen
    assert "inline ends" in seen
    assert "group commits" not in seen
    slow.set()
    await first


async def test_an_update_that_fails_or_is_cancelled_lets_the_next_go() -> None:
    order, seen = ChatOrder(), list[str]()
    never, fast = asyncio.Event(), asyncio.Event()
    fast.set()

    async def failing() -> None:
        async with order.turn(GROUP):
            raise RuntimeError("handler failed")

    waiting = asyncio.create_task(_handle(order, GROUP, "stuck", seen, never))
    await asyncio.sleep(0)
    broken = asyncio.create_task(failing())
    after = asyncio.create_task(_handle(order, GROUP, "after", seen, fast))
    await asyncio.sleep(0)
    waiting.cancel()
    results = await asyncio.gather(waiting, broken, after, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError)
    assert isinstance(results[1], RuntimeError)
    assert seen[-1] == "after ends"
    assert order.waiting() == 0


async def test_answering_outside_a_turn_does_nothing() -> None:
    ChatOrder().answering()
