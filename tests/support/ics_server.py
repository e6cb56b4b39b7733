"""A calendar host on loopback for the import tests: serves ICS bodies a test can change,
redirects, oversized and slow answers, and counts what it was asked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

CHUNK = b"X" * 65536


@dataclass
class IcsServer:
    url: str = ""
    bodies: dict[str, bytes] = field(default_factory=dict)  # name -> ICS served at /<name>
    hits: list[str] = field(default_factory=list)

    def address(self, path: str) -> str:
        return f"{self.url}/{path.lstrip('/')}"


def _routes(server: IcsServer) -> web.Application:
    async def calendar(request: web.Request) -> web.StreamResponse:
        server.hits.append(request.path)
        name = request.match_info["name"]
        if name not in server.bodies:
            raise web.HTTPNotFound()
        return web.Response(body=server.bodies[name], content_type="text/calendar")

    async def redirect(request: web.Request) -> web.StreamResponse:
        server.hits.append(request.path)
        raise web.HTTPFound(request.query["to"])

    async def streamed(request: web.Request) -> web.StreamResponse:
        """``size`` bytes without a Content-Length (chunked): only counting stops it."""
        server.hits.append(request.path)
        response = web.StreamResponse(headers={"Content-Type": "text/calendar"})
        await response.prepare(request)
        left = int(request.query["size"])
        while left > 0:
            await response.write(CHUNK[: min(left, len(CHUNK))])
            left -= len(CHUNK)
        await response.write_eof()
        return response

    async def slow(request: web.Request) -> web.StreamResponse:
        server.hits.append(request.path)
        await asyncio.sleep(float(request.query.get("seconds", "10")))
        return web.Response(text="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")

    app = web.Application()
    app.add_routes(
        [
            web.get("/redirect", redirect),
            web.get("/streamed", streamed),
            web.get("/slow", slow),
            web.get("/{name}", calendar),
        ]
    )
    return app


@asynccontextmanager
async def ics_server() -> AsyncIterator[IcsServer]:
    server = IcsServer()
    runner = web.AppRunner(_routes(server), access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    server.url = f"http://{host}:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()
