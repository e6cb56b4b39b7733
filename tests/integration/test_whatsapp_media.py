"""Signed, expiring document links (``GET /media/{token}``), served over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bots.whatsapp.media import MediaLinks, media_secret
from core.clock import FixedClock

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def media_root(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    (root / "invites").mkdir(parents=True)
    (root / "invites" / "MSB-42.ics").write_bytes(ICS)
    (tmp_path / "secret.txt").write_text("not yours")
    return root


@pytest.fixture
async def served(media_root: Path, clock: FixedClock) -> AsyncIterator[tuple[MediaLinks, str]]:
    links = MediaLinks(
        media_secret(None, "auth-token"), media_root, "https://x.example", timedelta(hours=1), clock
    )
    app = web.Application()
    app.add_routes(links.routes())
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield links, f"http://127.0.0.1:{site.port}"
    finally:
        await runner.cleanup()


async def get(url: str) -> tuple[int, bytes, str, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        return (
            resp.status,
            await resp.read(),
            resp.content_type,
            resp.headers.get("Cache-Control", ""),
        )


async def test_a_signed_link_serves_the_document(served: tuple[MediaLinks, str]) -> None:
    links, base = served
    url = links.url("media:invites/MSB-42.ics")
    assert url.startswith("https://x.example/media/")
    status, body, mime, cache = await get(base + url.removeprefix("https://x.example"))
    assert (status, body, mime) == (200, ICS, "text/calendar")
    assert "no-store" in cache


async def test_an_expired_link_is_refused(
    served: tuple[MediaLinks, str], clock: FixedClock
) -> None:
    links, base = served
    token = links.token("invites/MSB-42.ics")
    clock.advance(timedelta(hours=1, seconds=1))
    assert (await get(f"{base}/media/{token}"))[0] == 404


async def test_a_tampered_or_foreign_token_is_refused(served: tuple[MediaLinks, str]) -> None:
    links, base = served
    token = links.token("invites/MSB-42.ics")
    head, _, sig = token.partition(".")
    forged = links.token("invites/MSB-42.ics").replace(head, head[:-2] + "AA")
    other = MediaLinks(b"another key", links.root, "https://x.example", links.ttl, links.clock)
    for bad in (forged, head + "." + sig[::-1], other.token("invites/MSB-42.ics"), "x", "a.b"):
        assert (await get(f"{base}/media/{bad}"))[0] == 404, bad


def test_paths_outside_the_directory_cannot_be_signed_or_served(media_root: Path) -> None:
    links = MediaLinks(b"k", media_root, "https://x.example", timedelta(hours=1), FixedClock(NOW))
    for path in ("../secret.txt", "/etc/passwd", "invites/../../secret.txt", ""):
        with pytest.raises(ValueError):
            links.token(path)
    assert links.resolve(links.token("invites/missing.pdf")) is None
    (media_root / "invites" / "escape").symlink_to(media_root.parent / "secret.txt")
    assert links.resolve(links.token("invites/escape")) is None


def test_tokens_are_unguessable_per_secret() -> None:
    assert media_secret(None, "a") != media_secret(None, "b")
    assert media_secret("explicit", "a") == b"explicit"
