"""Polling: every update Telegram returns takes effect, and is answered, once."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

import pytest
from telegram import Update

from handlers.telegram.polling import Poller
from tests.support.botworld import AGENT, ASSIGNEE, GROUP, SUPERVISOR, BotWorld


class StaleAnswers:
    """getUpdates answers computed when asked but handed over only once the updates being
    handled have finished: Telegram's answer to a long poll is always a little old, and the
    bot must not take updates it has finished meanwhile for new ones."""

    def __init__(self, world: BotWorld) -> None:
        self.in_flight = 0
        self.idle = asyncio.Event()
        self.idle.set()
        #: Set when the bot asks for updates with every update handled and confirmed, or
        #: when it starts an update a second time (it would go on doing so).
        self.done = asyncio.Event()
        self.started: Counter[int] = Counter()
        core = world.core
        answer = core.call

        async def call(
            token: str, method: str, params: dict[str, Any], files: Any = None
        ) -> tuple[int, dict[str, Any]]:
            if method.lower() == "getupdates":
                offset = int(params.get("offset") or 0)
                unconfirmed = [u for u in core.pending_updates() if u["update_id"] >= offset]
                if not unconfirmed and not self.in_flight:
                    self.done.set()
            result = await answer(token, method, params, files)
            if method.lower() == "getupdates":
                await self.idle.wait()
            return result

        core.call = call  # type: ignore[method-assign]
        self._handle = world.bot.handle

    async def handle(self, update: Update) -> None:
        self.started[update.update_id] += 1
        if self.started[update.update_id] > 1:
            self.done.set()
        self.in_flight += 1
        self.idle.clear()
        try:
            await self._handle(update)
        finally:
            self.in_flight -= 1
            if not self.in_flight:
                self.idle.set()


async def test_three_people_asking_for_help_at_once_each_get_one_answer(
    world: BotWorld,
) -> None:
    answers_before = len(world.bot_texts(GROUP))
    for persona in (AGENT, ASSIGNEE, SUPERVISOR):
        world.core.user_send_text(persona.id, GROUP, "/help")
    stale = StaleAnswers(world)

    stop = asyncio.Event()
    polling = asyncio.create_task(Poller(world.bot.application.bot, stale.handle).run(stop))
    await stale.done.wait()
    stop.set()
    await polling

    assert [n for n, times in stale.started.items() if times > 1] == []
    answers = world.bot_texts(GROUP)[answers_before:]
    assert len(answers) == 3, answers
    assert all("/ticket" in answer for answer in answers)


async def test_an_update_that_cannot_be_decoded_is_skipped_and_polling_goes_on(
    world: BotWorld, caplog: pytest.LogCaptureFixture
) -> None:
    answers_before = len(world.bot_texts(GROUP))
    broken = world.core.user_send_text(AGENT.id, GROUP, "/help")
    del broken["message"]["date"]  # PTB cannot decode a message without its date
    world.core.user_send_text(SUPERVISOR.id, GROUP, "/help")
    watch = StaleAnswers(world)

    stop = asyncio.Event()
    polling = asyncio.create_task(Poller(world.bot.application.bot, watch.handle).run(stop))
    with caplog.at_level(logging.INFO, logger="handlers.telegram.polling"):
        done = asyncio.create_task(watch.done.wait())
        await asyncio.wait({done, polling}, return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    await polling  # raises what stopped polling, if anything did

    assert f"update {broken['update_id']} skipped: it cannot be decoded" in caplog.text
    assert world.core.pending_updates() == []  # confirmed, so Telegram does not send it again
    answers = world.bot_texts(GROUP)[answers_before:]
    assert len(answers) == 1, answers  # the update after it was handled
