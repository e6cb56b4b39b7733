"""A few counters in Prometheus' text format for /metrics."""

from __future__ import annotations

from collections import Counter

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware


class Metrics:
    def __init__(self) -> None:
        self.counters: Counter[str] = Counter()

    def inc(self, name: str, by: int = 1) -> None:
        self.counters[name] += by

    def middleware(self) -> Middleware:
        """Counts responses by status code."""

        @web.middleware
        async def count(request: web.Request, handler: Handler) -> web.StreamResponse:
            response = await handler(request)
            self.inc(f'mounasabet_http_responses_total{{status="{response.status}"}}')
            return response

        return count

    async def render(self, _: web.Request) -> web.Response:
        lines = ["# TYPE mounasabet_http_responses_total counter"]
        lines += [f"{name} {value}" for name, value in sorted(self.counters.items())]
        return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")
