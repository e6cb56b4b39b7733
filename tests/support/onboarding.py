"""A service for a provider registered through the bot (the services editor is its own
feature): enough for search to list it and a client to book it."""

from __future__ import annotations

from datetime import time

from core.db.tables import Service, WeeklyRule
from core.uow import UnitOfWorkFactory


async def add_service(
    uows: UnitOfWorkFactory, provider_id: int, category: str = "photographer"
) -> int:
    async with uows() as uow:
        service = Service(
            provider_id=provider_id,
            category=category,
            title={"fr": "Reportage", "en": "Coverage", "ar": "تغطية"},
            description={"fr": "", "en": "", "ar": ""},
            pricing_model="fixed",
            price_minor=400_000,
            currency="MAD",
            deposit_bp=3000,
            duration_minutes=None,
            days=1,
            daily_capacity=1,
            min_notice_hours=24,
            buffer_minutes=0,
            active=True,
        )
        uow.session.add(service)
        uow.session.add_all(
            WeeklyRule(provider_id=provider_id, weekday=d, start=time(9), end=time(23))
            for d in range(7)
        )
        await uow.commit()
        return service.id
