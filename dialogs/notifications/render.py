"""Outbox messages rendered as replies in the recipient's language, for any channel."""

from __future__ import annotations

from core.booking.news_view import BookingNews, booking_news
from core.booking.states import BookingState
from core.notifications.outbox import Envelope
from core.rows import Booking, Provider
from core.uow import UnitOfWork
from dialogs.framework.errors import state_label
from dialogs.framework.replies import Button, Reply, reply_from_json
from dialogs.i18n.translator import N_, Translator, translator
from dialogs.notifications.account_news import ACCOUNT_KINDS, provider_account_news
from dialogs.notifications.buttons import view_button
from dialogs.notifications.calendar_news import CALENDAR_KINDS, calendar_news
from dialogs.notifications.cancellation_news import kept_line
from dialogs.notifications.contacts import contact_audience, contact_line
from dialogs.notifications.decline_news import DECLINED, decline_news, is_decline_news
from dialogs.notifications.payment_news import PAYMENT_KINDS, link_kind, link_lines, payment_news
from dialogs.notifications.proposal_news import is_work_news, work_news
from dialogs.notifications.reminders import REMINDER_KINDS, contact_wanted, reminder_news
from dialogs.notifications.review_news import REVIEW_KINDS, review_replies
from dialogs.notifications.support_news import SUPPORT_KINDS, support_news
from dialogs.provider.app import decision_buttons
from dialogs.provider.booking_card import request_card

CLIENT_TEXT: dict[str, str] = {
    "booking_accepted": N_(
        "Good news: {provider} accepted your request {ref}. Pay the deposit "
        "of {deposit} to confirm it."
    ),
    "booking_declined": DECLINED,  # with alternatives below it (decline_news.py)
    "booking_expired": N_("Your booking {ref} with {provider} has expired."),
    "booking_cancelled": N_("Your booking {ref} with {provider} is cancelled."),
    "deposit_paid": N_("Deposit received: your booking {ref} with {provider} is confirmed."),
    "booking_delivered": N_("{provider} marked {ref} as delivered. Please confirm it went well."),
    "balance_paid": N_("Balance received for {ref}. Thank you for booking with Mounasabet!"),
    "balance_failed": N_(
        "We could not charge the balance of {ref}. Please pay it with the link we send you."
    ),
    "booking_disputed": N_("Booking {ref} is under review by our team."),
    "dispute_resolved": N_("Our team has finished reviewing {ref}: it is now {state}."),
}
PROVIDER_TEXT: dict[str, str] = {
    "booking_expired": N_("The booking {ref} has expired."),
    "booking_cancelled": N_("The client cancelled the booking {ref}."),
    "deposit_paid": N_("The deposit for {ref} is paid: the booking is confirmed."),
    "balance_paid": N_("The balance for {ref} is paid: the booking is completed."),
    "booking_disputed": N_("Booking {ref} is under review by our team."),
    "dispute_resolved": N_("Our team has finished reviewing {ref}: it is now {state}."),
    "calendar_conflict": N_(
        "Your calendar has an event at the same time as the booking {ref}, which the client"
        " counts on. Our team has been told; please tell us with /support how you will handle"
        " it."
    ),
}
# News of a booking that is over for the provider: nothing left to do from its card, and
# on WhatsApp an option under it would make a number typed next ambiguous.
OVER_FOR_PROVIDER = frozenset({"booking_expired", "booking_cancelled"})
# A booking an admin cancelled (a suspension's, or by hand): not the client's doing.
CANCELLED_BY_TEAM = N_("Our team cancelled the booking {ref}.")
NEW_REQUEST = N_("New booking request!")


async def render_notification(uow: UnitOfWork, envelope: Envelope) -> list[Reply]:
    """The replies that tell ``envelope``'s recipient its news; [] when nothing is left to say."""
    if envelope.kind == "direct_reply":  # an answer whose first delivery failed
        return [reply_from_json(r) for r in envelope.payload.get("replies", [])]
    if envelope.kind in SUPPORT_KINDS:  # about a ticket, perhaps of no booking
        return await support_news(uow, envelope)
    if envelope.kind in CALENDAR_KINDS:  # a provider's feed, perhaps of no booking
        return await calendar_news(uow, envelope)
    if envelope.kind in REVIEW_KINDS:  # the booking's review, as it stands now
        return await review_replies(uow, envelope)
    if is_work_news(envelope):  # proposals, and a delivery with its proof
        return await work_news(uow, envelope)
    if envelope.kind in ACCOUNT_KINDS:  # about the provider's own account
        return await provider_account_news(uow, envelope)
    news = await booking_news(
        uow,
        user_id=envelope.user_id,
        booking_id=envelope.payload.get("booking_id", 0),
        payment_kind=link_kind(envelope),
        contact_for=contact_wanted(envelope) or contact_audience(envelope),
    )
    if news is not None and is_decline_news(envelope):  # with alternatives (issue 14)
        return await decline_news(uow, news, envelope)
    return [] if news is None else news_replies(envelope, news)


def news_replies(envelope: Envelope, news: BookingNews) -> list[Reply]:
    """The news as replies, from what was loaded (no more reads)."""
    booking, provider = news.booking, news.provider
    t = translator(news.locale)
    if envelope.kind == "booking_requested":
        if booking.state != BookingState.REQUESTED:
            # Held until the provider linked their chat, and answered meanwhile (cancelled,
            # expired): a "new request" card with Accept / Decline would be stale (issue 14).
            return []
        text = t(NEW_REQUEST) + "\n\n" + request_card(booking, news.service, t)
        return [Reply(text, decision_buttons(booking, t), rtl=t.rtl, meta={"locale": t.locale})]
    if envelope.kind in PAYMENT_KINDS:
        return payment_news(envelope, booking, news.checkout, t)
    if envelope.kind in REMINDER_KINDS:
        return reminder_news(envelope, news, t)
    to_provider = envelope.payload.get("audience") == "provider"
    msgid = (PROVIDER_TEXT if to_provider else CLIENT_TEXT).get(envelope.kind)
    if (
        to_provider
        and envelope.kind == "booking_cancelled"
        and envelope.payload.get("by") == "admin"
    ):
        msgid = CANCELLED_BY_TEAM
    if msgid is None:
        return []
    text = t(msgid, **_params(booking, provider, envelope, t))
    if audience := contact_audience(envelope):
        text += contact_line(audience, news.party, t)
    text += kept_line(envelope, booking, t)
    buttons: tuple[tuple[Button, ...], ...] = ()
    if envelope.payload.get("audience") == "client":
        link, pay = link_lines(envelope.kind, booking, news.checkout, t)
        text += link
        view = (view_button(booking, t),)
        buttons = (pay, view) if pay else (view,)
    elif to_provider and envelope.kind not in OVER_FOR_PROVIDER:
        # The card: the client's details, the place, the notes, what is paid.
        buttons = ((view_button(booking, t, "provider"),),)
    return [Reply(text, buttons, rtl=t.rtl, meta={"locale": t.locale})]


def _params(
    booking: Booking, provider: Provider | None, envelope: Envelope, t: Translator
) -> dict[str, object]:
    return {
        "ref": booking.reference,
        "provider": t.pick(provider.name) if provider else "—",
        "deposit": t.money(booking.deposit_minor, booking.currency),
        "reason": t(str(reason)) if (reason := envelope.payload.get("reason")) else "—",
        "state": state_label(booking.state, t),
    }
