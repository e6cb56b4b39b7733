"""Where providers' photos are kept: a port, and a local directory that implements it.

Photos are named by their content (``p<provider>-<hash>.jpg``), so storing one twice (a
chat update delivered again) writes the same file, and a name can never be guessed into
another provider's. An object store would implement the same two methods.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path
from typing import Protocol

PHOTO_ROUTE = "/photos"
THUMB_SUFFIX = "-thumb.jpg"
# Only names we make are ever read back: the route serves nothing else.
STORED_NAME = re.compile(r"p\d{1,19}-[0-9a-f]{32}(-thumb)?\.jpg")


class PhotoStore(Protocol):
    """Port: keeps a photo and its thumbnail and gives the address to show them at."""

    async def save(self, name: str, photo: bytes, thumbnail: bytes) -> str: ...

    def path(self, name: str) -> Path | None: ...


def photo_name(provider_id: int, photo: bytes) -> str:
    return f"p{provider_id}-{hashlib.sha256(photo).hexdigest()[:32]}.jpg"


def thumbnail_url(url: str) -> str:
    """The thumbnail of a stored photo's URL; other URLs (demo files) are their own."""
    name = url.rsplit("/", 1)[-1]
    if url.startswith(PHOTO_ROUTE + "/") and STORED_NAME.fullmatch(name):
        return url.removesuffix(".jpg") + THUMB_SUFFIX
    return url


class LocalPhotoStore:
    """Photos as files in one directory, served at ``/photos/<name>``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    async def save(self, name: str, photo: bytes, thumbnail: bytes) -> str:
        if not STORED_NAME.fullmatch(name) or name.endswith(THUMB_SUFFIX):
            raise ValueError(f"not a photo name: {name!r}")
        thumb = name.removesuffix(".jpg") + THUMB_SUFFIX
        await asyncio.to_thread(self._write, {name: photo, thumb: thumbnail})
        return f"{PHOTO_ROUTE}/{name}"

    def _write(self, files: dict[str, bytes]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            partial = self.root / f".{name}.part"
            partial.write_bytes(data)
            partial.replace(self.root / name)  # whole or not at all, never half a file

    def path(self, name: str) -> Path | None:
        """The file for a stored name, or None for any other name or a missing file."""
        if not STORED_NAME.fullmatch(name):
            return None
        found = self.root / name
        return found if found.is_file() else None
