"""A provider's calendar feed that has been failing for a day, told in their language."""

from __future__ import annotations

from core.calendar_sync.imports import FAILING_KIND, failing_feed
from core.notifications.outbox import Envelope
from core.uow import UnitOfWork
from dialogs.framework.errors import MESSAGES
from dialogs.framework.replies import Reply
from dialogs.i18n.translator import N_, translator

CALENDAR_KINDS = frozenset({FAILING_KIND})
FAILING = N_(
    "We have not been able to read your calendar since {date}. {reason} Until it works "
    "again, clients can ask for times it shows as busy. Check its address with /calendar."
)
UNREADABLE = "calendar_fetch_failed"


async def calendar_news(uow: UnitOfWork, envelope: Envelope) -> list[Reply]:
    """[] when the feed works again (or is gone) by the time the news goes out."""
    feed = await failing_feed(uow, envelope.user_id, int(envelope.payload.get("provider_id", 0)))
    if feed is None:
        return []
    t = translator(feed.locale)
    # The reasons that need a detail the sweep does not keep (an HTTP status) read as the
    # general one.
    reason = MESSAGES.get(feed.error, MESSAGES[UNREADABLE])
    reason = reason if "{" not in reason else MESSAGES[UNREADABLE]
    text = t(FAILING, date=t.date(feed.since.date()), reason=t(reason))
    return [Reply(text, rtl=t.rtl, meta={"locale": t.locale})]
