"""After a client's cancellation, the provider learns what their policy lets them keep
(issue 14): a late cancellation is not money lost for them, and they should know it."""

from __future__ import annotations

from core.notifications.outbox import Envelope
from core.rows import Booking
from dialogs.i18n.translator import Translator


def kept_line(envelope: Envelope, booking: Booking, t: Translator) -> str:
    """The line for the provider's cancellation news, or "" when nothing was paid."""
    if envelope.kind != "booking_cancelled" or envelope.payload.get("audience") != "provider":
        return ""
    if envelope.payload.get("by") != "client" or booking.paid_minor <= 0:
        return ""
    refund = int(envelope.payload.get("amount_minor") or 0)
    # The refund may be booked already (refunded_minor counts it) or still on its way.
    kept = booking.paid_minor - max(booking.refunded_minor, refund)
    if kept <= 0:
        return "\n" + t("The client was refunded everything they paid.")
    return "\n" + t(
        "Under your cancellation policy you keep {kept} of the {paid} paid (before the "
        "Mounasabet commission).",
        kept=t.money(kept, booking.currency),
        paid=t.money(booking.paid_minor, booking.currency),
    )
