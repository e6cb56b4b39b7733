"""Twilio's webhooks: the signature first, then the message or the delivery status.

``X-Twilio-Signature`` is checked with twilio's RequestValidator against the URL Twilio
was given (our public URL, not the one a reverse proxy hands us) and the form exactly as
it arrived, new parameters included. A missing or wrong signature gets 403 and nothing
is read further; a body that is not a UTF-8 form gets 400 before that.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

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
from core.tracing import set_trace
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


def decode_form(body: bytes, charset: str | None) -> Form | None:
    """The url-encoded form as aiohttp would read it, or None when it is not UTF-8 text
    (Twilio sends nothing else; aiohttp itself would raise on it, a 500)."""
    if (charset or "utf-8").lower() != "utf-8":
        return None
    try:
        text = body.rstrip().decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:  # raw or percent-encoded bytes that are not UTF-8
        return None
    return MultiDictProxy(MultiDict(pairs))


async def signed_form(request: web.Request, signature: TwilioSignature) -> Form | web.Response:
    """The form if Twilio signed it and it can be stored; else the answer to give
    (400 for what cannot be read, 403 for a missing or wrong signature)."""
    if request.content_type != "application/x-www-form-urlencoded":
        return web.Response(status=403, text="forbidden")
    form = decode_form(await request.read(), request.charset)
    if form is None:
        return web.Response(status=400, text="not a UTF-8 form")
    if not signature.valid(request, form):
        return web.Response(status=403, text="forbidden")
    # Signed yet unusable: PostgreSQL refuses NUL in text, and Twilio never sends one.
    if any("\x00" in key or "\x00" in value for key, value in form.items()):
        return web.Response(status=400, text="NUL in a parameter")
    return form


def twiml() -> web.Response:
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


def inbound_handler(signature: TwilioSignature, channel: WhatsAppChannel) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        form = await signed_form(request, signature)
        if isinstance(form, web.Response):
            return form
        set_trace(f"wa-{form.get('MessageSid', '')}")  # the log lines' id from here on
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
        if isinstance(form, web.Response):
            return form
        await record_status(uows, clock, form)
        return twiml()

    return handle
