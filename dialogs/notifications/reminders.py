"""The scheduler's reminders, rendered: an unanswered request, an unpaid deposit, an event,
and an ended event not yet marked delivered.

Each reminder checks the booking is still where it was when the sweep queued it: a
request answered meanwhile, or a deposit paid, needs no reminder any more.
"""

from __future__ import annotations

from core.booking.news_view import BookingNews
from core.booking.states import BookingState
from core.catalog.vocabulary import MARKET_TZ
from core.notifications.outbox import Envelope
from core.rows import Booking
from dialogs.framework.replies import Button, Reply
from dialogs.i18n.translator import N_, Translator
from dialogs.notifications.buttons import view_button
from dialogs.notifications.payment_news import link_lines
from dialogs.provider.app import decision_buttons
from dialogs.provider.booking_card import request_card

REMINDER_KINDS = frozenset(
    {"request_reminder", "deposit_reminder", "event_reminder", "delivery_prompt"}
)
STILL_IN = {
    "request_reminder": BookingState.REQUESTED,
    "deposit_reminder": BookingState.ACCEPTED,
    "event_reminder": BookingState.CONFIRMED,
    "delivery_prompt": BookingState.CONFIRMED,  # marked delivered since: nothing to ask
}
EVENT_TEXT = {
    ("client", 7): N_(
        "Reminder: your event {ref} with {provider} is in one week, on {date}. "
        "Your provider's contact: {contact}."
    ),
    ("client", 1): N_(
        "Reminder: your event {ref} with {provider} is tomorrow, {date}. "
        "Your provider's contact: {contact}."
    ),
    ("provider", 7): N_(
        "Reminder: the booking {ref} is in one week, on {date}. The client's contact: {contact}."
    ),
    ("provider", 1): N_(
        "Reminder: the booking {ref} is tomorrow, {date}. The client's contact: {contact}."
    ),
    ("client", 0): N_(
        "Reminder: your event {ref} with {provider} is today, {date}. "
        "Your provider's contact: {contact}."
    ),
    ("provider", 0): N_(
        "Reminder: the booking {ref} is today, {date}. The client's contact: {contact}."
    ),
}


def contact_wanted(envelope: Envelope) -> str | None:
    """Whose contact an event reminder carries: the other party's, for its audience."""
    if envelope.kind != "event_reminder":
        return None
    return str(envelope.payload.get("audience", "client"))


def reminder_news(envelope: Envelope, news: BookingNews, t: Translator) -> list[Reply]:
    booking, provider = news.booking, news.provider
    if booking.state != STILL_IN.get(envelope.kind):
        return []
    deadline = _deadline(booking, t)
    view = (view_button(booking, t),)  # the client's; the provider's is asked by name
    if envelope.kind == "request_reminder":
        text = (
            t(
                "This request is still waiting for your answer; it expires on {deadline}.",
                deadline=deadline,
            )
            + "\n\n"
            + request_card(booking, news.service, t)
        )
        return [Reply(text, decision_buttons(booking, t), rtl=t.rtl, meta={"locale": t.locale})]
    if envelope.kind == "deposit_reminder":
        # Not "accepted your request": the client may have accepted the provider's terms.
        text = t(
            "Reminder: {ref} with {provider} is accepted and waits for your deposit of "
            "{deposit}. Pay it before {deadline} to confirm the booking, or it expires.",
            provider=t.pick(provider.name) if provider else "—",
            ref=booking.reference,
            deposit=t.money(booking.deposit_minor, booking.currency),
            deadline=deadline,
        )
        link, pay = link_lines(envelope.kind, booking, news.checkout, t)
        buttons: tuple[tuple[Button, ...], ...] = (pay, view) if pay else (view,)
        return [Reply(text + link, buttons, rtl=t.rtl, meta={"locale": t.locale})]
    if envelope.kind == "delivery_prompt":
        text = t(
            "The event {ref} of {date} is over. Once you have delivered what was booked, tap "
            "“Mark as delivered”: the client confirms it, then the balance is charged.",
            ref=booking.reference,
            date=t.date(booking.event_date),
        )
        rows = (*decision_buttons(booking, t), (view_button(booking, t, "provider"),))
        return [Reply(text, rows, rtl=t.rtl, meta={"locale": t.locale})]
    audience = str(envelope.payload.get("audience", "client"))
    if audience not in ("client", "provider"):
        return []
    # Queued before days_left was recorded: the reminder's own slot (7 or 1).
    left = int(envelope.payload.get("days_left", envelope.payload.get("days", 0)))
    params = {
        "ref": booking.reference,
        "provider": t.pick(provider.name) if provider else "—",
        "date": t.date(booking.event_date),
        "contact": news.contact or "—",
    }
    msgid = EVENT_TEXT.get((audience, left))
    text = t(msgid, **params) if msgid else _in_days(t, audience, max(left, 0), params)
    mine = view_button(booking, t, "provider" if audience == "provider" else "client")
    return [Reply(text, ((mine,),), rtl=t.rtl, meta={"locale": t.locale})]


def _in_days(t: Translator, audience: str, n: int, params: dict[str, str]) -> str:
    """Any other number of days left: a reminder sent late, or a booking made less than a
    week ahead (its first reminder must not say "in one week")."""
    if audience == "client":
        return t.plural(
            "Reminder: your event {ref} with {provider} is in {n} day, on {date}. "
            "Your provider's contact: {contact}.",
            "Reminder: your event {ref} with {provider} is in {n} days, on {date}. "
            "Your provider's contact: {contact}.",
            n,
            **params,
        )
    return t.plural(
        "Reminder: the booking {ref} is in {n} day, on {date}. The client's contact: {contact}.",
        "Reminder: the booking {ref} is in {n} days, on {date}. The client's contact: {contact}.",
        n,
        **params,
    )


def _deadline(booking: Booking, t: Translator) -> str:
    if booking.expires_at is None:
        return "—"
    local = booking.expires_at.astimezone(MARKET_TZ)
    return f"{t.date(local.date(), 'medium')} {t.time(local)}"
