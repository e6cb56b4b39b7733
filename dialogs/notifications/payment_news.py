"""Payment news in the chat: links under acceptances and failed balances, invoices, reminders."""

from __future__ import annotations

from core.booking.states import BookingState
from core.notifications.outbox import Envelope
from core.payments.links import PendingLink
from core.rows import Booking
from dialogs.framework.context import global_button
from dialogs.framework.replies import Button, Document, Reply, link_button
from dialogs.i18n.translator import N_, Translator
from dialogs.notifications.buttons import view_button

OFFLINE_GATEWAY = "offline"  # payments.offline_gateway.OfflineGateway.name: no money moves
PAYMENT_KINDS = frozenset(
    {"invoice_issued", "balance_reminder", "payment_failed", "credit_note_issued"}
)
# Which news carries a link, for which state and kind of payment.
LINKED = {
    "booking_accepted": (BookingState.ACCEPTED, "deposit"),
    "deposit_reminder": (BookingState.ACCEPTED, "deposit"),
    "balance_failed": (BookingState.PAYMENT_DUE, "balance"),
    "balance_reminder": (BookingState.PAYMENT_DUE, "balance"),
}


def _reply(text: str, t: Translator, buttons: tuple[tuple[Button, ...], ...] = ()) -> Reply:
    return Reply(text, buttons, rtl=t.rtl, meta={"locale": t.locale})


def pay_button(booking: Booking, t: Translator, url: str = "") -> Button:
    """Opens the payment page where there is a link (Telegram's URL button); else asks
    for a fresh link."""
    label = t("Pay the deposit") if booking.state == BookingState.ACCEPTED else t("Pay the balance")
    ask = global_button("💳 " + label, f"pay:{booking.id}")
    return link_button(ask.label, url, ask.payload) if url else ask


def link_kind(envelope: Envelope) -> str | None:
    """The kind of payment whose pending link this news may carry (loaded before
    rendering), or None."""
    if envelope.kind == "payment_failed":
        return str(envelope.payload.get("payment_kind", "deposit"))
    if envelope.payload.get("audience") != "client":
        return None
    return LINKED.get(envelope.kind, (None, None))[1]


def demo_note(t: Translator, gateway: str) -> str:
    """Under a link of the offline gateway: nobody must believe money was taken."""
    return "\n" + t("Demo — no money moves.") if gateway == OFFLINE_GATEWAY else ""


def link_lines(
    kind: str, booking: Booking, link: PendingLink | None, t: Translator
) -> tuple[str, tuple[Button, ...]]:
    """Text to add and a Pay button, while the booking still owes what the news is about."""
    state, payment_kind = LINKED.get(kind, (None, None))
    if state is None or payment_kind is None or booking.state != state:
        return "", ()
    if link is None:  # payments off, or the gateway was down: "View booking" offers to pay
        return "", ()
    text = "\n\n" + t("Pay here: {url}", url=link.url) + demo_note(t, link.gateway)
    return text, (pay_button(booking, t, link.url),)


# Why a payment attempt ended, as the client reads it.
FAILURES = {
    "failed": N_("The payment for {ref} did not go through, and nothing was charged."),
    "declined": N_("The card was declined for {ref}, and nothing was charged."),
    "expired": N_("The payment link for {ref} has expired."),
}
OWED = {"deposit": BookingState.ACCEPTED, "balance": BookingState.PAYMENT_DUE}


def failed_payment_news(
    envelope: Envelope, booking: Booking, link: PendingLink | None, t: Translator
) -> list[Reply]:
    """A failed or expired payment, with the link that works now (issue 14)."""
    if booking.state != OWED.get(str(envelope.payload.get("payment_kind"))):
        return []  # paid, or owed no more, since
    why = FAILURES.get(str(envelope.payload.get("why")), FAILURES["failed"])
    owed = (
        booking.deposit_minor
        if booking.state == BookingState.ACCEPTED
        else (booking.total_minor - booking.paid_minor)
    )
    text = t(why, ref=booking.reference)
    view = (view_button(booking, t),)
    if link is None:  # the gateway was down: the button asks for a link again
        text += "\n" + t("Choose the option below to get a new payment link.")
        return [_reply(text, t, ((pay_button(booking, t),), view))]
    text += "\n" + t(
        "You can pay {amount} here: {url}",
        amount=t.money(owed, booking.currency),
        url=link.url,
    )
    text += demo_note(t, link.gateway)
    return [_reply(text, t, ((pay_button(booking, t, link.url),), view))]


def payment_news(
    envelope: Envelope, booking: Booking, link: PendingLink | None, t: Translator
) -> list[Reply]:
    view = (view_button(booking, t),)
    if envelope.kind == "invoice_issued":
        number = str(envelope.payload.get("number", ""))
        url = str(envelope.payload.get("url", ""))
        if not url:
            return []
        text = t("Your invoice {number} for {ref}.", number=number, ref=booking.reference)
        document = Document(f"{number}.pdf", url, "application/pdf")
        opens = (link_button("📄 " + t("Open the invoice"), url),)
        return [Reply(text, (opens, view), document=document, rtl=t.rtl, meta={"locale": t.locale})]
    if envelope.kind == "payment_failed":
        return failed_payment_news(envelope, booking, link, t)
    if envelope.kind == "credit_note_issued":
        text = t(
            "Refund of {amount} for {ref} sent: credit note {number}. In total {refunded} of "
            "{paid} has been refunded.",
            amount=t.money(int(envelope.payload.get("amount_minor", 0)), booking.currency),
            ref=booking.reference,
            number=str(envelope.payload.get("number", "")),
            refunded=t.money(booking.refunded_minor, booking.currency),
            paid=t.money(booking.paid_minor, booking.currency),
        )
        url = str(envelope.payload.get("url", ""))
        if not url:  # issued where no link signer was at hand: the email still carries it
            return [_reply(text, t, (view,))]
        number = str(envelope.payload.get("number", ""))
        document = Document(f"{number}.pdf", url, "application/pdf")
        opens = (link_button("📄 " + t("Open the credit note"), url),)
        return [Reply(text, (opens, view), document=document, rtl=t.rtl, meta={"locale": t.locale})]
    if envelope.kind == "balance_reminder":
        return balance_reminder(booking, link, t, view)
    return []


def balance_reminder(
    booking: Booking, link: PendingLink | None, t: Translator, view: tuple[Button, ...]
) -> list[Reply]:
    """The balance still due, with the link the worker made or reused just before."""
    if booking.state != BookingState.PAYMENT_DUE:
        return []  # paid since: nothing to remind
    amount = t.money(booking.total_minor - booking.paid_minor, booking.currency)
    if link is None:  # the gateway was down: the button asks for a link again
        text = t(
            "Reminder: the balance of {amount} for {ref} is still due.",
            amount=amount,
            ref=booking.reference,
        )
        text += "\n" + t("Choose the option below to get a new payment link.")
        return [_reply(text, t, ((pay_button(booking, t),), view))]
    text = t(
        "Reminder: the balance of {amount} for {ref} is still due. Pay here: {url}",
        amount=amount,
        ref=booking.reference,
        url=link.url,
    )
    text += demo_note(t, link.gateway)
    return [_reply(text, t, ((pay_button(booking, t, link.url),), view))]
