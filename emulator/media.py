"""File storage for the emulator: file ids, file paths, photo sizes and image dimensions."""

from __future__ import annotations

import hashlib
import mimetypes
import struct
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from emulator.errors import bad_request
from emulator.params import UploadedFile

MediaKind = Literal["photo", "video", "document"]

# Telegram's file_id prefixes make ids recognisable in logs; the emulator only mimics their look.
_ID_PREFIX = MappingProxyType(
    {
        "photo": "AgACAgIAAxk",
        "document": "BQACAgIAAxk",
        "video": "BAACAgIAAxk",
    }
)
_FOLDER = MappingProxyType(
    {
        "photo": "photos",
        "document": "documents",
        "video": "videos",
    }
)
# Longest side of each PhotoSize Telegram generates (s, m, x, y, w); the original is capped at w.
_PHOTO_STEPS = (90, 320, 800, 1280, 2560)
DEFAULT_PHOTO_SIZE = (1280, 960)


@dataclass
class StoredFile:
    """One stored blob, addressable by file_id and by file_path."""

    file_id: str
    file_unique_id: str
    kind: str
    file_path: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def file_size(self) -> int:
        return len(self.data)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height read from a PNG, GIF, JPEG or WebP header, None when unknown."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP" and len(data) >= 30:
        if data[12:16] == b"VP8X":
            width = int.from_bytes(data[24:27], "little") + 1
            height = int.from_bytes(data[27:30], "little") + 1
            return width, height
        if data[12:16] == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return int(width) & 0x3FFF, int(height) & 0x3FFF
        return None
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            index += 1
            continue
        marker = data[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            index += 1 if marker == 0xFF else 2
            continue
        (length,) = struct.unpack(">H", data[index + 2 : index + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return int(width), int(height)
        index += 2 + int(length)
    return None


def guess_mime_type(file_name: str | None, declared: str | None) -> str:
    """The declared type unless it is the generic octet-stream, else a guess from the name."""
    if declared and declared != "application/octet-stream":
        return declared
    guessed = mimetypes.guess_type(file_name or "")[0]
    return guessed or declared or "application/octet-stream"


def photo_dimensions(width: int, height: int) -> list[tuple[int, int]]:
    """The sizes Telegram keeps for a photo: thumbnails below the original, largest last."""
    longest = max(width, height, 1)
    sizes: list[tuple[int, int]] = []
    for step in _PHOTO_STEPS:
        if step >= longest:
            break
        scale = step / longest
        sizes.append((max(1, round(width * scale)), max(1, round(height * scale))))
    scale = min(1.0, _PHOTO_STEPS[-1] / longest)
    sizes.append((max(1, round(width * scale)), max(1, round(height * scale))))
    return sizes


class FileStore:
    """In-memory blobs; ids are deterministic per store so tests can compare them."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = 0

    def _new_ids(self, kind: str, data: bytes) -> tuple[str, str, int]:
        self._counter += 1
        digest = hashlib.sha256(data + self._counter.to_bytes(8, "big")).hexdigest()
        file_id = f"{_ID_PREFIX[kind]}{self._counter:06d}{digest[:24]}"
        unique = f"AQAD{self._counter:06d}{digest[24:32]}"
        return file_id, unique, self._counter

    def add(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> StoredFile:
        file_id, unique, number = self._new_ids(kind, data)
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1].lower()
        elif kind == "photo":
            suffix = ".jpg"
        elif mime_type:
            suffix = mimetypes.guess_extension(mime_type) or ""
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique,
            kind=kind,
            file_path=f"{_FOLDER[kind]}/file_{number}{suffix}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self._by_id[file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def add_photo(self, data: bytes) -> list[StoredFile]:
        """Store a photo as Telegram does: several PhotoSize files, the largest last.

        The emulator cannot resize images without an imaging library, so every size serves the
        original bytes; only the advertised width, height and file_size differ.
        """
        width, height = image_size(data) or DEFAULT_PHOTO_SIZE
        sizes = photo_dimensions(width, height)
        stored: list[StoredFile] = []
        for index, (w, h) in enumerate(sizes):
            item = self.add("photo", data, width=w, height=h)
            if index < len(sizes) - 1:
                # Smaller thumbnails advertise a proportionally smaller size like Telegram's do.
                ratio = (w * h) / max(1, width * height)
                item.extra["file_size"] = max(1, int(len(data) * ratio))
            stored.append(item)
        return stored


def photo_size_dict(item: StoredFile) -> dict[str, Any]:
    return {
        "file_id": item.file_id,
        "file_unique_id": item.file_unique_id,
        "file_size": int(item.extra.get("file_size", item.file_size)),
        "width": item.width or 0,
        "height": item.height or 0,
    }


def document_dict(item: StoredFile) -> dict[str, Any]:
    result: dict[str, Any] = {
        "file_id": item.file_id,
        "file_unique_id": item.file_unique_id,
        "file_size": item.file_size,
    }
    if item.file_name:
        result["file_name"] = item.file_name
    if item.mime_type:
        result["mime_type"] = item.mime_type
    return result


def video_dict(item: StoredFile) -> dict[str, Any]:
    result = document_dict(item)
    result["width"] = item.width or 0
    result["height"] = item.height or 0
    result["duration"] = int(item.extra.get("duration", 0))
    return result


def photo_sizes(files: FileStore, source: UploadedFile | StoredFile) -> list[dict[str, Any]]:
    """The PhotoSizes of a new upload (stored now) or of a photo sent before (by file_id)."""
    if isinstance(source, UploadedFile):
        sizes = files.add_photo(source.data)
        ids = [item.file_id for item in sizes]
        for item in sizes:
            item.extra["sizes"] = ids
    else:
        if source.kind != "photo":
            raise bad_request("type of file mismatch")
        ids = list(source.extra.get("sizes", [source.file_id]))
        sizes = [stored for file_id in ids if (stored := files.get(file_id))]
    return [photo_size_dict(item) for item in sizes]


def stored_document(
    files: FileStore,
    source: UploadedFile | StoredFile,
    kind: str,
    *,
    width: int | None = None,
    height: int | None = None,
    duration: int | None = None,
) -> StoredFile:
    """A new upload stored as `kind`, or a file sent before, which must be of that kind."""
    if isinstance(source, StoredFile):
        if source.kind != kind:
            raise bad_request("type of file mismatch")
        return source
    stored = files.add(
        kind,
        source.data,
        file_name=source.filename or None,
        mime_type=guess_mime_type(source.filename, source.content_type),
        width=width,
        height=height,
    )
    if duration is not None:
        stored.extra["duration"] = duration
    return stored


def media_payload(
    files: FileStore,
    kind: MediaKind,
    source: UploadedFile | StoredFile,
    *,
    width: int | None = 640,
    height: int | None = 360,
    duration: int | None = 0,
) -> Any:
    """What a message carries under its `kind` key: PhotoSizes, a Video or a Document."""
    if kind == "photo":
        return photo_sizes(files, source)
    if kind == "video":
        video = stored_document(
            files, source, "video", width=width, height=height, duration=duration
        )
        return video_dict(video)
    return document_dict(stored_document(files, source, "document"))
