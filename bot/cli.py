"""The `ticketbot` command line: run the bot, the demo, migrations and config checks."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from bot import calendar_cli, token_cli
from bot.config import (
    CONFIG_ENV,
    ConfigError,
    Settings,
    config_path,
    load_settings,
    runnable_problem,
)
from bot.logs import configure_logging
from storage.database import open_database

log = logging.getLogger("ticketbot")

#: Exit status for a configuration that cannot be used (as argparse uses for bad arguments).
EXIT_CONFIG: Final = 2


def _settings(arguments: argparse.Namespace) -> Settings:
    return load_settings(arguments.config)


def _check_config(arguments: argparse.Namespace) -> int:
    """OK only for a configuration `run` accepts and that can serve a team."""
    path = config_path(arguments.config)
    if path is None:
        raise ConfigError(
            f"no configuration file: pass --config FILE or set {CONFIG_ENV}"
            " (config.example.toml documents every key)"
        )
    settings = load_settings(path)
    problem = runnable_problem(settings, str(path))
    if problem is not None:
        raise ConfigError(problem)
    if not settings.teams:
        print(
            f"warning: {path}: no [[teams]] configured: the bot would serve no group"
            " (add one [[teams]] table per group)",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    backend = "sqlite" if settings.database.sqlite_url is not None else "postgresql"
    print(
        f"configuration OK: {len(settings.teams)} team(s), {len(settings.resolved_kinds())} "
        f"kinds, database {backend}, telegram mode {settings.telegram.mode}"
    )
    return 0


def _migrate(arguments: argparse.Namespace) -> int:
    settings = _settings(arguments)

    async def upgrade() -> str | None:
        database = open_database(settings.database)
        try:
            return await database.migrate()
        finally:
            await database.dispose()

    revision = asyncio.run(upgrade())
    print(f"database at revision {revision}")
    return 0


def _parser() -> argparse.ArgumentParser:
    config_help = "configuration file (default: $TICKETBOT_CONFIG, else built-in defaults)"
    parser = argparse.ArgumentParser(
        prog="ticketbot", description="A work-order centre in your team's Telegram group."
    )
    parser.add_argument("--config", type=Path, default=None, help=config_help)
    # Accepted after the command too; SUPPRESS keeps a value given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=config_help)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {}

    def add(
        name: str, handler: Callable[[argparse.Namespace], int], help_text: str
    ) -> argparse.ArgumentParser:
        handlers[name] = handler
        sub = commands.add_parser(name, parents=[common], help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    add("migrate", _migrate, "upgrade the database to the newest schema")
    add("check-config", _check_config, "validate the configuration and exit")
    calendar_cli.register_commands(add)
    token_cli.register_commands(add)
    _register_runtime_commands(add)
    return parser


def _register_runtime_commands(
    add: Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser],
) -> None:
    """Commands that start long-running parts (added by the modules that implement them)."""
    from bot import demo, runtime

    runtime.register_commands(add)
    demo.register(add)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    configure_logging()
    handler: Callable[[argparse.Namespace], int] = arguments.handler
    try:
        return handler(arguments)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
