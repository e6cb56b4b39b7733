"""POST /webhooks/stripe: check the signature on the raw bytes, then process the event once."""

from __future__ import annotations

import json
import logging

import stripe
from aiohttp import web

from core.payments.ports import GatewayEvent
from payments.processing import EventProcessor

log = logging.getLogger(__name__)
TOLERANCE = 300  # seconds: an older signature is a replay
MAX_BODY = 512 * 1024


class StripeWebhook:
    def __init__(self, secret: str | None, processor: EventProcessor) -> None:
        self.secret, self.processor = secret, processor

    async def handle(self, request: web.Request) -> web.Response:
        if not self.secret:
            return web.json_response({"error": "stripe webhooks are not configured"}, status=503)
        if request.content_length and request.content_length > MAX_BODY:
            return web.json_response({"error": "too large"}, status=413)
        raw = await request.read()
        header = request.headers.get("Stripe-Signature")
        try:
            stripe.Webhook.construct_event(raw, header, self.secret, tolerance=TOLERANCE)
            event = GatewayEvent.from_json(json.loads(raw), source="stripe")
        except (ValueError, KeyError, TypeError, stripe.SignatureVerificationError):
            # Nothing read, nothing changed: Stripe shows the 400 in its dashboard.
            log.warning("stripe webhook refused: bad signature or payload")
            return web.json_response({"error": "invalid signature"}, status=400)
        try:
            result = await self.processor.process(event)
        except Exception:  # a 500 makes Stripe retry; the event was not claimed
            log.exception("stripe event %s (%s) failed", event.id, event.type)
            return web.json_response({"error": "processing failed"}, status=500)
        return web.json_response({"received": True, "duplicate": result.duplicate})

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/webhooks/stripe", self.handle)]
