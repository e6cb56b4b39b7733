"""POST /webhooks/stripe: check the signature on the raw bytes, then process the event once.

Everything a sender controls is checked before anything is processed, and anything that
fails answers 400 (as Stripe's own libraries do): a bad or missing signature, a
signature stamped more than the tolerance away from now on either side (stripe-python
only refuses old ones), a body that is not UTF-8, and a signed body that is not an event
object (``null``, ``[]``, nesting deep enough to exhaust a recursive parser).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import stripe
from aiohttp import web
from pydantic import BaseModel, ValidationError

from core.payments.ports import GatewayEvent
from core.tracing import set_trace
from payments.processing import EventProcessor

log = logging.getLogger(__name__)
TOLERANCE = 300  # seconds either way: an older signature is a replay, a newer one forged
MAX_BODY = 512 * 1024


class _EventData(BaseModel):
    object: dict[str, Any]


class _Event(BaseModel):
    """The envelope the handlers read; pydantic's JSON parser bounds the nesting depth."""

    id: str
    type: str
    data: _EventData


def signed_at(header: str) -> int | None:
    """The ``t=`` of a Stripe-Signature header (the first, as stripe-python reads it)."""
    for part in header.split(","):
        key, _, value = part.partition("=")
        if key.strip() == "t":
            return int(value) if value.isascii() and value.isdigit() else None
    return None


def verified_event(
    raw: bytes, header: str | None, secret: str, *, now: float, tolerance: int = TOLERANCE
) -> GatewayEvent | None:
    """The event if Stripe signed this body within the tolerance; None otherwise."""
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        stripe.WebhookSignature.verify_header(body, header, secret, tolerance)
    # TypeError: hmac.compare_digest refuses a non-ASCII signature instead of saying no.
    except (stripe.SignatureVerificationError, TypeError):
        return None
    stamp = signed_at(header or "")
    if stamp is None or stamp > now + tolerance:
        return None
    try:
        event = _Event.model_validate_json(raw)
    except ValidationError:  # signed, yet not an event (a bug or a leaked secret)
        log.warning("stripe webhook refused: signed body is not an event object")
        return None
    return GatewayEvent(event.id, event.type, event.data.object, "stripe")


class StripeWebhook:
    def __init__(
        self,
        secret: str | None,
        processor: EventProcessor,
        *,
        wall_clock: Callable[[], float] = time.time,  # Stripe's clock: real time, as theirs
    ) -> None:
        self.secret, self.processor, self.wall_clock = secret, processor, wall_clock

    async def handle(self, request: web.Request) -> web.Response:
        if not self.secret:
            return web.json_response({"error": "stripe webhooks are not configured"}, status=503)
        if request.content_length and request.content_length > MAX_BODY:
            return web.json_response({"error": "too large"}, status=413)
        raw = await request.read()
        event = verified_event(
            raw, request.headers.get("Stripe-Signature"), self.secret, now=self.wall_clock()
        )
        if event is None:
            # Nothing read, nothing changed: Stripe shows the 400 in its dashboard.
            log.warning("stripe webhook refused: bad signature or payload")
            return web.json_response({"error": "invalid signature or payload"}, status=400)
        set_trace(f"stripe-{event.id}")  # the log lines' id from here on
        try:
            result = await self.processor.process(event)
        except Exception:  # a 500 makes Stripe retry; the event was not claimed
            log.exception("stripe event %s (%s) failed", event.id, event.type)
            return web.json_response({"error": "processing failed"}, status=500)
        return web.json_response({"received": True, "duplicate": result.duplicate})

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/webhooks/stripe", self.handle)]
