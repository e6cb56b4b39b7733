"""The offline gateway's checkout page: ``GET /pay/<session>`` with Pay and Fail buttons.

It stands in for Stripe's hosted page in local runs and demos, in the payer's language,
with amounts written as the chat writes them ("2 250,00 MAD" in French), and the "no money
moves" warning on top: nobody must take this page for a real payment. Its buttons build
the very event objects Stripe's webhooks carry and hand them to the same EventProcessor,
so the offline journey exercises the production path.
"""

from __future__ import annotations

import html
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from sqlalchemy import select

from core.clock import Clock
from core.db.tables import Booking, Payment, User
from core.payments.ports import GatewayEvent
from core.uow import UnitOfWorkFactory
from payments.i18n import N_, Translate, Translations
from payments.offline_gateway import SAVED_CARD
from payments.processing import EventProcessor

PAGE = """<!doctype html><html lang="{lang}" dir="{dir}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>body{{font-family:sans-serif;max-width:32rem;margin:3rem auto;
padding:0 1rem}}button{{font-size:1.1rem;padding:.6rem 1.4rem;margin-right:.8rem}}
.note{{color:#a33;font-weight:bold}}</style></head><body>
<p class="note">{note}</p><h1>{title}</h1>{body}</body></html>"""
KIND_LABELS = {"deposit": N_("Deposit"), "balance": N_("Balance")}
# What a link that can't be paid any more says, by its payment's status.
CLOSED = {
    "paid": N_("This payment has already been made."),
    "refunded": N_("This payment has already been made."),
    "expired": N_("This link has expired. A new one is waiting in the chat."),
    "failed": N_("This payment failed. A new link is waiting in the chat."),
}
CLOSED_OTHERWISE = N_("This link can no longer be used. Ask for a new one in the chat.")


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _page(title: str, body: str, status: int = 200, *, t: Translate) -> web.Response:
    text = PAGE.format(
        title=html.escape(title),
        body=body,
        lang=html.escape(t.locale),
        dir="rtl" if t.rtl else "ltr",
        note=html.escape(t("Demo — no money moves.")),
    )
    return web.Response(text=text, content_type="text/html", status=status)


def stripe_event(kind: str, obj: dict[str, Any], now: datetime) -> GatewayEvent:
    """An event as Stripe would POST it (the envelope fields the handlers read, and more)."""
    data = {
        "id": f"evt_offline_{secrets.token_hex(12)}",
        "object": "event",
        "type": kind,
        "created": int(now.timestamp()),
        "livemode": False,
        "data": {"object": obj},
    }
    return GatewayEvent.from_json(data, source="offline")


def session_object(payment: Payment, booking: Booking, **fields: Any) -> dict[str, Any]:
    meta = {"booking_id": str(booking.id), "kind": payment.kind, "payment_id": str(payment.id)}
    return {
        "id": payment.checkout_session_id,
        "object": "checkout.session",
        "mode": "payment",
        "amount_total": payment.amount_minor,
        "currency": payment.currency.lower(),
        "customer": payment.customer_id,
        "client_reference_id": str(booking.id),
        "metadata": meta,
        "expires_at": int(payment.checkout_expires_at.timestamp())
        if payment.checkout_expires_at
        else None,
        **fields,
    }


def intent_object(payment: Payment, intent_id: str) -> dict[str, Any]:
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": payment.amount_minor,
        "amount_received": payment.amount_minor,
        "currency": payment.currency.lower(),
        "customer": payment.customer_id,
        "payment_method": SAVED_CARD,
        "status": "succeeded",
        "metadata": {"booking_id": str(payment.booking_id), "payment_id": str(payment.id)},
    }


class OfflinePayPage:
    def __init__(
        self,
        uows: UnitOfWorkFactory,
        processor: EventProcessor,
        clock: Clock,
        translations: Translations,
        default_locale: str = "fr",
    ) -> None:
        self.uows, self.processor, self.clock = uows, processor, clock
        self.translations, self.default_locale = translations, default_locale

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/pay/done", self.done),
            web.get("/pay/cancelled", self.cancelled),
            web.get("/pay/{session}", self.show),
            web.post("/pay/{session}", self.act),
        ]

    async def _load(self, session_id: str) -> tuple[Payment, Booking, Translate] | None:
        if not session_id.startswith("cs_offline_") or len(session_id) > 80:  # not ours
            return None
        async with self.uows() as uow:
            payment = await uow.session.scalar(
                select(Payment).where(Payment.checkout_session_id == session_id)
            )
            booking = await uow.session.get(Booking, payment.booking_id) if payment else None
            payer = await uow.session.get(User, booking.client_id) if booking else None
            uow.session.expunge_all()
        if payment is None or booking is None or payment.gateway != "offline":
            return None
        return payment, booking, self.translations(payer.locale if payer else self.default_locale)

    def _not_found(self) -> web.Response:
        t = self.translations(self.default_locale)
        body = _p(t("This payment link does not exist."))
        return _page(t("Payment not found"), body, 404, t=t)

    async def show(self, request: web.Request) -> web.Response:
        found = await self._load(request.match_info["session"])
        if found is None:
            return self._not_found()
        payment, booking, t = found
        what = t(
            "{kind} for booking {ref}",
            kind=t(KIND_LABELS.get(payment.kind, payment.kind)),
            ref=booking.reference,
        )
        amount = html.escape(t.money(payment.amount_minor, payment.currency))
        if payment.status == "pending" and self._expired(payment):
            # What Stripe's expiry webhook would do by now: the chat gets a new link.
            await self._expire(payment, booking)
        if payment.status != "pending" or self._expired(payment):
            state = "expired" if payment.status == "pending" else payment.status
            body = _p(what) + f"<p><strong>{amount}</strong></p>"
            return _page(t("Payment"), body + _p(t(CLOSED.get(state, CLOSED_OTHERWISE))), t=t)
        body = (
            f"{_p(what)}<p><strong>{amount}</strong></p>"
            '<form method="post">'
            f'<button name="action" value="pay">{html.escape(t("Pay"))}</button>'
            f'<button name="action" value="fail">{html.escape(t("Fail (demo)"))}</button>'
            "</form>"
        )
        return _page(t("Pay with Mounasabet (offline)"), body, t=t)

    async def act(self, request: web.Request) -> web.Response:
        found = await self._load(request.match_info["session"])
        if found is None:
            return self._not_found()
        payment, booking, t = found
        action = _action(await request.read(), request.charset)
        now = self.clock.now()
        if payment.status == "pending" and self._expired(payment):
            await self._expire(payment, booking)
            return _page(t("Payment"), _p(t(CLOSED["expired"])), 410, t=t)
        if payment.status != "pending":
            return _page(
                t("Payment"), _p(t(CLOSED.get(payment.status, CLOSED_OTHERWISE))), 409, t=t
            )
        if action == "pay":
            intent = f"pi_offline_{secrets.token_hex(8)}"
            paid = session_object(
                payment, booking, status="complete", payment_status="paid", payment_intent=intent
            )
            await self.processor.process(stripe_event("checkout.session.completed", paid, now))
            await self.processor.process(
                stripe_event("payment_intent.succeeded", intent_object(payment, intent), now)
            )
            raise web.HTTPSeeOther(f"/pay/done?booking={booking.id}")
        if action == "fail":
            failed = session_object(payment, booking, status="complete", payment_status="unpaid")
            await self.processor.process(
                stripe_event("checkout.session.async_payment_failed", failed, now)
            )
            body = _p(t("The payment failed, and nothing was charged. A new link is in the chat."))
            return _page(t("Payment failed"), body, t=t)
        return _page(t("Payment"), _p(t("Please press one of the buttons.")), 400, t=t)

    async def _expire(self, payment: Payment, booking: Booking) -> None:
        expired = session_object(payment, booking, status="expired")
        await self.processor.process(
            stripe_event("checkout.session.expired", expired, self.clock.now())
        )

    def _expired(self, payment: Payment) -> bool:
        return (
            payment.checkout_expires_at is not None
            and payment.checkout_expires_at <= self.clock.now()
        )

    async def done(self, request: web.Request) -> web.Response:
        t = self.translations(await self._payer_locale(request.query.get("booking", "")))
        body = _p(t("Payment received. Your confirmation arrives in the chat."))
        return _page(t("Thank you"), body, t=t)

    async def cancelled(self, _: web.Request) -> web.Response:
        t = self.translations(self.default_locale)
        body = _p(t("Nothing was charged. You can pay later from the chat."))
        return _page(t("Payment cancelled"), body, t=t)

    async def _payer_locale(self, booking_id: str) -> str:
        """The language of the booking's client, named by the page's own redirect."""
        if not booking_id.isdigit() or len(booking_id) > 18:
            return self.default_locale
        async with self.uows() as uow:
            booking = await uow.session.get(Booking, int(booking_id))
            payer = await uow.session.get(User, booking.client_id) if booking else None
            return payer.locale if payer else self.default_locale


def _action(body: bytes, charset: str | None) -> str | None:
    """The pressed button, read leniently from anyone's form: whatever is not a UTF-8 form
    (which aiohttp's own reader would raise on, a 500) presses no button."""
    if (charset or "utf-8").lower() != "utf-8":
        return None
    try:
        fields = parse_qs(body.decode("utf-8"), errors="strict")
    except UnicodeDecodeError:
        return None
    pressed = fields.get("action", [])
    return pressed[0] if len(pressed) == 1 else None
