"""Twilio's webhooks: the signature first, then the message or the delivery status.

``X-Twilio-Signature`` is checked with twilio's RequestValidator against the URL Twilio
was given (our public URL, not the one a reverse proxy hands us) and the form exactly as
it arrived, new parameters included. A missing or wrong signature gets 403 and nothing
is read further.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from multidict import MultiDict, MultiDictProxy
from twilio.request_validator import (  # type: ignore[import-untyped]
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from bots.whatsapp.channel import WhatsAppChannel, parse_inbound
from bots.whatsapp.delivery import record_status
from core.clock import Clock
from core.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)
INBOUND_PATH = "/webhooks/twilio/whatsapp"
STATUS_PATH = "/webhooks/twilio/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
Form = MultiDictProxy[str]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class TwilioSignature:
    def __init__(self, auth_token: str, public_url: str) -> None:
        self.validator = RequestValidator(auth_token)
        self.public_url = public_url.rstrip("/")

    def url(self, request: web.Request) -> str:
        """The URL Twilio signed: ours as the world sees it, path and query as sent."""
        return self.public_url + request.raw_path

    def valid(self, request: web.Request, form: Form) -> bool:
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return False
        algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
        return bool(self.validator.validate(self.url(request), form, signature, algorithm))


async def signed_form(request: web.Request, signature: TwilioSignature) -> Form | None:
    """The form if Twilio signed it; None otherwise (and the caller answers 403)."""
    if request.content_type != "application/x-www-form-urlencoded":
        return None
    raw = await request.post()
    form: Form = MultiDictProxy(MultiDict((k, v) for k, v in raw.items() if isinstance(v, str)))
    if len(form) != len(raw) or not signature.valid(request, form):
        return None
    return form


def twiml() -> web.Response:
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


def inbound_handler(signature: TwilioSignature, channel: WhatsAppChannel) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        form = await signed_form(request, signature)
        if form is None:
            return web.Response(status=403, text="forbidden")
        message = parse_inbound(form)
        if message is None:
            log.info("Twilio request %s is not a WhatsApp message; ignored", form.get("MessageSid"))
            return twiml()
        # Answers are queued, not sent from here: Twilio gets its reply in milliseconds.
        await channel.receive(message)
        return twiml()

    return handle


def status_handler(signature: TwilioSignature, uows: UnitOfWorkFactory, clock: Clock) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        form = await signed_form(request, signature)
        if form is None:
            return web.Response(status=403, text="forbidden")
        await record_status(uows, clock, form)
        return twiml()

    return handle
