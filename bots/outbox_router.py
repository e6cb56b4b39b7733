"""Delivers outbox messages on the channel that reaches each recipient."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import bindparam, select

from bots.observed import sent_via
from bots.whatsapp.reach import unopened_chat
from core.db.engine import read_only
from core.db.tables import ChannelIdentity
from core.notifications.outbox import DeliveryOutcome, DeliveryResult, Envelope, MessageSender
from core.payments.links import PaymentLinks
from core.payments.ports import GATEWAY_CHANNEL
from core.uow import UnitOfWork, UnitOfWorkFactory
from dialogs.framework.replies import Reply
from dialogs.notifications.payment_news import link_kind
from dialogs.notifications.render import render_notification
from dialogs.notifications.said_again import said_again

log = logging.getLogger(__name__)

# A channel sender gets the identity's external id and the rendered replies.
ChannelSend = Callable[[ChannelIdentity, list[Reply]], Awaitable[DeliveryResult]]
# Which identities can carry a message for each audience, in order of preference.
AUDIENCE_CHANNELS = {
    "provider": ("telegram_provider", "whatsapp", "sandbox"),
    "client": ("telegram_client", "whatsapp", "sandbox"),
}


# Built once: the worker asks it for every message (building it cost more than running it).
_REACHABLE = select(ChannelIdentity).where(
    ChannelIdentity.user_id == bindparam("user"),
    ChannelIdentity.channel.in_(bindparam("channels", expanding=True)),
    ChannelIdentity.unreachable.is_(False),
)


class ChannelRouter:
    """The MessageSender of the outbox worker: pick a channel, render, send."""

    def __init__(
        self,
        uows: UnitOfWorkFactory,
        senders: dict[str, ChannelSend],
        *,
        email: MessageSender | None = None,
        gateway: MessageSender | None = None,
        links: PaymentLinks | None = None,
    ) -> None:
        self.uows, self.senders, self.email, self.gateway = uows, senders, email, gateway
        self.links = links  # None: payments are off, news carries no link

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        if envelope.channel == GATEWAY_CHANNEL:  # a call to the payment gateway, no chat
            if self.gateway is None:
                return DeliveryResult(DeliveryOutcome.SWITCHED_OFF, error="payments are off")
            return await self.gateway.deliver(envelope)
        if envelope.channel == "email":  # an address, not a chat: no identity to look up
            if self.email is None:
                return DeliveryResult(DeliveryOutcome.SWITCHED_OFF, error="email is not configured")
            return await self.email.deliver(envelope)
        async with self.uows() as uow:
            # Wording a notice only reads (the unit of work ends without a commit): on
            # SQLite it takes no write lock, so the chats' writes don't queue behind it.
            await read_only(uow.session)
            identity = await self._identity(uow, envelope)
        if identity is None:
            # Nobody to reach yet (e.g. a provider who never opened the bot): wait for them.
            # Worded only once there is someone to read it: a held notice costs one read per
            # look, not the five or six of its wording, and news gone stale meanwhile is
            # found so when it is released.
            return DeliveryResult(DeliveryOutcome.HOLD, error="no reachable identity")
        payment_kind = link_kind(envelope)
        if payment_kind is not None and self.links is not None:
            # The news carries a payment link: made now that someone will read it, in a
            # transaction of its own that commits before the wording reads it.
            await self.links.ensure(envelope.payload.get("booking_id"), payment_kind)
        async with self.uows() as uow:
            await read_only(uow.session)
            replies = said_again(envelope, await render_notification(uow, envelope))
        if not replies:
            return DeliveryResult(DeliveryOutcome.GIVE_UP, error="nothing to say any more")
        # Senders may need to know what they carry (WhatsApp picks a template by kind).
        for reply in replies:
            reply.meta["outbox"] = {
                "id": envelope.id,
                "kind": envelope.kind,
                "audience": envelope.payload.get("audience"),
                "booking_id": envelope.payload.get("booking_id"),
                # The message a kept reply replaces: sent again, it edits it once more.
                "edit_message_id": envelope.payload.get("edit_message_id"),
                "session_only": bool(envelope.payload.get("session_only")),
                "keeps_screen": bool(envelope.payload.get("keeps_screen")),
            }
        sent_via(identity.channel)  # for the attempt's log line and count (bots/observed.py)
        return await self.senders[identity.channel](identity, replies)

    async def _identity(self, uow: UnitOfWork, envelope: Envelope) -> ChannelIdentity | None:
        audience = str(envelope.payload.get("audience", "client"))
        allowed = [c for c in AUDIENCE_CHANNELS.get(audience, ()) if c in self.senders]
        if envelope.channel:
            allowed = [c for c in allowed if c == envelope.channel]
        rows = (
            await uow.session.scalars(_REACHABLE, {"user": envelope.user_id, "channels": allowed})
        ).all()
        if audience == "provider":
            rows = [r for r in rows if r.channel != "sandbox" or r.external_id.startswith("p:")]
        else:
            rows = [r for r in rows if r.channel != "sandbox" or r.external_id.startswith("c:")]
        rows = sorted(rows, key=lambda r: allowed.index(r.channel))
        if not rows:
            # Never written to us anywhere, but a proven WhatsApp number: templates reach it.
            if "whatsapp" not in allowed:
                return None
            return await unopened_chat(uow.session, envelope.user_id)
        # Detach it loaded: the unit of work rolls back on exit, which would expire it.
        uow.session.expunge(rows[0])
        return rows[0]
