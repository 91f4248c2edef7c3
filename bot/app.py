"""The composition root: builds every part from the configuration, and nothing else does."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

import aiohttp
from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    MenuButtonWebApp,
    Update,
    WebAppInfo,
)
from telegram.error import BadRequest, Forbidden
from telegram.ext import ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest, HTTPXRequest

from bot.clock import Clock
from bot.config import Settings
from bot.domain.commands import GRAMMAR, CommandSpec
from bot.domain.durations import format_duration
from bot.domain.model import Language, Role
from bot.i18n import Catalogs
from bot.notifier.dispatcher import Dispatcher
from bot.notifier.pacer import Pacer, PaceRules
from bot.notifier.plan import Planner
from bot.notifier.platform import PlatformPoster
from bot.notifier.topics import TopicKeeper
from bot.rendering.render import Renderer
from bot.scheduler import Sweeper
from bot.services.container import Services, build_services
from bot.services.dialogues import DialogueService
from bot.services.digest import DigestService
from handlers.telegram.archive import EvidenceArchive, download
from handlers.telegram.context import BotApplication, BotContext, BotData
from handlers.telegram.forum import BotForum
from handlers.telegram.members import sync_admins
from handlers.telegram.order import ChatOrder
from handlers.telegram.pacing import PacedRateLimiter
from handlers.telegram.polling import LONG_POLL, Poller
from handlers.telegram.posting import TextPoster, TextPosterExtBot
from handlers.telegram.routes import register
from handlers.telegram.sender import BotSender
from handlers.telegram.updates import decode_update
from storage.database import Database

log = logging.getLogger(__name__)

#: Write transactions failing for this long (a database locked by another process beyond
#: its busy timeout, a lost server) make /healthz answer 503.
STUCK_AFTER: Final = timedelta(seconds=30)
#: getUpdates answers at least every LONG_POLL seconds; none for this long means polling is
#: stuck (or Telegram unreachable).
POLL_STUCK_AFTER: Final = timedelta(seconds=LONG_POLL * 4)

#: Each menu scope and the commands of the grammar it offers: in groups, members see theirs
#: and administrators (who are supervisors with admins_are_supervisors) everything.
MENUS: Final[tuple[tuple[BotCommandScope, tuple[CommandSpec, ...]], ...]] = (
    (
        BotCommandScopeAllGroupChats(),
        tuple(spec for spec in GRAMMAR if spec.in_groups and Role.MEMBER in spec.roles),
    ),
    (BotCommandScopeAllChatAdministrators(), tuple(spec for spec in GRAMMAR if spec.in_groups)),
    (BotCommandScopeAllPrivateChats(), GRAMMAR),
)


@dataclass
class TicketBot:
    """The running bot: PTB application, outbox dispatcher, sweeper, and their lifecycle."""

    settings: Settings
    database: Database
    services: Services
    clock: Clock
    application: BotApplication
    dispatcher: Dispatcher
    dispatcher_bot: Bot
    sweeper: Sweeper
    topics: TopicKeeper
    http: aiohttp.ClientSession | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    #: Updates being handled in this process (the database knows those handled before).
    _handling: set[int] = field(default_factory=set)
    #: Each chat's updates take effect in the order they came.
    chat_order: ChatOrder = field(default_factory=ChatOrder)
    _started_at: datetime | None = None

    @property
    def bot_username(self) -> str:
        return self.application.bot_data.bot_username

    async def start(self, *, workers: bool = True) -> None:
        """Connect to Telegram (getMe), sync teams and admins, set the menus, start workers."""
        await self.services.people.sync_teams()
        await self.application.initialize()
        await self.dispatcher_bot.initialize()
        self.application.bot_data.bot_username = self.application.bot.username
        self._started_at = self.clock.now()
        log.info("bot @%s serves %d team(s)", self.bot_username, len(self.settings.teams))
        for profile in self.services.directory.teams():
            if profile.settings.admins_are_supervisors:
                try:
                    await sync_admins(self.application.bot, self.services, profile.team.chat_id)
                except (BadRequest, Forbidden) as error:
                    # A configured group that does not exist or that the bot is not in (yet):
                    # the rest of the bot works, so one line says what to fix.
                    log.warning(
                        "team %s: chat %s cannot be read (%s): check [[teams]] chat_id and"
                        " that the bot was added to that group",
                        profile.team.name,
                        profile.team.chat_id,
                        error.message,
                    )
        await self._set_commands()
        await self._set_menu_button()
        if workers:
            self._stop.clear()
            self._tasks = [
                asyncio.create_task(self.dispatcher.run(self._stop), name="outbox-dispatcher"),
                asyncio.create_task(self.sweeper.run(self._stop), name="deadline-sweeper"),
                asyncio.create_task(self.topics.run(self._stop), name="topic-keeper"),
            ]

    async def _set_commands(self) -> None:
        catalogs = self.application.bot_data.catalogs
        bot = self.application.bot
        for language in (None, Language.ZH, Language.EN):
            texts = catalogs[language or Language.EN]
            for scope, specs in MENUS:
                commands = [BotCommand(spec.name, str(texts(spec.menu_key))) for spec in specs]
                await bot.set_my_commands(
                    commands, scope=scope, language_code=language.value if language else None
                )

    async def _set_menu_button(self) -> None:
        """With [app] public_url, every private chat's menu button opens the workbench."""
        public_url = self.settings.app.public_url
        if not public_url:
            return
        teams = self.settings.teams
        texts = self.application.bot_data.catalogs[teams[0].language if teams else Language.EN]
        button = MenuButtonWebApp(str(texts("wb.button.open")), WebAppInfo(f"{public_url}/app/"))
        await self.application.bot.set_chat_menu_button(menu_button=button)

    async def process(self, data: dict[str, Any]) -> None:
        """Handle one update's JSON (the webhook route and tests call this); UndecodableUpdate
        for JSON that is not an update the bot can handle."""
        await self.handle(decode_update(data, self.application.bot))

    async def handle(self, update: Update) -> None:
        """Handle an update once, however often it is delivered (webhook retries, polling
        after a restart): its effect and its answer.

        Use cases record the update id in the transaction of their change; here it is recorded
        after any other handling, so that a read-only command (/help, /show, /export, a prompt)
        is not answered again either. A copy arriving while the first is being handled is dropped
        at once. A crash between answering and recording can repeat such an answer, as it can
        repeat a message in flight (see the README's delivery guarantee).
        """
        update_id = update.update_id
        if update_id in self._handling:
            log.info("update %s is being handled; this copy is skipped", update_id)
            return
        self._handling.add(update_id)
        try:
            async with self.chat_order.turn(_chat_key(update)):
                await self._handle_in_turn(update)
        finally:
            self._handling.discard(update_id)

    async def _handle_in_turn(self, update: Update) -> None:
        update_id = update.update_id
        await self.application.process_update(update)
        if self.services.updates.recorded(update_id):
            return  # the command's own transaction recorded it
        now = self.clock.now()
        try:
            await self.database.transact(lambda tx: tx.processed.remember(update_id, now))
        except Exception as error:  # noqa: BLE001 - handled and answered; only the record failed
            log.warning(
                "update %s was handled but not recorded (%s): a redelivery would be answered again",
                update_id,
                error,
            )

    async def health(self, poller: Poller | None = None) -> dict[str, Any]:
        """What /healthz answers: "ok", or "stuck" with the reasons (served as 503)."""
        now = self.clock.now()
        problems: list[str] = []
        writes = self.database.write_health
        if writes.failing_since is not None and now - writes.failing_since >= STUCK_AFTER:
            problems.append(
                f"database writes failing for {format_duration(now - writes.failing_since)}:"
                f" {writes.reason}"
            )
        if poller is not None:
            polled = poller.polled_at or self._started_at
            if polled is not None and now - polled >= POLL_STUCK_AFTER:
                problems.append(
                    f"no getUpdates answer for {format_duration(now - polled)}"
                    + (f": {poller.last_error}" if poller.last_error else "")
                )
        report: dict[str, Any] = {"status": "stuck" if problems else "ok"}
        if problems:
            report["problems"] = problems
        try:
            report["outbox_pending"] = await self.database.read(lambda tx: tx.outbox.pending())
        except Exception as error:  # noqa: BLE001 - reported, not raised: this is the health check
            report["status"] = "stuck"
            report.setdefault("problems", []).append(f"database cannot be read: {error}")
        return report

    async def stop(self) -> None:
        self._stop.set()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.application.shutdown()
        await self.dispatcher_bot.shutdown()
        if self.http is not None:
            await self.http.close()


def build_bot(
    settings: Settings,
    database: Database,
    clock: Clock,
    *,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
) -> TicketBot:
    """Everything the bot is made of, wired together; `request` replaces the HTTP layer
    (tests pass the emulator's in-process request)."""
    telegram = settings.telegram
    token = telegram.token.get_secret_value()
    # The dispatcher has a Bot of its own, without PTB's rate limiter: it must see every 429
    # to hold the destination in the database, not have it retried behind its back.
    dispatcher_bot = TextPoster(
        token, base_url=telegram.base_url, base_file_url=telegram.base_file_url, request=request
    )
    #: One per process: everything sent to a chat, by handlers or the dispatcher, is paced here.
    pacer = Pacer(PaceRules.of(settings.dispatcher))
    #: Updates of one chat take effect in the order they came (handlers/telegram/order.py).
    chat_order = ChatOrder()
    archive_dir = settings.evidence.archive_dir
    archiver = EvidenceArchive(dispatcher_bot, archive_dir) if archive_dir else None
    services = build_services(settings, database, clock, archiver=archiver)
    catalogs = Catalogs()
    directory = services.directory
    public_url = settings.app.public_url
    renderer = Renderer(
        directory.kinds,
        lambda team_id, kind: directory.policy_for(team_id, kind).calendar,
        workbench_url=f"{public_url}/app/" if public_url else None,
    )

    handlers_bot = TextPosterExtBot(
        token,
        base_url=telegram.base_url,
        base_file_url=telegram.base_file_url,
        # What ApplicationBuilder would make: a pool for many replies at once, one for polls.
        request=request or HTTPXRequest(connection_pool_size=256),
        get_updates_request=updates_request or HTTPXRequest(),
        # Direct replies take their slots from the pacer the dispatcher uses: a chat's
        # replies, cards and notices are spaced together (a 429 holds that chat only).
        rate_limiter=PacedRateLimiter(pacer, order=chat_order),
    )
    builder = (
        ApplicationBuilder()
        .bot(handlers_bot)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
    )
    # Updates come from our own poller (handlers/telegram/polling.py) or the webhook route,
    # never from PTB's Updater, which confirms updates before they are handled.
    builder = builder.updater(None)
    application: BotApplication = builder.build()
    application.bot_data.configure(
        services=services,
        dialogues=DialogueService(database, clock),
        catalogs=catalogs,
        renderer=renderer,
        clock=clock,
    )
    register(application)

    http = aiohttp.ClientSession() if settings.integrations.webhooks or settings.platforms else None
    platforms = (
        PlatformPoster(settings.platforms, lambda file_id: download(dispatcher_bot, file_id), http)
        if settings.platforms and http is not None
        else None
    )
    dispatcher = Dispatcher(
        database,
        clock,
        Planner(
            services.directory,
            renderer,
            catalogs,
            bot_username=lambda: application.bot_data.bot_username,
        ),
        BotSender(dispatcher_bot),
        settings.dispatcher,
        webhooks=settings.integrations.webhooks,
        bot_username=lambda: application.bot_data.bot_username,
        group_chat_of=services.directory.group_chat,
        http=http,
        platforms=platforms,
        pacer=pacer,
        receipts=services.receipts,
    )
    database.write_health.now = clock.now
    return TicketBot(
        settings=settings,
        database=database,
        services=services,
        clock=clock,
        application=application,
        dispatcher=dispatcher,
        dispatcher_bot=dispatcher_bot,
        sweeper=Sweeper(
            services.tickets,
            database,
            clock,
            settings.scheduler,
            DigestService(database, clock, services.directory),
        ),
        topics=TopicKeeper(
            database,
            clock,
            services.directory,
            renderer,
            catalogs,
            BotForum(dispatcher_bot),
            poll_interval=settings.dispatcher.poll_interval,
            lease=settings.dispatcher.lease,
        ),
        http=http,
        chat_order=chat_order,
    )


def _chat_key(update: Update) -> int | None:
    """The chat whose order an update keeps: its chat, else (an inline query) its sender."""
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
