"""The layers of README's architecture, read from the import statements of the source tree."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[2]
PACKAGES: Final = ("bot", "handlers", "storage", "emulator", "marketplace")
#: The composition root: app.py builds every part, runtime.py runs them (web server, poller
#: or webhook, start and shutdown order); the demo runs them against the emulator.
KNOWS_EVERY_PART: Final = frozenset({"bot.app", "bot.runtime", "bot.demo"})
#: PTB imports bot/ still makes outside the composition root, each with the reason.
KNOWN_PTB: Final = {
    # The dispatcher tells a flood wait, a refusal (403, the group fallback), a bad request
    # and a network error apart by PTB's exception classes.
    "bot.notifier.dispatcher": frozenset({"telegram.error"}),
}


@dataclass(frozen=True, slots=True)
class Import:
    module: str
    #: Under `if TYPE_CHECKING:`: couples the layers, but is no import at run time.
    typing_only: bool


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    return {
        _module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
    }


SOURCES: Final = _sources()


def _imports(path: Path) -> Iterator[Import]:
    """Every absolute import of a module, at any depth (functions import lazily too)."""

    def walk(node: ast.AST, typing_only: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and ast.unparse(child.test).endswith("TYPE_CHECKING"):
                yield from walk(child, True)
            elif isinstance(child, ast.Import):
                yield from (Import(alias.name, typing_only) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                yield Import(child.module, typing_only)
                # `from bot import runtime` imports the module bot.runtime.
                for alias in child.names:
                    if f"{child.module}.{alias.name}" in SOURCES:
                        yield Import(f"{child.module}.{alias.name}", typing_only)
            else:
                yield from walk(child, typing_only)

    yield from walk(ast.parse(path.read_text(encoding="utf-8")), False)


IMPORTS: Final = {module: tuple(_imports(path)) for module, path in SOURCES.items()}


def _within(module: str, *packages: str) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def _offences(modules: tuple[str, ...], *forbidden: str) -> list[tuple[str, str]]:
    """(module, what it imports) for each module of `modules` importing one of `forbidden`."""
    return [
        (module, found.module)
        for module, imports in sorted(IMPORTS.items())
        if _within(module, *modules)
        for found in imports
        if _within(found.module, *forbidden)
    ]


def test_only_the_composition_root_and_the_demo_in_bot_know_telegram_handlers_or_emulator() -> None:
    offences = [
        (module, imported)
        for module, imported in _offences(("bot",), "handlers", "emulator", "telegram")
        if module not in KNOWS_EVERY_PART and imported not in KNOWN_PTB.get(module, ())
    ]
    assert offences == []


def test_the_domain_imports_only_the_domain_and_the_standard_library() -> None:
    offences = [
        (module, found.module)
        for module, imports in sorted(IMPORTS.items())
        if _within(module, "bot.domain")
        for found in imports
        if not _within(found.module, "bot.domain")
        and found.module.split(".")[0] not in sys.stdlib_module_names
    ]
    assert offences == []


def test_rendering_and_texts_read_neither_storage_nor_services() -> None:
    assert _offences(("bot.rendering", "bot.i18n"), "storage", "bot.services", "bot.notifier") == []


def test_only_storage_speaks_sql() -> None:
    assert _offences(("bot", "handlers", "emulator"), "sqlalchemy", "alembic") == []


def test_storage_knows_only_the_domain_and_the_configuration() -> None:
    offences = [
        (module, imported)
        for module, imported in _offences(("storage",), "bot", "handlers", "emulator", "telegram")
        if not _within(imported, "bot.domain", "bot.config")
    ]
    assert offences == []


def test_handlers_reach_storage_only_through_services() -> None:
    assert _offences(("handlers",), "storage", "emulator") == []


def test_no_module_imports_itself_in_a_circle() -> None:
    graph = {
        module: {
            found.module for found in imports if found.module in SOURCES and not found.typing_only
        }
        - {module}
        for module, imports in IMPORTS.items()
    }
    assert list(_cycles(graph)) == []


def _cycles(graph: dict[str, set[str]]) -> Iterator[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in sorted(graph[module]):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = [stack.pop()]
            while component[-1] != module:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    yield from found


def test_the_marketplace_simulator_knows_nothing_of_the_bot() -> None:
    """It plays the platform: it speaks to the bot over signed HTTP only."""
    forbidden = ("bot", "handlers", "storage", "emulator", "telegram", "sqlalchemy")
    assert _offences(("marketplace",), *forbidden) == []
