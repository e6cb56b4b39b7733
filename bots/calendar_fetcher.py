"""Fetching a provider's ICS feed safely (the CalendarFetcher port of core/calendar_sync).

The address comes from a user, and our server fetches it: it must not reach our own
machine or private network. So:
- http and https only, no credentials in the address (core/calendar_sync/feed_address.py);
- every address a host name resolves to is checked before connecting, by the resolver the
  connection itself uses (no second lookup an attacker's DNS could answer differently),
  and an address written as an IP is checked as such;
- redirects are followed here, a few at most, each new address checked the same way;
- the whole fetch has a time limit, and the body a size limit, whatever Content-Length says.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.helpers import is_ip_address

from core.calendar_sync.feed_address import Network, address_allowed, allowed_networks, check_hop
from core.calendar_sync.ports import CalendarFeedError
from core.settings import Settings

REDIRECTS = (301, 302, 303, 307, 308)
CHUNK = 64 * 1024
ACCEPT = "text/calendar, text/plain;q=0.5, */*;q=0.1"
USER_AGENT = "Mounasabet-Calendar/1.0"


@dataclass(frozen=True, slots=True)
class FeedLimits:
    seconds: float
    max_bytes: int
    max_redirects: int
    exceptions: tuple[Network, ...] = ()  # networks allowed although private (tests)

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedLimits:
        return cls(
            settings.calendar_fetch_seconds,
            settings.calendar_max_bytes,
            settings.calendar_max_redirects,
            allowed_networks(settings.calendar_allowed_networks),
        )


class CheckedResolver(AbstractResolver):
    """Resolves as usual, then refuses the host if any of its addresses is not allowed."""

    def __init__(self, exceptions: tuple[Network, ...]) -> None:
        self._inner = aiohttp.ThreadedResolver()
        self._exceptions = exceptions

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        # All or nothing: a name that also points inside is refused, not half-trusted.
        if not found or not all(address_allowed(r["host"], self._exceptions) for r in found):
            raise CalendarFeedError("calendar_address_refused", host=host)
        return found

    async def close(self) -> None:
        await self._inner.close()


class AiohttpCalendarFetcher:
    """CalendarFetcher over aiohttp, with the limits above; one session per fetch."""

    def __init__(self, limits: FeedLimits) -> None:
        self.limits = limits

    @classmethod
    def from_settings(cls, settings: Settings) -> AiohttpCalendarFetcher:
        return cls(FeedLimits.from_settings(settings))

    async def fetch(self, url: str) -> bytes:
        try:
            async with asyncio.timeout(self.limits.seconds):
                return await self._fetch(url)
        except TimeoutError as error:
            raise CalendarFeedError(
                "calendar_fetch_timeout", seconds=self.limits.seconds
            ) from error
        except aiohttp.ClientError as error:
            # Refused connections, TLS failures, broken responses: the host's trouble. The
            # error's text may quote the address, whose path is the provider's secret.
            raise CalendarFeedError("calendar_fetch_failed", cause=type(error).__name__) from error

    async def _fetch(self, url: str) -> bytes:
        connector = aiohttp.TCPConnector(resolver=CheckedResolver(self.limits.exceptions))
        headers = {"Accept": ACCEPT, "User-Agent": USER_AGENT}
        async with aiohttp.ClientSession(connector=connector, headers=headers) as http:
            for _ in range(self.limits.max_redirects + 1):
                self._check(url)
                async with http.get(url, allow_redirects=False) as response:
                    if response.status in REDIRECTS and "Location" in response.headers:
                        url = urljoin(url, response.headers["Location"])
                        continue
                    if response.status != 200:
                        raise CalendarFeedError("calendar_http_status", status=response.status)
                    return await self._body(response)
        raise CalendarFeedError("calendar_too_many_redirects", limit=self.limits.max_redirects)

    def _check(self, url: str) -> None:
        """The scheme of every hop; an address written as an IP, which aiohttp connects to
        without asking the resolver (the same test decides)."""
        check_hop(url)
        host = urlsplit(url).hostname or ""
        if is_ip_address(host) and not address_allowed(host, self.limits.exceptions):
            raise CalendarFeedError("calendar_address_refused", host=host)

    async def _body(self, response: aiohttp.ClientResponse) -> bytes:
        limit = self.limits.max_bytes
        if response.content_length is not None and response.content_length > limit:
            raise CalendarFeedError("calendar_too_large", limit_mb=_megabytes(limit))
        body = bytearray()
        async for chunk in response.content.iter_chunked(CHUNK):
            body += chunk
            if len(body) > limit:  # a lying or absent Content-Length stops here
                raise CalendarFeedError("calendar_too_large", limit_mb=_megabytes(limit))
        return bytes(body)


def _megabytes(size: int) -> Any:
    return round(size / 1_000_000, 1)
