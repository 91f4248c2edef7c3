"""Long-running commands (`run`, `demo`): registered here once they exist."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def register_commands(
    add: Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser],
) -> None:
    """No long-running command yet; `run` and `demo` come with the bot and the emulator."""
