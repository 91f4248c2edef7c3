"""A local Telegram Bot API emulator with a browser chat panel, for demos and tests offline.

core = EmulatorCore(demo_scenario())
server = await start_server(core, "127.0.0.1", 0)   # server.base_url, server.base_file_url
...
await server.stop()
await core.aclose()

In-process, without sockets, a python-telegram-bot `Application` talks to the core through
`EmulatedRequest(core)` (emulator.ptb), given to the builder's request and get_updates_request.
"""

from emulator.core import EmulatorCore, RequestRecord
from emulator.errors import ApiError, PersonaError
from emulator.flood import FloodLimiter, FloodRules
from emulator.methods import CallbackAnswer
from emulator.params import UploadedFile
from emulator.personas import MediaItem
from emulator.ptb import EmulatedRequest
from emulator.scenario import BotSpec, GroupSpec, PersonaSpec, Scenario, demo_scenario
from emulator.server import RunningServer, build_app, start_server

__all__ = [
    "ApiError",
    "BotSpec",
    "CallbackAnswer",
    "EmulatedRequest",
    "EmulatorCore",
    "FloodLimiter",
    "FloodRules",
    "GroupSpec",
    "MediaItem",
    "PersonaError",
    "PersonaSpec",
    "RequestRecord",
    "RunningServer",
    "Scenario",
    "UploadedFile",
    "build_app",
    "demo_scenario",
    "start_server",
]
