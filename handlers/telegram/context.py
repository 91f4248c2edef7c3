"""What every handler can reach through `context.app`: the services, texts and renderer."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext

from bot.clock import Clock
from bot.i18n import Catalogs
from bot.rendering.render import Renderer
from bot.services.container import Services
from bot.services.dialogues import DialogueService
from bot.services.people import Session
from handlers.telegram.posting import TextPosterExtBot


class BotData:
    """The application's `bot_data`. PTB creates it empty; the composition root fills it in
    (`configure`) before the application starts, so handlers always find it complete."""

    services: Services
    dialogues: DialogueService
    catalogs: Catalogs
    renderer: Renderer
    clock: Clock
    #: Learned from getMe at start; deep links and `/cmd@bot` need it.
    bot_username: str = ""

    def configure(
        self,
        *,
        services: Services,
        dialogues: DialogueService,
        catalogs: Catalogs,
        renderer: Renderer,
        clock: Clock,
    ) -> None:
        self.services = services
        self.dialogues = dialogues
        self.catalogs = catalogs
        self.renderer = renderer
        self.clock = clock


class BotContext(CallbackContext[TextPosterExtBot, dict[Any, Any], dict[Any, Any], BotData]):
    """PTB's context with typed access to what the bot is built from.

    PTB builds one context per update and hands it to every handler group, so the team
    session resolved while learning the sender (group -1) is reused by the command's handler.
    """

    session: Session | None = None

    @property
    def app(self) -> BotData:
        return self.bot_data


BotApplication = Application[
    TextPosterExtBot, BotContext, dict[Any, Any], dict[Any, Any], BotData, Any
]
