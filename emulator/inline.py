"""Inline mode: a person types `@bot query` (an inline_query update), the bot answers with
answerInlineQuery, the person picks a result, which is sent into their chat `via_bot` (and
reported as chosen_inline_result when the bot has inline feedback on).

Telegram's limits: at most 50 results per answer, result ids of 1-64 bytes and unique within
an answer, next_offset at most 64 bytes, one answer per query within the query's lifetime.
Only article results with text content are emulated; other result types are refused by name.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from emulator.chats import Chat, Message, World
from emulator.delivery import UpdateDelivery
from emulator.entities import to_api_entities
from emulator.errors import PersonaError, bad_request
from emulator.formatting import format_text
from emulator.forums import thread_for_persona
from emulator.markup import parse_markup
from emulator.messages import MAX_TEXT
from emulator.params import Handler, Params

MAX_RESULTS: Final = 50
MAX_RESULT_ID: Final = 64
MAX_NEXT_OFFSET: Final = 64
MAX_QUERY: Final = 256
_QUERY_INVALID: Final = "query is too old and response timeout expired or query ID is invalid"


@dataclass
class InlineQuery:
    """An inline query a person typed, and the bot's answer once it came."""

    id: str
    user_id: int
    query: str
    offset: str
    chat_type: str | None
    created: float
    results: list[dict[str, Any]] | None = None
    next_offset: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "query": self.query,
            "offset": self.offset,
            "answered": self.results is not None,
            "results": list(self.results or []),
            "next_offset": self.next_offset,
        }


def _check_result(result: Any, seen: set[str]) -> dict[str, Any]:
    if not isinstance(result, dict):
        raise bad_request("can't parse inline query results JSON object")
    result_id = result.get("id")
    if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= MAX_RESULT_ID:
        raise bad_request("RESULT_ID_INVALID")
    if result_id in seen:
        raise bad_request("RESULT_ID_DUPLICATE")
    seen.add(result_id)
    if result.get("type") != "article":
        raise bad_request(
            f"the emulator does not implement inline results of type {result.get('type')}"
        )
    if not result.get("title"):
        raise bad_request("RESULT_TITLE_EMPTY")
    content = result.get("input_message_content")
    if not isinstance(content, dict) or not content.get("message_text"):
        raise bad_request("MESSAGE_EMPTY")
    markup = parse_markup(result.get("reply_markup"))
    if markup is not None and markup.inline is None:
        raise bad_request("inline keyboard expected")
    return result


class InlineMode:
    """answerInlineQuery, and the persona actions that type a query and pick a result."""

    def __init__(
        self,
        world: World,
        delivery: UpdateDelivery,
        deliver_message: Callable[[Chat, Message], dict[str, Any]],
        *,
        clock: Callable[[], float],
        query_ttl: float,
    ) -> None:
        self._world = world
        self._delivery = delivery
        self._deliver_message = deliver_message
        self._clock = clock
        self._ttl = query_ttl
        self._ids = itertools.count(7_340_032_000_000_000_001 + world.bot_id)
        self._inline_message_ids = itertools.count(1)
        self.queries: dict[str, InlineQuery] = {}

    def handlers(self) -> dict[str, Handler]:
        return {"answerinlinequery": self._answer}

    async def _answer(self, request: Params) -> bool:
        query = self.queries.get(request.get_str("inline_query_id") or "")
        if query is None or query.results is not None or self._clock() - query.created > self._ttl:
            raise bad_request(_QUERY_INVALID)
        raw = request.get_json("results", error="can't parse inline query results JSON object")
        if not isinstance(raw, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(raw) > MAX_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        results = [_check_result(result, seen) for result in raw]
        next_offset = request.get_str("next_offset") or ""
        if len(next_offset.encode()) > MAX_NEXT_OFFSET:
            raise bad_request("NEXT_OFFSET_INVALID")
        query.results, query.next_offset = results, next_offset
        query.extra = {
            "cache_time": request.get_int("cache_time", default=300),
            "is_personal": request.get_bool("is_personal"),
        }
        self._world.emit({"type": "inline_answer", "query": query.view()})
        return True

    # --- what a person does ----------------------------------------------------------------------

    def type_query(
        self, user_id: int, query: str, *, offset: str = "", chat_id: int | None = None
    ) -> dict[str, Any]:
        """The persona types `@bot query` (in `chat_id`'s input field); returns the Update."""
        self._world.persona(user_id)
        if not self._world.bot.supports_inline_queries:
            raise PersonaError("the bot does not support inline queries (BotFather /setinline)")
        if len(query) > MAX_QUERY:
            raise PersonaError(f"an inline query holds at most {MAX_QUERY} characters")
        chat_type: str | None = None
        if chat_id is not None:
            chat = self._world.resolve_chat(chat_id)
            chat_type = "sender" if chat.id == user_id else chat.type
        query_id = str(next(self._ids))
        self.queries[query_id] = InlineQuery(
            query_id, user_id, query, offset, chat_type, self._clock()
        )
        payload: dict[str, Any] = {
            "id": query_id,
            "from": self._world.user_dict(user_id),
            "query": query,
            "offset": offset,
        }
        if chat_type is not None:
            payload["chat_type"] = chat_type
        return self._delivery.push("inline_query", payload)

    def answer_of(self, query_id: str) -> InlineQuery:
        query = self.queries.get(query_id)
        if query is None:
            raise PersonaError(f"no inline query {query_id}")
        return query

    def choose(
        self,
        user_id: int,
        chat_id: int,
        query_id: str,
        result_id: str,
        *,
        thread_id: int | None = None,
    ) -> dict[str, Any]:
        """The persona picks a result: it is sent into `chat_id` (its topic `thread_id`) via
        the bot. Returns the message's Update (delivered only if the bot sees the message)."""
        query = self.answer_of(query_id)
        if query.user_id != user_id:
            raise PersonaError(f"inline query {query_id} is not {user_id}'s")
        chosen = [r for r in query.results or [] if r["id"] == result_id]
        if not chosen:
            raise PersonaError(f"inline query {query_id} has no result {result_id}")
        result = chosen[0]
        chat = self._world.resolve_chat(chat_id)
        if chat.type == "private" and chat.id != user_id:
            raise PersonaError(f"{user_id} cannot write in the private chat of {chat.id}")
        if chat.type != "private" and user_id not in self._world.members(chat):
            raise PersonaError(f"{user_id} is not a member of chat {chat_id}")
        thread_for_persona(self._world, chat, user_id, thread_id)
        content = result["input_message_content"]
        plain, entities = format_text(
            str(content["message_text"]),
            content.get("parse_mode"),
            content.get("entities"),
            self._world.lookup_user,
        )
        if len(plain) > MAX_TEXT:
            raise PersonaError("a message holds at most 4096 characters")
        markup = parse_markup(result.get("reply_markup"))
        message = self._world.store(
            chat,
            user_id,
            text=plain,
            entities=to_api_entities(plain, entities),
            reply_markup=markup.inline if markup else None,
            via_bot=True,
            thread_id=thread_id,
        )
        if self._world.bot.inline_feedback:
            feedback: dict[str, Any] = {
                "result_id": result_id,
                "from": self._world.user_dict(user_id),
                "query": query.query,
            }
            if markup is not None:
                feedback["inline_message_id"] = f"inline-{next(self._inline_message_ids)}"
            self._delivery.push("chosen_inline_result", feedback)
        return self._deliver_message(chat, message)
