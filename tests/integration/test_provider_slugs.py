"""A provider's slug (its page's address) is unique, even when two people register the
same business name at the same moment."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from core.catalog.provider_registration import Registration, register_provider
from core.db.tables import User
from core.uow import UnitOfWorkFactory

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def answers(name: str) -> Registration:
    return Registration(
        name=name,
        categories=("photographer",),
        cities=("rabat",),
        languages=("fr",),
        bio={"fr": "Photographe de mariage depuis dix ans."},
    )


async def phone_user(uows: UnitOfWorkFactory, n: int) -> int:
    async with uows() as uow:
        user = User(
            role="client",
            display_name=f"U{n}",
            locale="fr",
            created_at=NOW,
            phone_e164=f"+2126000000{n:02d}",
        )
        uow.session.add(user)
        await uow.commit()
        return user.id


async def register(uows: UnitOfWorkFactory, user_id: int, name: str) -> str:
    async with uows() as uow:
        user = await uow.session.get_one(User, user_id)
        provider = await register_provider(uow, user, answers(name), now=NOW)
        await uow.commit()
        return provider.slug


async def test_the_same_name_is_numbered_in_turn(uows: UnitOfWorkFactory) -> None:
    users = [await phone_user(uows, n) for n in range(3)]
    slugs = [await register(uows, u, "Studio Nour") for u in users]
    assert slugs == ["studio-nour", "studio-nour-2", "studio-nour-3"]
    arabic = await register(uows, await phone_user(uows, 9), "ستوديو نور")
    assert arabic == "provider"


async def test_the_same_name_registered_at_once_gets_distinct_slugs(
    uows: UnitOfWorkFactory,
) -> None:
    users = [await phone_user(uows, n) for n in range(6)]
    # Each reads "studio-nour" as free before any commits (PostgreSQL); SQLite queues
    # the writers. Before the insert went through ON CONFLICT, all but one failed.
    slugs = await asyncio.gather(*(register(uows, u, "Studio Nour") for u in users))
    assert sorted(slugs) == sorted(["studio-nour", *(f"studio-nour-{n}" for n in range(2, 7))])
