"""setMyCommands/getMyCommands/deleteMyCommands per scope and language, and menu resolution."""

from __future__ import annotations

from emulator.core import EmulatorCore
from tests.emulator.conftest import AGENT, ASSIGNEE, GROUP, SUPERVISOR, ok

EN = [{"command": "ticket", "description": "Create a ticket"}]
ZH = [{"command": "ticket", "description": "创建工单"}]
ADMIN = [{"command": "cancel", "description": "Cancel a ticket"}]


async def test_commands_are_stored_per_scope_and_language(core: EmulatorCore) -> None:
    await ok(core, "setMyCommands", commands=EN)
    await ok(core, "setMyCommands", commands=ZH, language_code="zh")
    await ok(
        core,
        "setMyCommands",
        commands=ADMIN,
        scope={"type": "chat_administrators", "chat_id": GROUP},
    )
    assert await ok(core, "getMyCommands") == EN
    assert await ok(core, "getMyCommands", language_code="zh") == ZH
    # getMyCommands never falls back: a scope without its own list is empty.
    assert await ok(core, "getMyCommands", scope={"type": "all_private_chats"}) == []
    assert core.commands({"type": "chat_administrators", "chat_id": GROUP}) == ADMIN
    assert set(core.command_state()) == {
        ("default", None, None, ""),
        ("default", None, None, "zh"),
        ("chat_administrators", GROUP, None, ""),
    }
    await ok(core, "deleteMyCommands", language_code="zh")
    assert await ok(core, "getMyCommands", language_code="zh") == []


async def test_menu_resolution_follows_the_documented_order(core: EmulatorCore) -> None:
    await ok(core, "setMyCommands", commands=EN)
    await ok(core, "setMyCommands", commands=ZH, language_code="zh")
    await ok(
        core,
        "setMyCommands",
        commands=ADMIN,
        scope={"type": "chat_administrators", "chat_id": GROUP},
    )
    assert core.resolve_commands(GROUP, SUPERVISOR) == ADMIN  # an administrator
    assert core.resolve_commands(GROUP, AGENT) == ZH  # language_code zh-hans
    assert core.resolve_commands(SUPERVISOR, SUPERVISOR) == EN  # language_code en
    assert core.resolve_commands(ASSIGNEE, ASSIGNEE) == ZH


async def test_menu_button(core: EmulatorCore) -> None:
    assert await ok(core, "getChatMenuButton") == {"type": "commands"}
    await ok(core, "setChatMenuButton", chat_id=AGENT, menu_button={"type": "commands"})
    assert await ok(core, "getChatMenuButton", chat_id=AGENT) == {"type": "commands"}
