"""Unguessable, expiring links to our documents (invoices, .ics) for Twilio to fetch.

A ``Document`` whose url is ``media:<relative path>`` names a file under the media
directory. Channels turn it into ``<public url>/media/<token>``: the token carries the
path and an expiry, signed with HMAC-SHA256, so a link cannot be forged, altered, or
used after it expires, and nothing outside the directory can be named.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import mimetypes
import re
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath

from aiohttp import web

from core.clock import Clock

log = logging.getLogger(__name__)
MEDIA_SCHEME = "media:"
ROUTE = "/media/{token}"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
mimetypes.add_type("text/calendar", ".ics")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def media_secret(explicit: str | None, auth_token: str) -> bytes:
    """The signing key: its own setting, or one derived from the Twilio auth token."""
    if explicit:
        return explicit.encode()
    return hmac.new(auth_token.encode(), b"mounasabet media links", hashlib.sha256).digest()


class MediaLinks:
    def __init__(
        self, secret: bytes, root: Path, public_url: str, ttl: timedelta, clock: Clock
    ) -> None:
        if not secret:
            raise ValueError("media links need a secret")
        self.secret, self.root, self.ttl, self.clock = secret, root, ttl, clock
        self.public_url = public_url.rstrip("/")

    def token(self, path: str, *, now: datetime | None = None) -> str:
        clean = _relative(path)
        if clean is None:
            raise ValueError(f"not a path inside the media directory: {path!r}")
        expires = int(((now or self.clock.now()) + self.ttl).timestamp())
        payload = f"{expires}:{clean}".encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def url(self, ref: str) -> str:
        """The public link for ``media:<path>``; other URLs are made absolute."""
        if ref.startswith(MEDIA_SCHEME):
            return f"{self.public_url}/media/{self.token(ref[len(MEDIA_SCHEME) :])}"
        if ref.startswith(("http://", "https://")):
            return ref
        return self.public_url + "/" + ref.lstrip("/")

    def resolve(self, token: str, *, now: datetime | None = None) -> Path | None:
        """The file a token names, if the token is genuine, unexpired and the file exists."""
        head, dot, sig = token.partition(".")
        if not dot or len(token) > 2048:
            return None
        try:
            payload, given = _unb64(head), _unb64(sig)
        except (binascii.Error, ValueError):
            return None
        if not hmac.compare_digest(given, self._sign(payload)):
            return None
        expires, _, path = payload.decode("utf-8", "replace").partition(":")
        current = (now or self.clock.now()).timestamp()
        if not expires.isdigit() or int(expires) < current:
            return None
        clean = _relative(path)
        if clean is None:
            return None
        root = self.root.resolve()
        target = (root / clean).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return None
        return target

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self.secret, payload, hashlib.sha256).digest()

    async def serve(self, request: web.Request) -> web.StreamResponse:
        target = self.resolve(request.match_info["token"])
        if target is None:  # forged, expired and missing look the same from outside
            raise web.HTTPNotFound()
        mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        name = _SAFE_NAME.sub("_", target.name) or "document"
        return web.FileResponse(
            target,
            headers={
                "Content-Type": mime,
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    def routes(self) -> list[web.RouteDef]:
        return [web.get(ROUTE, self.serve)]


def _relative(path: str) -> str | None:
    """A clean relative POSIX path, or None for anything absolute or climbing out."""
    if not path or "\\" in path or "\x00" in path:
        return None
    pure = PurePosixPath(path)
    if pure.is_absolute() or any(part in ("..", "") for part in pure.parts):
        return None
    return pure.as_posix()
