"""News sent again after an attempt whose outcome nobody knows says that it is a repeat.

Telegram and Twilio take no idempotency key, so a process that dies between a send and
its record sends the same news again (at least once: see the README's delivery
guarantees). Most repeats are harmless; a second "new booking request", payment link or
invoice could make someone think there are two. Those say they are the same message. The
link in them is the same too: a pending payment's Checkout link is reused while valid.
"""

from __future__ import annotations

from dataclasses import replace

from core.notifications.outbox import Envelope
from dialogs.framework.replies import Reply
from dialogs.i18n.translator import N_, translator

# The news a repeat of which could mislead: a request, a link to pay, an invoice.
MISLEADING_TWICE = frozenset(
    {
        "booking_requested",
        "booking_accepted",
        "balance_failed",
        "balance_reminder",
        "invoice_issued",
    }
)
SAID_AGAIN = N_(
    "Sent again in case the first one did not reach you: the same message, nothing new."
)


def said_again(envelope: Envelope, replies: list[Reply]) -> list[Reply]:
    """``replies`` as they go out: marked as a repeat where one could mislead."""
    if not envelope.repeat or envelope.kind not in MISLEADING_TWICE or not replies:
        return replies
    first = replies[0]
    t = translator(str(first.meta.get("locale", "fr")))  # every piece of news has its own
    return [replace(first, text=f"{t(SAID_AGAIN)}\n\n{first.text}"), *replies[1:]]
