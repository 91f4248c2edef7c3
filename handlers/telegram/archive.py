"""The evidence archive: a local copy of each evidence file, under a generated name."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from pathlib import Path

from telegram import Bot

from bot.services.tickets import ArchivedFile, EvidenceFile

_EXTENSIONS = {"photo": ".jpg", "video": ".mp4"}


class EvidenceArchive:
    """Downloads files through the Bot API (getFile) into `root/<team>/<ticket>/`.

    Names are generated (a uuid and a safe extension), never taken from the sender, so a file
    name cannot climb out of the archive or overwrite another file.
    """

    def __init__(self, bot: Bot, root: Path) -> None:
        self._bot = bot
        self._root = root

    async def __call__(self, file: EvidenceFile, team_id: int, number: int) -> ArchivedFile:
        directory = self._root / str(team_id) / f"T{number}"
        await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
        suffix = _EXTENSIONS.get(file.type.value) or _safe_suffix(file.file_name)
        path = directory / f"{uuid.uuid4().hex}{suffix}"
        remote = await self._bot.get_file(file.file_id)
        data = bytes(await remote.download_as_bytearray())
        await asyncio.to_thread(path.write_bytes, data)
        return ArchivedFile(str(path), hashlib.sha256(data).hexdigest())


def _safe_suffix(name: str | None) -> str:
    suffix = Path(name or "").suffix.lower()
    return suffix if suffix[1:].isalnum() and len(suffix) <= 8 else ".bin"


async def download(bot: Bot, file_id: str) -> bytes:
    """A file's bytes by its file_id (getFile, then the download): evidence for a platform."""
    remote = await bot.get_file(file_id)
    return bytes(await remote.download_as_bytearray())
