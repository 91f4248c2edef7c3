"""`ticketbot token create|list|revoke`: the public API's tokens, one per integration."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from bot.clock import SystemClock
from bot.config import ConfigError, load_settings
from bot.domain.errors import NotFound
from bot.domain.tokens import Scope
from bot.services.container import Services, build_services
from storage.database import open_database

T = TypeVar("T")
Add = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def register_commands(add: Add) -> None:
    token = add("token", _token, "create, list or revoke the public API's tokens")
    actions = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    # --config is accepted after the action too, as after any command.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
    create = actions.add_parser(
        "create", parents=[common], help="make a token for one integration (shown once)"
    )
    create.add_argument("--team", type=int, required=True, help="the team's group chat id")
    create.add_argument("--scope", choices=[scope.value for scope in Scope], required=True)
    create.add_argument("--name", required=True, help="what uses it, e.g. erp")
    listing = actions.add_parser(
        "list", parents=[common], help="list the tokens (never their secrets)"
    )
    listing.add_argument("--team", type=int, default=None, help="only this team's")
    revoke = actions.add_parser(
        "revoke", parents=[common], help="revoke a token: refused from the next request on"
    )
    revoke.add_argument("id", type=int, help="the token's id, as `token list` shows it")


def _with_services(arguments: argparse.Namespace, use: Callable[[Services], Awaitable[T]]) -> T:
    settings = load_settings(arguments.config)

    async def run() -> T:
        database = open_database(settings.database)
        try:
            # Tokens can be made before the first `run`: the schema and the teams come first.
            await database.migrate()
            services = build_services(settings, database, SystemClock())
            await services.people.sync_teams()
            return await use(services)
        finally:
            await database.dispose()

    return asyncio.run(run())


def _token(arguments: argparse.Namespace) -> int:
    command = arguments.token_command
    try:
        if command == "create":
            return _with_services(arguments, lambda services: _create(services, arguments))
        if command == "list":
            return _with_services(arguments, lambda services: _list(services, arguments.team))
        return _with_services(arguments, lambda services: _revoke(services, arguments.id))
    except NotFound:
        message = f"no [[teams]] with chat_id {arguments.team} in the configuration"
        raise ConfigError(message) from None


async def _create(services: Services, arguments: argparse.Namespace) -> int:
    name = arguments.name.strip()
    if not name or len(name) > 100:
        print("--name must have 1 to 100 characters", file=sys.stderr)
        return 2
    issued = await services.tokens.create(arguments.team, Scope(arguments.scope), name)
    token = issued.token
    print(f"token {token.id} ({token.scope.value}) for {name}; it is shown only this once:")
    print(issued.secret)
    return 0


async def _list(services: Services, chat_id: int | None) -> int:
    print(f"{'id':>4}  {'team':>16}  {'scope':8}  {'created (UTC)':16}  {'revoked':16}  name")
    for listed in await services.tokens.list(chat_id):
        token = listed.token
        team = listed.team.chat_id if listed.team else token.team_id
        revoked = f"{token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "-"
        print(
            f"{token.id:>4}  {team:>16}  {token.scope.value:8}  "
            f"{token.created_at:%Y-%m-%d %H:%M}  {revoked:16}  {token.name}"
        )
    return 0


async def _revoke(services: Services, token_id: int) -> int:
    if await services.tokens.revoke(token_id):
        print(f"token {token_id} revoked")
        return 0
    print(f"no valid token {token_id} (unknown, or revoked before)", file=sys.stderr)
    return 1
