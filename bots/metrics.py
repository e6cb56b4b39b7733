"""/metrics in Prometheus' text format, from the official prometheus-client library.

Responses are counted where aiohttp writes them (its access-logger hook), not in a
middleware: that one place also sees the answers no handler produced — 404 and 405 from
the router, 500 for an exception that escaped a handler, 400 for a request aiohttp could
not parse — which is where the errors worth watching are.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest


class Metrics:
    def __init__(self) -> None:
        # A registry per app, not the library's global one: tests build many apps.
        self.registry = CollectorRegistry()
        self.responses = Counter(
            "mounasabet_http_responses",
            "HTTP responses sent, by status code (errors and refusals included).",
            ["status"],
            registry=self.registry,
        )

    def access_log_class(self) -> type[AbstractAccessLogger]:
        """For aiohttp's runner (``access_log_class=``): counts every response written."""
        responses = self.responses

        class CountingAccessLog(AbstractAccessLogger):
            def log(self, request: BaseRequest, response: web.StreamResponse, time: float) -> None:
                responses.labels(status=str(response.status)).inc()

        return CountingAccessLog

    async def render(self, _: web.Request) -> web.Response:
        body = generate_latest(self.registry)
        # CONTENT_TYPE_LATEST carries parameters aiohttp wants given apart.
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
