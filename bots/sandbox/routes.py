"""The sandbox: a local chat page and its JSON API, driving the real dialogs. No tokens."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from bots.sandbox.hub import SandboxHub
from bots.sandbox.labels import page_labels
from bots.sandbox.photo_upload import PHOTO_BODY_BYTES, PHOTO_PATH, shown_name, uploaded
from core.catalog.photo_checks import MAX_PHOTO_BYTES
from core.catalog.vocabulary import LANGUAGES
from core.clock import Clock
from core.db.tables import ChannelIdentity, Provider, User
from core.db.tables_catalog import ProviderStatus
from core.notifications.outbox import DeliveryOutcome, DeliveryResult, release_held
from core.uow import UnitOfWorkFactory
from dialogs.framework.engine import DialogEngine, Inbound
from dialogs.framework.replies import Reply
from dialogs.framework.reply_language import SWITCH

STATIC = Path(__file__).parent / "static"
CHAT_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
CHANNEL = "sandbox"
MAX_BODY = 20_000
JSON_OBJECT = TypeAdapter(dict[str, Any])


# The provider pane's chats named so belong to nobody yet: a person signing up as a new
# provider (the page makes the name), not acting as an existing one (a slug).
SIGN_UP = "new-"


class Sandbox:
    def __init__(
        self,
        uows: UnitOfWorkFactory,
        client: DialogEngine,
        provider: DialogEngine,
        clock: Clock,
        *,
        proves_phones: bool = False,
    ) -> None:
        self.uows, self.client, self.provider, self.clock = uows, client, provider, clock
        # On a laptop only (Settings.sandbox_is_local): a number shared in a sign-up chat
        # counts as the sender's own, as Telegram's contact button does, so the provider
        # onboarding, which needs a proven phone, can be walked here too. Anywhere else a
        # web page proves nothing and the number is just text (issue 12).
        self.proves_phones = proves_phones
        self.hub = SandboxHub()

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/sandbox", self.page),
            web.get("/sandbox/static/{name}", self.static),
            web.get("/sandbox/api/providers", self.providers),
            web.post("/sandbox/api/send", self.send),
            web.post(PHOTO_PATH, self.photo),
            web.get("/sandbox/api/messages", self.messages),
            web.post("/sandbox/api/language", self.language),
            web.get("/sandbox/api/labels", self.labels),
        ]

    def body_limits(self) -> dict[str, int]:
        """Routes taking a body larger than the app's own cap (bots/http_limits.py)."""
        return {PHOTO_PATH: PHOTO_BODY_BYTES}

    async def page(self, _: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "sandbox.html")

    async def static(self, request: web.Request) -> web.FileResponse:
        name = request.match_info["name"]
        path = STATIC / name
        if not re.fullmatch(r"[a-z0-9_-]+\.(js|css)", name) or not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path)

    async def labels(self, request: web.Request) -> web.Response:
        """The page's labels in the language chosen on it (French for an unknown one), and
        the photo limit the page holds uploads to."""
        labels = page_labels(request.query.get("language", ""))
        return web.json_response({**labels, "max_photo_bytes": MAX_PHOTO_BYTES})

    async def providers(self, _: web.Request) -> web.Response:
        async with self.uows() as uow:
            rows = (
                await uow.session.scalars(
                    select(Provider)
                    .where(Provider.status == ProviderStatus.ACTIVE.value)
                    .order_by(Provider.slug)
                )
            ).all()
            data = [{"slug": p.slug, "name": p.name} for p in rows]
        return web.json_response({"providers": data})

    async def send(self, request: web.Request) -> web.Response:
        body = await _json(request)
        pane, chat = body.get("pane"), str(body.get("chat", ""))
        if pane not in ("client", "provider") or not CHAT_ID.match(chat):
            return _error("pane must be client|provider and chat 1-40 chars of A-Za-z0-9_-")
        text, payload = body.get("text"), body.get("payload")
        contact, after = body.get("contact"), body.get("after", 0)
        if not any(isinstance(v, str) and v for v in (text, payload, contact)):
            return _error("send text, payload or contact")
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            return _error("after must be a non-negative integer")
        key = f"{'c' if pane == 'client' else 'p'}:{chat}"
        signing_up = pane == "provider" and chat.startswith(SIGN_UP)
        if pane == "provider" and not signing_up and not await self._link_provider(chat):
            return _error("unknown provider slug", status=404)
        shown = text if isinstance(text, str) and text else (contact or "")
        if not shown and isinstance(payload, str):
            shown = self._label_of(key, payload)  # a tap shows as the button's label
        if shown:
            self.hub.user_said(key, str(shown)[:MAX_BODY])
        engine = self.client if pane == "client" else self.provider
        proven = None
        if not (isinstance(text, str) and text) and isinstance(contact, str):
            if signing_up and self.proves_phones:
                proven = contact
            else:
                # A web page proves nothing about whose number this is: it is typed, a
                # booking contact at most, never the account's phone (issue 12).
                text = contact
        inbound = Inbound(
            channel=CHANNEL,
            chat_key=key,
            user_external_id=key,
            text=text if isinstance(text, str) else None,
            payload=payload if isinstance(payload, str) else None,
            contact_phone=proven,
            display_name=str(body.get("name", ""))[:100],
            language_code=str(body.get("language", "")) or None,
        )
        return await self._converse(engine, inbound, after)

    async def photo(self, request: web.Request) -> web.Response:
        """The provider pane's photo: the file as the body, its type as Content-Type, the
        chat in the query. The provider bot takes it as a Telegram or WhatsApp photo."""
        chat, after = request.query.get("chat", ""), request.query.get("after", "0")
        if request.query.get("pane") != "provider":
            return _error("photos go to the provider pane only")
        if not CHAT_ID.match(chat) or not after.isdigit():
            return _error("bad chat or after")
        key = f"p:{chat}"
        if not chat.startswith(SIGN_UP) and not await self._link_provider(chat):
            return _error("unknown provider slug", status=404)
        fetched = uploaded(request.content_type, await request.read())
        self.hub.user_said(key, shown_name(request.query.get("name", "")))
        inbound = Inbound(
            channel=CHANNEL,
            chat_key=key,
            user_external_id=key,
            photo=fetched.photo,
            attachment=fetched.attachment,
            language_code=request.query.get("language") or None,
        )
        return await self._converse(self.provider, inbound, int(after))

    async def _converse(self, engine: DialogEngine, inbound: Inbound, after: int) -> web.Response:
        """The bot's answers into the chat's transcript; the transcript since ``after``."""
        for reply in await engine.handle(inbound):
            self.hub.bot_said(inbound.chat_key, reply)
        return web.json_response({"messages": self.hub.since(inbound.chat_key, after)})

    async def messages(self, request: web.Request) -> web.Response:
        pane, chat = request.query.get("pane"), request.query.get("chat", "")
        after = request.query.get("after", "0")
        if pane not in ("client", "provider") or not CHAT_ID.match(chat) or not after.isdigit():
            return _error("bad pane, chat or after")
        key = f"{'c' if pane == 'client' else 'p'}:{chat}"
        return web.json_response({"messages": self.hub.since(key, int(after))})

    async def language(self, request: web.Request) -> web.Response:
        """The page's language selector: the chat's user speaks this language from now on."""
        body = await _json(request)
        pane, chat, code = body.get("pane"), str(body.get("chat", "")), body.get("language")
        if pane not in ("client", "provider") or not CHAT_ID.match(chat) or code not in LANGUAGES:
            return _error("bad pane, chat or language")
        key = f"{'c' if pane == 'client' else 'p'}:{chat}"
        async with self.uows() as uow:
            user_id = await uow.session.scalar(
                select(User.id)
                .join(ChannelIdentity, ChannelIdentity.user_id == User.id)
                .where(ChannelIdentity.channel == CHANNEL, ChannelIdentity.external_id == key)
            )
        if user_id is not None:
            # As the chat's own Language button: the chat also stops answering in the
            # language it was written in (a French client who typed Arabic), and says so.
            engine = self.client if pane == "client" else self.provider
            press = Inbound(
                channel=CHANNEL, chat_key=key, user_external_id=key, payload=f"g|{SWITCH}:{code}"
            )
            for reply in await engine.handle(press):
                self.hub.bot_said(key, reply)
        return web.json_response({"language": code, "applied": user_id is not None})

    def _label_of(self, key: str, payload: str) -> str:
        for message in reversed(self.hub.since(key, 0)):
            for row in message.get("buttons") or ():
                for button in row:
                    if button.get("payload") == payload:
                        return str(button.get("label", ""))
        return ""

    async def _link_provider(self, slug: str) -> bool:
        """The provider pane acts as the provider named by its slug (local use only)."""
        now = self.clock.now()
        async with self.uows() as uow:
            provider = await uow.session.scalar(select(Provider).where(Provider.slug == slug))
            if provider is None:
                return False
            external = f"p:{slug}"
            found = await uow.session.scalar(
                select(ChannelIdentity).where(
                    ChannelIdentity.channel == CHANNEL, ChannelIdentity.external_id == external
                )
            )
            if found is None:
                uow.session.add(
                    ChannelIdentity(
                        user_id=provider.user_id,
                        channel=CHANNEL,
                        external_id=external,
                        last_inbound_at=now,
                        created_at=now,
                    )
                )
            # Every message proves the provider reachable: news held for them goes out now,
            # including news the worker held while this identity was being created.
            await release_held(uow.session, provider.user_id, now=now)
            await uow.commit()
        return True

    async def deliver(self, identity: ChannelIdentity, replies: list[Reply]) -> DeliveryResult:
        """Channel sender for the outbox: notifications land in the chat's transcript."""
        for reply in replies:
            self.hub.bot_said(identity.external_id, reply)
        return DeliveryResult(DeliveryOutcome.SENT, external_id=f"sbx-{identity.external_id}")


async def _json(request: web.Request) -> dict[str, Any]:
    if request.content_length and request.content_length > MAX_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=request.content_length)
    try:  # pydantic's parser bounds the nesting depth (json.loads would recurse until it dies)
        data = JSON_OBJECT.validate_json(await request.read())
    except ValidationError as exc:
        raise web.HTTPBadRequest(text="a JSON object is expected") from exc
    # PostgreSQL refuses NUL in text: a name or message carrying one could never be stored.
    if any(isinstance(v, str) and "\x00" in v for v in data.values()):
        raise web.HTTPBadRequest(text="NUL in a string")
    return data


def _error(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": message}, status=status)
