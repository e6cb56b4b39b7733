"""Files people send to a bot, in the fake Bot API: photos and documents in their
messages, `getFile`, and the download at ``{base}/file/bot<token>/<file_path>``.

As with Telegram, a picture sent as a photo arrives re-encoded as JPEG in a few sizes
(longest side 90, 320, 800 and 1280 pixels, never larger than the original), smallest
first; sent as a file, it is a document with the bytes as they were. `getFile` gives a
``file_path`` for files of at most 20 MB ("file is too big" beyond).
"""

from __future__ import annotations

import io
import re

from aiohttp import web
from PIL import Image

from tests.fakes.telegram_objects import JSON, FilePart, bad_request
from tests.fakes.telegram_state import ChatStore, FakeBot, _File

FILE_ROUTE = re.compile(r"/file/bot([^/]+)/(.+)")
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # what getFile lets a bot download
PHOTO_SIDES = (90, 320, 800, 1280)


def photo_sizes(content: bytes) -> list[tuple[bytes, int, int]]:
    """(jpeg, width, height) of each size Telegram would make of ``content``."""
    with Image.open(io.BytesIO(content)) as opened:
        image = opened.convert("RGB")
    sizes = []
    for side in PHOTO_SIDES:
        copy = image.copy()
        copy.thumbnail((side, side))
        out = io.BytesIO()
        copy.save(out, "JPEG", quality=87)
        sizes.append((out.getvalue(), *copy.size))
        if max(image.size) <= side:
            break
    return sizes


class UserFiles(ChatStore):
    """The files side of the fake; FakeTelegramAPI mixes it in."""

    _file_paths: dict[str, str]  # file_path -> file_id

    def _user_file(self, kind: str, filename: str, mime: str, content: bytes) -> _File:
        f = self._new_file(kind, filename, mime, FilePart(filename, content, mime))
        self._files[f.file_id] = f
        return f

    def _photo_json(self, content: bytes) -> list[JSON]:
        sizes = []
        for jpeg, width, height in photo_sizes(content):
            f = self._user_file("photo", "photo.jpg", "image/jpeg", jpeg)
            sizes.append(
                {
                    "file_id": f.file_id,
                    "file_unique_id": f.unique_id,
                    "file_size": f.size,
                    "width": width,
                    "height": height,
                }
            )
        return sizes

    def _document_json(self, content: bytes, filename: str, mime: str) -> JSON:
        f = self._user_file("document", filename, mime, content)
        return {
            "file_id": f.file_id,
            "file_unique_id": f.unique_id,
            "file_name": filename,
            "mime_type": mime,
            "file_size": f.size,
        }

    async def _get_file(self, bot: FakeBot, p: JSON) -> JSON:
        f = self._files.get(str(p.get("file_id", "")))
        if f is None or f.part is None:
            raise bad_request("invalid file_id")
        if f.size > DOWNLOAD_LIMIT:
            raise bad_request("file is too big")
        folder = "photos" if f.kind == "photo" else "documents"
        suffix = "." + f.filename.rsplit(".", 1)[-1] if "." in f.filename else ""
        path = f"{folder}/file_{f.unique_id.lstrip('u')}{suffix}"
        self._file_paths[path] = f.file_id
        return {
            "file_id": f.file_id,
            "file_unique_id": f.unique_id,
            "file_size": f.size,
            "file_path": path,
        }

    def _download(self, path: str) -> web.Response:
        f = self._files.get(self._file_paths.get(path, ""))
        if f is None or f.part is None:
            body = {"ok": False, "error_code": 404, "description": "Not Found"}
            return web.json_response(body, status=404)
        return web.Response(body=f.part.content, content_type="application/octet-stream")
