"""Run the emulator alone: `python -m emulator --port 8081 --lang zh` serves API and panel."""

from __future__ import annotations

import argparse
import asyncio
import logging

from emulator.core import EmulatorCore
from emulator.scenario import demo_scenario
from emulator.server import SUPPORTED_LANGS, start_server

logger = logging.getLogger("emulator")


async def serve(host: str, port: int, lang: str, flood_limits: bool) -> None:
    core = EmulatorCore(demo_scenario(), flood_limits=flood_limits)
    server = await start_server(core, host, port, lang=lang)
    logger.info("Bot API: base_url=%s base_file_url=%s", server.base_url, server.base_file_url)
    logger.info("Chat panel: %s/  (token %s)", server.url, core.bot.token)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
        await core.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description="Local Telegram Bot API emulator + chat panel")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--lang", choices=SUPPORTED_LANGS, default="en")
    parser.add_argument("--flood-limits", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        asyncio.run(serve(args.host, args.port, args.lang, args.flood_limits))
    except KeyboardInterrupt:
        logger.info("stopped")


if __name__ == "__main__":
    main()
