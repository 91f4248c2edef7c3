"""Albums arrive as one update per file, handled concurrently: the ticket's file limit holds
for all of them, and an album goes to the ticket its caption names."""

from __future__ import annotations

import asyncio
from typing import Any

from emulator import MediaItem, UploadedFile
from tests.support.botworld import AGENT, ASSIGNEE, GROUP, BotWorld, png


async def _album_at_once(
    world: BotWorld, chat_id: int, photos: int, *, caption: str | None = None, seed: int = 0
) -> None:
    """Send an album whose files the bot handles concurrently, as it does (polling, webhook)."""
    items = [
        MediaItem("photo", UploadedFile(f"p{seed}-{n}.png", "image/png", png(seed + n, 480)))
        for n in range(photos)
    ]
    updates: list[dict[str, Any]] = world.core.user_send_album(
        ASSIGNEE.id, chat_id, items, caption=caption
    )
    await asyncio.gather(*(world.bot.process(update) for update in updates))


async def _two_tickets(world: BotWorld) -> None:
    await world.send(AGENT, GROUP, "/ticket TB1001 #aftersale @zhouhao_aftersale 杯子碎了")
    await world.send(AGENT, GROUP, "/ticket TB1002 #aftersale @zhouhao_aftersale 少发一件")


async def test_albums_sent_together_stop_at_the_ticket_s_file_limit(world: BotWorld) -> None:
    await _two_tickets(world)
    await world.send(ASSIGNEE, ASSIGNEE.id, "/evidence T1")

    await asyncio.gather(
        *(_album_at_once(world, ASSIGNEE.id, 10, seed=1000 + 100 * n) for n in range(3)),
        _album_at_once(world, ASSIGNEE.id, 5, seed=2000),
    )

    assert len(await world.evidence(1)) == 30


async def test_an_album_captioned_for_another_ticket_goes_there_whole(world: BotWorld) -> None:
    await _two_tickets(world)
    await world.send(ASSIGNEE, ASSIGNEE.id, "/evidence T1")

    await _album_at_once(world, ASSIGNEE.id, 10, caption="/evidence T2", seed=3000)

    assert len(await world.evidence(1)) == 0
    assert len(await world.evidence(2)) == 10
