"""A photo sent to us on WhatsApp, fetched from Twilio with the account's credentials.

Twilio's ``MediaUrl{N}`` is an address under its REST API that asks for Basic auth (the
account SID and auth token) and usually redirects to a short-lived address on its media
host. The credentials go to the API's address only (the base URL setting, a local fake
in tests), never to where it redirects; at most the size limit is read.
"""

from __future__ import annotations

import logging

import aiohttp
from yarl import URL

from bots.photos import Fetched
from core.catalog.photo_checks import MAX_PHOTO_BYTES
from dialogs.framework.flow import (
    ATTACHMENT_NOT_PHOTO,
    ATTACHMENT_TOO_BIG,
    ATTACHMENT_UNAVAILABLE,
)

log = logging.getLogger(__name__)
FETCH_SECONDS = 20
CHUNK = 65536


class TwilioMediaFetcher:
    def __init__(self, account_sid: str, auth_token: str, api_url: str) -> None:
        self.auth = {"Authorization": aiohttp.encode_basic_auth(account_sid, auth_token)}
        self.api_url = api_url.rstrip("/") + "/"
        self._session: aiohttp.ClientSession | None = None

    async def fetch(self, url: str, content_type: str) -> Fetched:
        """The picture at ``url`` (the first attachment of a message), or why not."""
        if not content_type.startswith("image/"):
            return Fetched(attachment=ATTACHMENT_NOT_PHOTO)
        if not url.startswith(self.api_url):
            log.warning("WhatsApp media outside Twilio's API refused: %s", url[:200])
            return Fetched(attachment=ATTACHMENT_UNAVAILABLE)
        try:
            return await self._download(url)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("could not fetch WhatsApp media %s: %r", url[:200], exc)
            return Fetched(attachment=ATTACHMENT_UNAVAILABLE)

    async def _download(self, url: str) -> Fetched:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=FETCH_SECONDS)
            )
        session = self._session
        async with session.get(url, headers=self.auth, allow_redirects=False) as first:
            if first.status in (301, 302, 303, 307, 308) and "Location" in first.headers:
                target = str(first.url.join(URL(first.headers["Location"])))
                async with session.get(target, allow_redirects=False) as second:
                    return await _read(second)
            return await _read(first)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


async def _read(response: aiohttp.ClientResponse) -> Fetched:
    response.raise_for_status()
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > MAX_PHOTO_BYTES:
            return Fetched(attachment=ATTACHMENT_TOO_BIG)
        chunks.append(chunk)
    return Fetched(photo=b"".join(chunks))
