"""The bot's command menus: setMyCommands and friends, and the menu each user sees where."""

from __future__ import annotations

import re
from typing import Any

from emulator.chats import World
from emulator.errors import bad_request
from emulator.params import Handler, Params

_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_COMMAND_FORMAT = re.compile(r"^[a-z0-9_]{1,32}$")

#: (scope type, chat id, user id, language code) of one stored command list.
ScopeKey = tuple[str, int | None, int | None, str]


class CommandMenus:
    """Command lists stored per scope and language, looked up as Telegram clients do."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._commands: dict[ScopeKey, list[dict[str, Any]]] = {}

    def handlers(self) -> dict[str, Handler]:
        return {
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
        }

    def stored(self, scope: dict[str, Any] | None, language_code: str) -> list[dict[str, Any]]:
        """The command list stored for exactly this scope and language ([] when none)."""
        request = Params({"scope": scope, "language_code": language_code}, {})
        return list(self._commands.get(self._scope_key(request), []))

    def state(self) -> dict[ScopeKey, list[dict[str, Any]]]:
        """Every stored command list keyed by (scope type, chat id, user id, language)."""
        return {key: list(value) for key, value in self._commands.items()}

    def resolve(self, chat_id: int, user_id: int) -> list[dict[str, Any]]:
        """The menu this user sees in this chat, by the Bot API's documented lookup order."""
        chat = self._world.resolve_chat(chat_id)
        language = (self._world.persona(user_id).spec.language_code or "")[:2]
        if chat.type == "private":
            scopes: list[tuple[str, int | None, int | None]] = [
                ("chat", chat.id, None),
                ("all_private_chats", None, None),
                ("default", None, None),
            ]
        else:
            admin = self._world.is_admin(chat, user_id)
            scopes = [("chat_member", chat.id, user_id)]
            if admin:
                scopes.append(("chat_administrators", chat.id, None))
            scopes.append(("chat", chat.id, None))
            if admin:
                scopes.append(("all_chat_administrators", None, None))
            scopes.extend([("all_group_chats", None, None), ("default", None, None)])
        for kind, scope_chat, scope_user in scopes:
            for lang in dict.fromkeys((language, "")):
                found = self._commands.get((kind, scope_chat, scope_user, lang))
                if found:
                    return list(found)
        return []

    def _scope_key(self, request: Params) -> ScopeKey:
        scope = request.get_json("scope", error="can't parse BotCommandScope JSON object")
        language = request.get_str("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        if scope is None:
            return ("default", None, None, language)
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise bad_request("can't parse BotCommandScope JSON object")
        kind = str(scope["type"])
        chat_id: int | None = None
        user_id: int | None = None
        if kind in ("chat", "chat_administrators", "chat_member"):
            chat_ref = scope.get("chat_id")
            if not isinstance(chat_ref, (int, str)):
                raise bad_request("chat not found")
            chat = self._world.resolve_chat(chat_ref)
            chat_id = chat.id
            if kind != "chat" and chat.type == "private":
                raise bad_request("can't use chat administrators scope in private chats")
        if kind == "chat_member":
            raw_user = scope.get("user_id")
            if not isinstance(raw_user, int) or raw_user not in self._world.personas:
                raise bad_request("user not found")
            user_id = raw_user
        return (kind, chat_id, user_id, language)

    async def _set_my_commands(self, request: Params) -> bool:
        raw = request.get_json("commands", error="can't parse commands JSON object")
        if not isinstance(raw, list):
            raise bad_request("can't parse commands JSON object")
        if len(raw) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        commands: list[dict[str, Any]] = []
        for item in raw:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name = str(item.get("command", "")).lstrip("/")
            description = str(item.get("description", "")).strip()
            if not _COMMAND_FORMAT.match(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("command description must be 1-256 characters long")
            commands.append({"command": name, "description": description})
        key = self._scope_key(request)
        if commands:
            self._commands[key] = commands
        else:
            self._commands.pop(key, None)
        self._world.emit({"type": "commands"})
        return True

    async def _get_my_commands(self, request: Params) -> list[dict[str, Any]]:
        return list(self._commands.get(self._scope_key(request), []))

    async def _delete_my_commands(self, request: Params) -> bool:
        self._commands.pop(self._scope_key(request), None)
        self._world.emit({"type": "commands"})
        return True
