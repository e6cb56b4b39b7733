"""Outbox delivery on WhatsApp through Twilio's REST API, within the 24-hour rule.

Inside the window (24 h since the person last wrote to us) replies go out as rendered;
outside it only an approved template may, so news with a template goes as that template
and everything else is HELD until the person writes again (the inbound path releases it).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp
from twilio.base.exceptions import (  # type: ignore[import-untyped]
    TwilioRestException,
    TwilioServiceException,
)
from twilio.http import AsyncHttpClient  # type: ignore[import-untyped]
from twilio.http.response import Response  # type: ignore[import-untyped]
from twilio.rest import Client  # type: ignore[import-untyped]

from bots.rate_limit import SendLimiter
from bots.whatsapp.addresses import CHANNEL, address_of
from bots.whatsapp.render import WaMessage, WhatsAppRenderer
from bots.whatsapp.screen import record_shown
from bots.whatsapp.templates import FOLLOWED_IN_SESSION, TemplateBook
from core.clock import Clock
from core.conversations.chat_memory import KnownConversation
from core.db.tables import ChannelIdentity, OutboxMessage
from core.notifications.outbox import DeliveryOutcome, DeliveryResult, OutboxStatus, enqueue
from core.support.tickets import raise_flag
from core.uow import UnitOfWorkFactory
from dialogs.framework.replies import Reply

log = logging.getLogger(__name__)
WINDOW = timedelta(hours=24)
# Stop a little early: our clock, Twilio's and the queue between us are not one instant.
WINDOW_MARGIN = timedelta(minutes=5)
OUTSIDE_WINDOW = 63016
RETRY_CODES = {20429, 63018}  # too many requests; the WhatsApp sender's rate limit
TWILIO_ERRORS = (TwilioRestException, TwilioServiceException)


class AiohttpTwilioClient(AsyncHttpClient):  # type: ignore[misc]
    """twilio's async HTTP port on one aiohttp session, with a real total timeout."""

    def __init__(self, timeout: float = 15.0) -> None:
        super().__init__(log, True, timeout)
        self._session: aiohttp.ClientSession | None = None

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - twilio's HttpClient signature
        allow_redirects: bool = False,
    ) -> Response:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        pairs = [
            (key, str(item))
            for key, value in (data or {}).items()
            for item in (value if isinstance(value, list) else [value])
        ]
        headers = dict(headers or {})
        if auth:
            headers["Authorization"] = aiohttp.encode_basic_auth(*auth)
        async with self._session.request(
            method,
            url,
            params={k: str(v) for k, v in (params or {}).items()},
            data=urlencode(pairs) if data is not None else None,
            headers=headers,
            allow_redirects=allow_redirects,
            timeout=aiohttp.ClientTimeout(total=timeout or self.timeout),
        ) as resp:
            return Response(resp.status, await resp.text(), dict(resp.headers))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def make_client(account_sid: str, auth_token: str, api_url: str, http: AsyncHttpClient) -> Any:
    client = Client(account_sid, auth_token, http_client=http)
    client.api.base_url = api_url.rstrip("/")  # tests and staging point it elsewhere
    return client


class TwilioWhatsAppSender:
    def __init__(
        self,
        client: Any,
        *,
        from_number: str,
        status_callback: str,
        renderer: WhatsAppRenderer,
        templates: TemplateBook,
        uows: UnitOfWorkFactory,
        clock: Clock,
        limiter: SendLimiter | None = None,
    ) -> None:
        self.client, self.from_ = client, address_of(from_number)
        self.status_callback = status_callback
        self.renderer, self.templates, self.uows, self.clock = renderer, templates, uows, clock
        # Twilio does not promise order between messages sent at once: space one chat's out.
        self.limiter = limiter or SendLimiter(per_chat_interval=0.5, per_bot_per_second=80)
        # Told the screen recorded for a chat (phone, audience, conversation as saved) when
        # this process also answers WhatsApp (`serve`): build_whatsapp sets it.
        self.on_shown: Callable[[str, str, KnownConversation], None] | None = None

    async def deliver(self, identity: ChannelIdentity, replies: list[Reply]) -> DeliveryResult:
        now = self.clock.now()
        news = _news(replies)
        session = in_window(identity.last_inbound_at, now)
        try:
            if session:
                messages = [m for reply in replies for m in self.renderer.render(reply)]
            else:
                template = await self._template(news, replies)
                if template is None:
                    return DeliveryResult(
                        DeliveryOutcome.HOLD, error="outside the 24-hour window, no template"
                    )
                messages = [template]
            sids = [sid for m in messages if (sid := await self._part(identity.external_id, m))]
        except TWILIO_ERRORS as exc:
            return await self._refused(identity, exc)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return DeliveryResult(DeliveryOutcome.RETRY, error=f"network: {exc!r}"[:300])
        if not session and news.get("kind") in FOLLOWED_IN_SESSION:
            await self._follow_in_session(news)
        if news.get("audience"):
            # The screen now ends with what went out: a template carries no numbered options.
            saved = await record_shown(
                self.uows,
                identity.external_id,
                str(news["audience"]),
                replies if session else [Reply("")],
                # An apology answers nothing: the screen before it keeps the numbers.
                answer=session
                and news.get("kind") == "direct_reply"
                and not news.get("keeps_screen"),
                now=now,
            )
            if saved is not None and self.on_shown is not None:
                self.on_shown(identity.external_id, str(news["audience"]), saved)
        return DeliveryResult(DeliveryOutcome.SENT, external_id=sids[-1] if sids else None)

    async def _part(self, phone: str, message: WaMessage) -> str | None:
        """Send one part; a photo or file Twilio refuses is left out, the text still goes."""
        if message.body or message.content_sid or not message.media_url:
            return await self._send(phone, message)
        try:
            return await self._send(phone, message)
        except TWILIO_ERRORS as exc:
            if not _refuses_media(exc):
                raise
            log.warning("Twilio refused media %s: %s", message.media_url, exc)
            return None

    async def _send(self, phone: str, message: WaMessage) -> str:
        params: dict[str, Any] = {
            "from_": self.from_,
            "to": address_of(phone),
            "status_callback": self.status_callback,
        }
        if message.content_sid:
            params["content_sid"] = message.content_sid
            params["content_variables"] = json.dumps(
                message.content_variables or {}, ensure_ascii=False
            )
        else:
            if message.body:
                params["body"] = message.body
            if message.media_url:
                params["media_url"] = [message.media_url]
        async with self.limiter.turn(int(phone.lstrip("+"))):
            sent = await self.client.messages.create_async(**params)
        return str(sent.sid)

    async def _template(self, news: dict[str, Any], replies: list[Reply]) -> WaMessage | None:
        kind, outbox_id = news.get("kind"), news.get("id")
        if kind in (None, "direct_reply") or news.get("session_only"):
            return None  # an answer to a conversation waits for the conversation
        if not isinstance(outbox_id, int):
            return None  # an answer to a conversation waits for the conversation
        locale = str(replies[0].meta.get("locale", "fr"))
        template = self.templates.find(str(kind), news.get("audience"), locale)
        if template is None:
            return None
        async with self.uows() as uow:
            variables = await self.templates.variables(uow.session, template, outbox_id, locale)
        if variables is None:
            return None
        return WaMessage(content_sid=template.sid, content_variables=variables)

    async def _follow_in_session(self, news: dict[str, Any]) -> None:
        """The template carries what it can; the whole news, link included, waits (held)
        for the person's next message, which releases it (issue 19)."""
        async with self.uows() as uow:
            row = await uow.session.get(OutboxMessage, news.get("id"))
            if row is None:
                return
            copy = enqueue(
                uow.session,
                kind=row.kind,
                user_id=row.user_id,
                channel=CHANNEL,
                now=self.clock.now(),
                payload=dict(row.payload) | {"session_only": True},
            )
            copy.status = OutboxStatus.HELD.value
            await uow.commit()

    async def _refused(self, identity: ChannelIdentity, exc: Exception) -> DeliveryResult:
        status, code = int(getattr(exc, "status", 0) or 0), getattr(exc, "code", None)
        error = f"twilio {status} {code}: {getattr(exc, 'msg', '') or exc}"[:300]
        if code == OUTSIDE_WINDOW:
            return DeliveryResult(DeliveryOutcome.HOLD, error=error)
        if status == 429 or status >= 500 or code in RETRY_CODES:
            return DeliveryResult(DeliveryOutcome.RETRY, error=error)
        log.error("Twilio refused a WhatsApp message to user %s: %s", identity.user_id, error)
        async with self.uows() as uow:
            raise_flag(
                uow,
                kind="whatsapp_send_failed",
                subject_type="user",
                subject_id=identity.user_id,
                now=self.clock.now(),
                details={"status": status, "code": code, "error": error},
            )
            await uow.commit()
        return DeliveryResult(DeliveryOutcome.GIVE_UP, error=error)


def in_window(last_inbound_at: datetime | None, now: datetime) -> bool:
    return last_inbound_at is not None and now - last_inbound_at < WINDOW - WINDOW_MARGIN


def _refuses_media(exc: Exception) -> bool:
    """A 4xx about this message itself, not the window, the rate or Twilio's health."""
    status, code = int(getattr(exc, "status", 0) or 0), getattr(exc, "code", None)
    return 400 <= status < 500 and status != 429 and code not in (OUTSIDE_WINDOW, *RETRY_CODES)


def _news(replies: list[Reply]) -> dict[str, Any]:
    """What the outbox router says the replies carry (kind, audience, row id)."""
    found = replies[0].meta.get("outbox") if replies else None
    return found if isinstance(found, dict) else {}
