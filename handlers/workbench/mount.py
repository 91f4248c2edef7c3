"""The workbench on the bot's aiohttp server: the page, its texts and its JSON."""

from __future__ import annotations

from aiohttp import web

from handlers.workbench.api import Workbench, add_workbench_api
from handlers.workbench.page import add_page_routes


def mount_workbench(app: web.Application, bench: Workbench) -> None:
    add_page_routes(app)
    add_workbench_api(app, bench)
