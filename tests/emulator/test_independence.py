"""The emulator is its own product: it imports nothing from the bot it is used to test."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

EMULATOR = Path(__file__).resolve().parents[2] / "emulator"
FORBIDDEN = ("bot", "handlers", "storage")


def _imported_modules(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def _sources() -> list[Path]:
    return sorted(EMULATOR.rglob("*.py"))


def test_the_emulator_package_has_sources() -> None:
    assert (EMULATOR / "__init__.py") in _sources()


@pytest.mark.parametrize("path", _sources(), ids=lambda path: path.name)
def test_the_emulator_imports_nothing_from_the_bot(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    offending = [name for name in _imported_modules(tree) if name.split(".")[0] in FORBIDDEN]
    assert offending == [], f"{path.name} imports {offending}"
