"""A fake Twilio REST API on loopback that the ``twilio`` client talks to over real HTTP.

Point a client at it with ``client.api.base_url = fake.base_url``. It answers
``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` like Twilio (form-encoded, Basic
auth, a Message resource with an ``SM…`` sid and status ``queued``, Twilio's error JSON),
keeps WhatsApp's 24-hour rule (a session message outside it fails later with 63016,
as with Twilio), and plays the people: signed inbound messages and signed status
callbacks posted to our webhooks, with the URL Twilio would sign (the public one).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from core.clock import Clock, SystemClock

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-auth-token-0123456789abcdef"
WHATSAPP_FROM = "whatsapp:+14155238886"
API_VERSION = "2010-04-01"
BODY_LIMIT = 1600
WINDOW = timedelta(hours=24)
_PATH = re.compile(r"/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json")
_MEDIA = re.compile(
    r"/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages/MM[0-9a-f]{32}/Media/(ME[0-9a-f]{32})"
)
_CDN = re.compile(r"/cdn/(ME[0-9a-f]{32})")
_TO = re.compile(r"whatsapp:\+[1-9]\d{6,14}")
ERRORS = {
    20003: "Authenticate",
    20429: "Too Many Requests",
    21604: "A 'To' phone number is required.",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    21619: "A text message body or media urls must be specified.",
    21656: "The ContentVariables Parameter is invalid.",
    63007: "Twilio could not find a Channel with the specified From address",
    11751: "Media exceeds messaging provider size limit",
    21620: "Invalid media URL(s)",
    63021: "Channel invalid content error",
    63016: (
        "Failed to send freeform message because you are outside the allowed window. "
        "If you are using WhatsApp, please use a Message Template."
    ),
}


# What WhatsApp carries (Twilio's guidance on WhatsApp media): images JPEG/PNG up to 5 MB,
# audio, video, PDF. A URL without a known suffix is taken as what it claims to be.
WHATSAPP_MEDIA = frozenset(
    {
        "image/jpeg",
        "image/png",
        "application/pdf",
        "audio/ogg",
        "audio/mpeg",
        "video/mp4",
        "application/octet-stream",
    }
)
IMAGE_LIMIT = 5 * 1024 * 1024
_SUFFIXES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".pdf": "application/pdf",
}


def _guess_mime(url: str) -> str:
    path = url.split("?", 1)[0].lower()
    found = next((mime for suffix, mime in _SUFFIXES.items() if path.endswith(suffix)), None)
    return found or "application/octet-stream"


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


def twilio_error(status: int, code: int, message: str | None = None) -> web.Response:
    body = {
        "code": code,
        "message": message or ERRORS.get(code, "Error"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return web.json_response(body, status=status)


@dataclass
class SentMessage:
    """A message our code asked Twilio to send."""

    sid: str
    to: str
    from_: str
    body: str | None
    media_urls: list[str]
    content_sid: str | None
    content_variables: dict[str, str]
    status_callback: str | None
    created: datetime
    status: str = "queued"
    outside_window: bool = False  # a session message Twilio will fail with 63016
    media_error: int | None = None  # media WhatsApp will not carry: the message fails so

    @property
    def phone(self) -> str:
        return self.to.removeprefix("whatsapp:")


@dataclass
class _Failure:
    status: int
    code: int
    message: str | None
    times: int


@dataclass
class Webhooks:
    """Where Twilio's requests go: signed with the public URL, posted to the local one."""

    public_url: str
    local_url: str

    def local(self, url: str) -> str:
        return url.replace(self.public_url.rstrip("/"), self.local_url.rstrip("/"), 1)


@dataclass
class Posted:
    status: int
    text: str
    content_type: str
    params: dict[str, str] = field(default_factory=dict)


class FakeTwilioAPI:
    def __init__(
        self,
        *,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        whatsapp_from: str = WHATSAPP_FROM,
        approved_templates: set[str] | None = None,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        sender_mps: int | None = None,
        latency: float = 0.0,
    ) -> None:
        self.account_sid, self.auth_token, self.whatsapp_from = (
            account_sid,
            auth_token,
            whatsapp_from,
        )
        self.approved_templates = approved_templates if approved_templates is not None else set()
        self.clock: Clock = clock or SystemClock()
        self.validator = RequestValidator(auth_token)
        self.messages: list[SentMessage] = []
        self.requests = 0
        self.webhooks: Webhooks | None = None
        self._failures: list[_Failure] = []
        self._last_inbound: dict[str, datetime] = {}
        # What the web answers for a media URL we give: (Content-Type, size in bytes).
        self.remote_files: dict[str, tuple[str, int]] = {}
        # Media people sent us: sid -> (Content-Type, bytes); and who fetched which address.
        self.inbound_media: dict[str, tuple[str, bytes]] = {}
        self.media_requests: list[tuple[str, str | None]] = []  # (path, Authorization)
        self._host = host
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.base_url = ""
        # Opt-in (benchmarks): the sender's messages per second; one more within a second
        # is refused with 429 / 20429, as Twilio refuses what it will not queue.
        self.sender_mps = sender_mps
        self._recent_sends: deque[float] = deque()
        self.refused_for_rate = 0
        # Opt-in (benchmarks): seconds each message create is held, Twilio's round trip.
        self.latency = latency

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, 0)
        await site.start()
        self.base_url = f"http://{self._host}:{site.port}"
        self._client = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ---- set-up and reading ------------------------------------------------------------------

    def connect(self, *, public_url: str, local_url: str) -> None:
        self.webhooks = Webhooks(public_url.rstrip("/"), local_url.rstrip("/"))

    def fail_next(
        self, status: int, code: int, message: str | None = None, *, times: int = 1
    ) -> None:
        """The next ``times`` sends fail with this HTTP status and Twilio error code."""
        self._failures.append(_Failure(status, code, message, times))

    def sent_to(self, phone: str) -> list[SentMessage]:
        return [m for m in self.messages if m.phone == phone]

    def texts_to(self, phone: str) -> list[str]:
        return [m.body or "" for m in self.sent_to(phone)]

    def message(self, sid: str) -> SentMessage:
        return next(m for m in self.messages if m.sid == sid)

    def session_opened(self, phone: str) -> None:
        """``phone`` wrote to us just now (its 24-hour window opens) without a webhook."""
        self._last_inbound[phone] = self.clock.now()

    def sign(self, url: str, params: dict[str, str]) -> str:
        return str(self.validator.compute_signature(url, params))

    # ---- the REST API ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        if request.method == "GET" and (served := self._media(request)) is not None:
            return served
        match = _PATH.fullmatch(request.path)
        if match is None or request.method != "POST":
            return twilio_error(404, 20404, "The requested resource was not found")
        if not self._authorized(request, match[1]):
            return twilio_error(401, 20003)
        pairs = parse_qsl(await request.text(), keep_blank_values=True)
        form, media = dict(pairs), [v for k, v in pairs if k == "MediaUrl"]
        if self._failures:
            failure = self._failures[0]
            failure.times -= 1
            if failure.times <= 0:
                self._failures.pop(0)
            return twilio_error(failure.status, failure.code, failure.message)
        if self.latency:
            await asyncio.sleep(self.latency)
        if self._over_rate():
            self.refused_for_rate += 1
            return twilio_error(429, 20429)
        return self._create(form, media)

    def _media(self, request: web.Request) -> web.Response | None:
        """A media address of an inbound message: with the account's Basic auth, Twilio
        redirects (307) to a short-lived address on its media host, which asks for none."""
        self.media_requests.append((request.path, request.headers.get("Authorization")))
        found = _MEDIA.fullmatch(request.path)
        if found is not None:
            if not self._authorized(request, found[1]):
                return twilio_error(401, 20003)
            if found[2] not in self.inbound_media:
                return twilio_error(404, 20404, "The requested resource was not found")
            raise web.HTTPTemporaryRedirect(f"{self.base_url}/cdn/{found[2]}")
        cdn = _CDN.fullmatch(request.path)
        if cdn is not None and cdn[1] in self.inbound_media:
            mime, content = self.inbound_media[cdn[1]]
            return web.Response(body=content, content_type=mime)
        return None

    def _over_rate(self) -> bool:
        """One send more than ``sender_mps`` within the last second (a sliding window)."""
        if self.sender_mps is None:
            return False
        now = time.monotonic()
        while self._recent_sends and now - self._recent_sends[0] >= 1.0:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= self.sender_mps:
            return True
        self._recent_sends.append(now)
        return False

    def _authorized(self, request: web.Request, account: str) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return account == self.account_sid and (user, password) == (
            self.account_sid,
            self.auth_token,
        )

    def _create(self, form: dict[str, str], media: list[str]) -> web.Response:
        to, body, content_sid = form.get("To", ""), form.get("Body"), form.get("ContentSid")
        if not _TO.fullmatch(to):
            return twilio_error(400, 21604, f"The 'To' number {to} is not a valid phone number.")
        if form.get("From") != self.whatsapp_from:
            return twilio_error(400, 63007)
        if not body and not media and not content_sid:
            return twilio_error(400, 21619)
        if body and len(body.encode("utf-16-le")) // 2 > BODY_LIMIT:
            return twilio_error(400, 21617)
        if any(not url.startswith(("http://", "https://")) for url in media):
            return twilio_error(400, 21620)
        try:
            variables = json.loads(form.get("ContentVariables") or "{}")
        except ValueError:
            return twilio_error(400, 21656)
        if not isinstance(variables, dict):
            return twilio_error(400, 21656)
        now = self.clock.now()
        last = self._last_inbound.get(to.removeprefix("whatsapp:"))
        in_session = last is not None and now - last < WINDOW
        message = SentMessage(
            sid=new_sid(),
            to=to,
            from_=self.whatsapp_from,
            body=body,
            media_urls=media,
            content_sid=content_sid,
            content_variables={str(k): str(v) for k, v in variables.items()},
            status_callback=form.get("StatusCallback"),
            created=now,
            outside_window=not in_session and content_sid not in self.approved_templates,
            media_error=self._media_error(media),
        )
        self.messages.append(message)
        return web.json_response(self._resource(message), status=201)

    def _media_error(self, media: list[str]) -> int | None:
        """Twilio fetches media after accepting the message; WhatsApp then refuses what is
        not an image, audio, video or PDF it takes (an SVG: 63021), or an image past 5 MB."""
        for url in media:
            mime, size = self.remote_files.get(url, (_guess_mime(url), 0))
            if mime not in WHATSAPP_MEDIA:
                return 63021
            if mime.startswith("image/") and size > IMAGE_LIMIT:
                return 11751
        return None

    def _resource(self, m: SentMessage) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{m.sid}"
        stamp = format_datetime(m.created, usegmt=True)
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": m.body or "",
            "date_created": stamp,
            "date_sent": None,
            "date_updated": stamp,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": m.from_,
            "messaging_service_sid": None,
            "num_media": str(len(m.media_urls)),
            "num_segments": "1",
            "price": None,
            "price_unit": None,
            "sid": m.sid,
            "status": m.status,
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": m.to,
            "uri": f"{uri}.json",
        }

    # ---- Twilio calling us -------------------------------------------------------------------

    async def user_sends(
        self,
        phone: str,
        body: str = "",
        *,
        button: tuple[str, str] | None = None,
        list_item: tuple[str, str] | None = None,
        profile_name: str = "",
        media: list[tuple[str, str]] | None = None,
        sid: str | None = None,
        signature: str | None = None,
        path: str = "/webhooks/twilio/whatsapp",
    ) -> Posted:
        """A person writes from ``phone`` (E.164); ``button``/``list_item`` = (title, id)."""
        params = {
            "SmsMessageSid": sid or new_sid(),
            "NumMedia": str(len(media or [])),
            "ProfileName": profile_name,
            "MessageType": "text",
            "SmsSid": "",
            "WaId": phone.lstrip("+"),
            "SmsStatus": "received",
            "Body": body,
            "To": self.whatsapp_from,
            "NumSegments": "1",
            "ReferralNumMedia": "0",
            "MessageSid": "",
            "AccountSid": self.account_sid,
            "From": f"whatsapp:{phone}",
            "ApiVersion": API_VERSION,
        }
        params["SmsSid"] = params["MessageSid"] = params["SmsMessageSid"]
        if button is not None:
            params |= {"MessageType": "button", "Body": button[0]}
            params |= {"ButtonText": button[0], "ButtonPayload": button[1]}
        if list_item is not None:
            params |= {"MessageType": "interactive", "Body": list_item[0]}
            params |= {"ListTitle": list_item[0], "ListId": list_item[1]}
        for i, (url, mime) in enumerate(media or []):
            params |= {f"MediaUrl{i}": url, f"MediaContentType{i}": mime}
        self._last_inbound[phone] = self.clock.now()
        return await self.post(path, params, signature=signature)

    async def user_sends_photo(
        self, phone: str, content: bytes, mime: str = "image/jpeg", body: str = "", **kw: Any
    ) -> Posted:
        """A person sends a picture (or any file ``mime`` says): Twilio keeps it under the
        message's Media and gives its address in ``MediaUrl0``."""
        message_sid, media_sid = new_sid("MM"), new_sid("ME")
        self.inbound_media[media_sid] = (mime, content)
        url = (
            f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/Messages/"
            f"{message_sid}/Media/{media_sid}"
        )
        return await self.user_sends(phone, body, media=[(url, mime)], sid=message_sid, **kw)

    async def send_status(
        self, sid: str, status: str, *, error_code: int | None = None, signature: str | None = None
    ) -> Posted:
        """Twilio reports on a message (any sid: unknown ones included)."""
        known = next((m for m in self.messages if m.sid == sid), None)
        to = known.to if known else "whatsapp:+212600000000"
        params = {
            "ChannelPrefix": "whatsapp",
            "ApiVersion": API_VERSION,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "ChannelInstallSid": "XE" + "0" * 32,
            "To": to,
            "From": self.whatsapp_from,
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "ChannelToAddress": to.removeprefix("whatsapp:")[:-4] + "XXXX",
        }
        if error_code is not None:
            params |= {"ErrorCode": str(error_code), "ErrorMessage": ERRORS.get(error_code, "")}
        if known is not None:
            known.status = status
        path = "/webhooks/twilio/status"
        if known is not None and known.status_callback and self.webhooks is not None:
            path = known.status_callback.removeprefix(self.webhooks.public_url)
        return await self.post(path, params, signature=signature)

    async def report(self, message: SentMessage) -> list[Posted]:
        """What Twilio would say next about a message: sent and delivered, or 63016."""
        if message.outside_window:
            return [await self.send_status(message.sid, "failed", error_code=63016)]
        if message.media_error is not None:
            return [await self.send_status(message.sid, "failed", error_code=message.media_error)]
        return [
            await self.send_status(message.sid, "sent"),
            await self.send_status(message.sid, "delivered"),
        ]

    async def post(
        self, path: str, params: dict[str, str], *, signature: str | None = None
    ) -> Posted:
        """POST a form to our app as Twilio does; ``signature=""`` sends none."""
        assert self.webhooks is not None and self._client is not None, "connect() and start()"
        headers = {}
        if signature != "":
            signed = self.sign(self.webhooks.public_url + path, params)
            headers["X-Twilio-Signature"] = signature or signed
        url = self.webhooks.local_url + path
        async with self._client.post(url, data=params, headers=headers) as resp:
            return Posted(resp.status, await resp.text(), resp.content_type, params)
