"""One update being handled: who sent it, where, in which team and language, and the replies.

Every handler runs inside `@handler`, the one place that turns domain errors into a short
localized reply (or an alert for a button) and logs anything unexpected with its context.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Final

from telegram import Message as TelegramMessage
from telegram import Update

from bot.domain.changes import ChangeTicket, Origin
from bot.domain.errors import AlreadyProcessed, DomainError
from bot.domain.model import Language
from bot.domain.people import Person, Team
from bot.i18n import Texts, plain
from bot.rendering.callbacks import Verb, encode
from bot.rendering.messages import Button, Message
from bot.rendering.render import language_of
from bot.services.people import ChooseTeam, Session
from bot.services.tickets import Acted
from handlers.telegram.adapters import person_of
from handlers.telegram.context import BotContext

log = logging.getLogger(__name__)

#: Telegram's limit for the text of a callback alert.
ALERT_LIMIT: Final = 200


class NotATeam(DomainError):
    """A group the bot does not serve: answered with a setup hint, nothing else happens."""

    key = "reply.not_a_team"


class TeamChoiceNeeded(DomainError):
    """A private-chat user in several teams must pick one first."""

    key = "reply.choose_team"

    def __init__(self, choice: ChooseTeam) -> None:
        super().__init__()
        self.choice = choice


class Turn:
    """The update at hand; resolves the team session once and speaks its language."""

    def __init__(self, update: Update, context: BotContext) -> None:
        self.update = update
        self.context = context
        self.app = context.app
        user = update.effective_user
        chat = update.effective_chat
        if user is None or chat is None:
            raise ValueError("an update without a user or chat reached a handler")
        self.person: Person = person_of(user)
        self.chat_id: int = chat.id
        self.private: bool = chat.type == chat.PRIVATE
        #: The ticket number the command names, so an error about "this ticket" can say which.
        self.subject: int | None = None
        # Already resolved for this update while its sender was learned (group chats).
        self._session: Session | None = None if self.private else context.session

    @property
    def update_id(self) -> int:
        return self.update.update_id

    @property
    def in_group(self) -> bool:
        """Whether the update came from a group (whose members see the bot's answer)."""
        return not self.private

    @property
    def message(self) -> TelegramMessage | None:
        return self.update.effective_message

    async def session(self, team_id: int | None = None) -> Session:
        """Who the sender is in which team: the group's team, or their team in private chat."""
        if self._session is not None and team_id in (None, self._session.team.id):
            return self._session
        people = self.app.services.people
        if self.private:
            found = await people.in_private(self.person, team_id)
            if isinstance(found, ChooseTeam):
                raise TeamChoiceNeeded(found)
            self._session = found
        else:
            session = await people.in_group(self.chat_id, self.person)
            if session is None:
                raise NotATeam(chat_id=self.chat_id)
            self._session = session
        return self._session

    async def settle_language(self) -> None:
        """Look the session up if it can be, only so that `texts` speaks the right language
        (the team's in a group, the user's /lang choice in private); no session is fine."""
        if self._session is None:
            with contextlib.suppress(DomainError):
                await self.session()

    async def origin(self) -> Origin:
        """This update as the origin of a change: the sender's session, recorded once."""
        session = await self.session()
        pressed = self.update.callback_query is not None
        return Origin.chat(session.actor, self.update_id, in_group=self.in_group, button=pressed)

    async def execute(self, change: ChangeTicket) -> Acted:
        """Make `change` to a ticket of the sender's team, as this update (a card pressed in
        private chat gets what it shows read in the same transaction, to be redrawn)."""
        with_card = self.private and self.update.callback_query is not None
        return await self.app.services.tickets.execute(
            change, await self.origin(), with_card=with_card
        )

    def use(self, session: Session) -> None:
        """Act in a session found another way (a button names its ticket's team)."""
        self._session = session

    @property
    def team(self) -> Team | None:
        return self._session.team if self._session else None

    @property
    def texts(self) -> Texts:
        catalogs = self.app.catalogs
        if self._session is not None:
            team = self._session.team
            return catalogs[language_of(self._session.person, team.language, private=self.private)]
        directory_team = self.app.services.directory.by_chat(self.chat_id)
        fallback = directory_team.team.language if directory_team else Language.EN
        # A group speaks its team's language even before the session is looked up.
        return catalogs[language_of(self.person, fallback, private=self.private)]

    # --- answering -----------------------------------------------------------------------------

    async def reply(self, message: Message) -> int:
        """Answer in the chat the update came from (quoting the message in groups, in its
        topic); returns the answer's message id."""
        source = self.update.effective_message
        thread_id = None
        if source is not None and self.update.callback_query is None:
            reply_to = None if self.private else source.message_id
            thread_id = source.message_thread_id if source.is_topic_message else None
        else:
            reply_to = self._prompted(message)
        return await self.context.bot.post(
            self.chat_id, message, reply_to=reply_to, thread_id=thread_id
        )

    def _prompted(self, message: Message) -> int | None:
        """A reply prompt sent after a button press in a group answers the presser's own
        message that the pressed one replied to: a selective ForceReply goes only to the
        sender of the message it replies to, so without it nobody would be asked."""
        query = self.update.callback_query
        if not message.force_reply or self.private or query is None:
            return None
        pressed = query.message
        replied = getattr(pressed, "reply_to_message", None)
        sender = getattr(replied, "from_user", None)
        if replied is None or sender is None or sender.id != self.person.id:
            return None
        return int(replied.message_id)

    async def say(self, key: str, **params: object) -> int:
        return await self.reply(Message(self.texts(key, **params)))

    async def edit(self, message: Message) -> None:
        """Change the message a button was pressed on (a card, a prompt) in place."""
        query = self.update.callback_query
        if query is None or query.message is None:
            await self.reply(message)
            return
        await self.context.bot.revise(self.chat_id, query.message.message_id, message)

    async def answer(self, text: str = "", *, alert: bool = False) -> None:
        """Answer a button press (a toast, or an alert the user must dismiss)."""
        query = self.update.callback_query
        if query is not None:
            await query.answer(plain(text)[:ALERT_LIMIT], show_alert=alert)

    async def fail(self, error: DomainError) -> None:
        """Tell the user what was wrong; a button press gets an alert and changes nothing."""
        # Refused before the team was looked up (a forged button): a group still hears its
        # own language, and a private chat the one chosen with /lang. If even that fails
        # (the database is down), the answer comes in the sender's language.
        with contextlib.suppress(Exception):
            await self.settle_language()
        texts = self.texts
        if isinstance(error, TeamChoiceNeeded):
            buttons = tuple(
                (Button(team.name, encode(Verb.TEAM, team.id)),) for team in error.choice.teams
            )
            await self.answer()
            await self.reply(Message(texts("reply.choose_team"), buttons))
            return
        message = self.app.renderer.error(error, texts, number=self.subject)
        if self.update.callback_query is not None:
            await self.answer(message.text, alert=True)
        else:
            await self.reply(message)


HandlerFunction = Callable[[Turn], Awaitable[None]]


def handler(
    function: HandlerFunction,
) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    """Run `function` for an update, answering domain errors and logging the unexpected."""

    @functools.wraps(function)
    async def wrapper(update: Update, context: BotContext) -> None:
        try:
            turn = Turn(update, context)
        except ValueError:
            log.warning("update %s has no user or chat; ignored", update.update_id)
            return
        try:
            await function(turn)
        except AlreadyProcessed:
            log.info("update %s was handled before; its effect stands once", update.update_id)
            await turn.answer()
        except DomainError as error:
            await turn.fail(error)
        except Exception:
            log.exception("handling update %s (%s) failed", update.update_id, function.__name__)
            await turn.fail(DomainError("error.internal"))

    return wrapper
