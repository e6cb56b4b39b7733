"""News for a provider about their own account (verified), queued with the change and
loaded for the renderer in one go (dialogs read no tables)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.db.tables import Provider, ProviderStatus, User
from core.notifications.outbox import enqueue
from core.uow import UnitOfWork

ACCOUNT_KINDS = frozenset({"provider_verified"})


def tell_provider(uow: UnitOfWork, provider: Provider, kind: str, *, now: datetime) -> None:
    """Queue ``kind`` for the provider's chat, in the transaction of the change."""
    payload = {"audience": "provider", "provider_id": provider.id}
    enqueue(uow.session, kind=kind, user_id=provider.user_id, payload=payload, now=now)


@dataclass(frozen=True, slots=True)
class AccountNews:
    locale: str
    slug: str
    active: bool  # what "verified" news says is still true


async def account_news(uow: UnitOfWork, *, user_id: int, provider_id: Any) -> AccountNews | None:
    """None when the recipient or the provider is gone, or is not theirs any more."""
    user = await uow.session.get(User, user_id)
    provider = await uow.session.get(Provider, provider_id or 0)
    if user is None or provider is None or provider.user_id != user.id:
        return None
    return AccountNews(user.locale, provider.slug, provider.status == ProviderStatus.ACTIVE)
