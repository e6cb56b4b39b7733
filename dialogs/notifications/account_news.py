"""News about a provider's own account (verified by our team), in their language."""

from __future__ import annotations

from core.catalog.provider_news import ACCOUNT_KINDS, account_news
from core.notifications.outbox import Envelope
from core.uow import UnitOfWork
from dialogs.framework.replies import Reply
from dialogs.i18n.translator import N_, translator

__all__ = ["ACCOUNT_KINDS", "VERIFIED", "provider_account_news"]
VERIFIED = N_(
    "Good news: your provider account is verified. Clients can now find you in search and "
    "send you booking requests. Add your services and your opening hours (Availability) so "
    "they can book them."
)


async def provider_account_news(uow: UnitOfWork, envelope: Envelope) -> list[Reply]:
    """[] when there is nothing true left to say (the account moved on meanwhile)."""
    news = await account_news(
        uow, user_id=envelope.user_id, provider_id=envelope.payload.get("provider_id")
    )
    if news is None or not news.active:
        return []
    t = translator(news.locale)
    return [Reply(t(VERIFIED), rtl=t.rtl, meta={"locale": t.locale})]
