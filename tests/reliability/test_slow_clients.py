"""Slow clients: 200 connections that trickle their request heads a byte at a time hold
up nobody, and each is cut off once its read deadline (MOUNASABET_HTTP_READ_SECONDS,
aiohttp's keep-alive timer: bots/http_limits.py) has passed, however steadily it sends.
(Half a head then silence, and trickled bodies: tests/integration/test_http_hardening.py.)
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from core.clock import FixedClock
from tests.reliability.world import fresh_database, world

SLOW = 200
READ_SECONDS = 2.0
HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 200


async def trickle(port: int) -> float:
    """Send HEAD a byte every 50 ms until the server hangs up; how long that took, from
    before connecting: the server's deadline starts when it accepts, which is after that
    and may be well before this task resumes with its connection (200 connect at once on a
    busy machine: a CI run once saw 1.4 s between the two, and "cut off after 0.6 s")."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for byte in HEAD:
            writer.write(bytes([byte]))
            await writer.drain()
            if reader.at_eof():
                break
            try:
                if await asyncio.wait_for(reader.read(1), 0.05) == b"":
                    break
            except TimeoutError:
                continue
        else:
            raise AssertionError("the server waited for a whole trickled head")
    except ConnectionError:
        pass  # the server closed on us mid-write: cut off, as it should be
    finally:
        writer.close()
    return time.monotonic() - started


async def test_two_hundred_trickling_heads_do_not_hold_up_healthz(
    tmp_path: Path, clock: FixedClock, request: pytest.FixtureRequest
) -> None:
    url = await fresh_database("sqlite", request, tmp_path)
    async with world(url, clock, worker=False, http_read_seconds=READ_SECONDS) as w:
        port = int(w.url.rsplit(":", 1)[1])
        slow = [asyncio.ensure_future(trickle(port)) for _ in range(SLOW)]
        await asyncio.sleep(0.3)  # all of them connected and sending
        probes = []
        for _ in range(5):
            started = time.monotonic()
            status, _ = await w.get("/healthz")
            probes.append((status, time.monotonic() - started))
            await asyncio.sleep(0.2)
        held = await asyncio.wait_for(asyncio.gather(*slow), READ_SECONDS + 10)
    assert all(status == 200 for status, _ in probes), probes
    assert max(seconds for _, seconds in probes) < 1.0, probes
    # Each was cut off at its deadline, not when it stopped sending (it never did).
    assert min(held) >= READ_SECONDS - 0.2 and max(held) < READ_SECONDS + 5, (min(held), max(held))
