"""Where inputs arrive and messages leave: their metrics and the id their log lines carry.

``observe_inputs`` is a middleware: each request gets a trace id (core/tracing.py; the
webhooks refine it to the update's own id once they have read it) and, on the routes
that take updates, is counted by channel and outcome and timed. ``ObservedSender`` wraps
the outbox worker's sender: each attempt runs under the trace id of what queued it, is
logged with ids only, and is counted by the channel it went out on.
"""

from __future__ import annotations

import logging
import secrets
import time
from contextvars import ContextVar

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from bots.metrics import ROUTE_KEY, UNMATCHED, Metrics, labelled
from core.notifications.outbox import DeliveryResult, Envelope, MessageSender
from core.tracing import set_trace

log = logging.getLogger(__name__)
# The routes that take updates, and the channel each one counts for.
UPDATE_ROUTES = {
    "/webhooks/telegram/client": "telegram_client",
    "/webhooks/telegram/provider": "telegram_provider",
    "/webhooks/twilio/whatsapp": "whatsapp",
    "/webhooks/twilio/status": "whatsapp_status",
    "/webhooks/stripe": "stripe",
    "/sandbox/api/send": "sandbox",
    "/sandbox/api/photo": "sandbox",
}
REQUEST_ID_HEADER = "X-Request-Id"
# The channel a delivery went out on, set by the channel's sender as it sends.
SENT_VIA: ContextVar[str | None] = ContextVar("mounasabet_sent_via", default=None)


def outcome_of(status: int) -> str:
    if status < 400:
        return "handled"
    if status in (401, 403):
        return "refused"
    return "invalid" if status < 500 else "error"


def request_id(request: web.Request) -> str:
    """The caller's request id when it looks like one (a proxy's), else a new one."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    if 8 <= len(given) <= 64 and given.isascii() and given.replace("-", "").isalnum():
        return given
    return "req-" + secrets.token_hex(6)


def observe_inputs(metrics: Metrics) -> Middleware:
    counted, timed = labelled(metrics.updates), labelled(metrics.update_seconds)

    @web.middleware
    async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
        set_trace(request_id(request))
        resource = request.match_info.route.resource  # None: the router found no route
        request[ROUTE_KEY] = resource.canonical if resource is not None else UNMATCHED
        channel = UPDATE_ROUTES.get(request.path) if request.method == "POST" else None
        if channel is None:
            return await handler(request)
        started, status = time.perf_counter(), 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as answer:
            status = answer.status
            raise
        finally:
            counted(channel, outcome_of(status)).inc()
            timed(channel).observe(time.perf_counter() - started)

    return observe


class ObservedSender:
    """The worker's sender, with each attempt traced, logged (ids only) and counted."""

    def __init__(self, inner: MessageSender, metrics: Metrics | None) -> None:
        self.inner, self.metrics = inner, metrics

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        set_trace(envelope.trace_id)
        SENT_VIA.set(None)
        result = await self.inner.deliver(envelope)
        channel = SENT_VIA.get() or envelope.channel or "none"
        if self.metrics is not None:
            self.metrics.deliveries.labels(channel=channel, outcome=result.outcome.value).inc()
        log.info(
            "outbox %s (%s, user %s, attempt %s) via %s: %s",
            envelope.id,
            envelope.kind,
            envelope.user_id,
            envelope.attempts,
            channel,
            result.outcome.value,
        )
        return result


def sent_via(channel: str) -> None:
    """Called by a channel's sender as it sends: the channel the attempt is counted for."""
    SENT_VIA.set(channel)
