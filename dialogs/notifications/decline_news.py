"""A decline, told to the client with somewhere to go next: similar providers free that
day, and the date the provider had proposed, as buttons (issue 14). So is a booking our
team cancelled (its provider suspended, or by hand): the client still needs someone for
that day."""

from __future__ import annotations

from datetime import date

from core.booking.alternatives import alternatives_to
from core.booking.news_view import BookingNews
from core.notifications.outbox import Envelope
from core.uow import UnitOfWork
from dialogs.framework.context import global_button
from dialogs.framework.replies import Button, Reply
from dialogs.i18n.translator import N_, Translator, translator
from dialogs.notifications.buttons import view_button

DECLINED = N_("{provider} cannot take your request {ref}. Reason: {reason}.")
CANCELLED_BY_TEAM = N_("Our team cancelled your booking {ref} with {provider}.")
# Reasons written by core in English and translated when the news is shown. An admin's
# own reason is a note for the audit, in whatever words: it is not shown to the client.
CORE_REASONS = (
    N_("This provider is not taking bookings on Mounasabet at the moment."),  # suspension
)
# Said after a reason as typed: its own full stop (or "!") would come twice otherwise.
CLOSING_MARKS = " .!?…。"


def is_decline_news(envelope: Envelope) -> bool:
    """A request declined, or a booking our team cancelled, told to the client."""
    if envelope.payload.get("audience") != "client":
        return False
    by_team = envelope.kind == "booking_cancelled" and envelope.payload.get("by") == "admin"
    return envelope.kind == "booking_declined" or by_team


def alternative_code(provider_id: int, day: date) -> str:
    """The global button that opens a provider's profile with ``day`` chosen."""
    return f"alt:{provider_id}:{day.isoformat()}"


def search_code(news: BookingNews) -> str:
    """The global button that searches again for the same kind of provider on the same day,
    asking the city first (none was free in the booking's), or from scratch without them."""
    if news.service is None:
        return "alt:find"
    return f"alt:find:{news.service.category}:{news.booking.event_date.isoformat()}"


async def decline_news(uow: UnitOfWork, news: BookingNews, envelope: Envelope) -> list[Reply]:
    booking = news.booking
    t = translator(news.locale)
    provider_name = t.pick(news.provider.name) if news.provider else "—"
    reason = t(str(envelope.payload.get("reason") or "—")).rstrip(CLOSING_MARKS) or "—"
    if envelope.kind == "booking_declined":
        lines = [t(DECLINED, provider=provider_name, ref=booking.reference, reason=reason)]
    else:
        lines = [t(CANCELLED_BY_TEAM, provider=provider_name, ref=booking.reference)]
        if envelope.payload.get("reason") in CORE_REASONS:
            lines.append(t(str(envelope.payload["reason"])))
    # As free as they were when the request was declined (its last change).
    found = await alternatives_to(uow, booking, now=booking.updated_at)
    rows: list[tuple[Button, ...]] = []
    if found.proposed_day is not None:
        lines.append(
            t(
                "{provider} had proposed {date} instead: it may still be free.",
                provider=provider_name,
                date=t.date(found.proposed_day),
            )
        )
        label = "📅 " + t.date(found.proposed_day, "medium") + " · " + provider_name
        rows.append(
            (global_button(label, alternative_code(booking.provider_id, found.proposed_day)),)
        )
    if found.similar:
        lines.append(t("Similar providers free on {date}:", date=t.date(booking.event_date)))
        rows += [
            (
                global_button(
                    t.pick(hit.name), alternative_code(hit.provider_id, booking.event_date)
                ),
            )
            for hit in found.similar
        ]
    else:
        lines.append(t("You can look for another provider here."))
        rows.append((global_button("🔎 " + t("Find a provider"), search_code(news)),))
    rows.append((view_button(booking, t),))
    return [_reply("\n".join(lines), t, tuple(rows))]


def _reply(text: str, t: Translator, buttons: tuple[tuple[Button, ...], ...]) -> Reply:
    return Reply(text, buttons, rtl=t.rtl, meta={"locale": t.locale})
