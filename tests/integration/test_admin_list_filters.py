"""The admin listings' filters on closed sets (states, statuses, kinds, roles, channels,
categories, cities) refuse a value outside their set and name the values they take. A
typo matched as given would list nothing, which reads as "there are none"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import FixedClock
from core.uow import UnitOfWorkFactory
from tests.support.admin import AdminCli, url_of
from tests.support.bookings import request
from tests.support.factories import make_provider, make_user


@pytest.fixture
def admin(engine: AsyncEngine) -> AdminCli:
    return AdminCli(url_of(engine))


TYPOS = [
    (("bookings", "list", "--state", "acepted"), "Unknown state acepted", "requested, accepted"),
    (("bookings", "list", "--city", "rabbat"), "Unknown city rabbat", "casablanca, rabat"),
    (("transactions", "list", "--kind", "payments"), "Unknown kind payments", "payment, refund"),
    (("transactions", "list", "--status", "paid"), "Unknown status paid", "settled, owed"),
    (("tickets", "list", "--status", "opened"), "Unknown status opened", "open, answered"),
    (("tickets", "list", "--category", "bill"), "Unknown category bill", "booking, payment"),
    (("flags", "list", "--status", "closed"), "Unknown status closed", "open, resolved, all"),
    (("flags", "list", "--severity", "high"), "Unknown severity high", "info, warning"),
    (("users", "list", "--role", "customer"), "Unknown role customer", "client, provider"),
    (("users", "list", "--channel", "telegram"), "Unknown channel telegram", "telegram_client"),
    (("providers", "list", "--status", "live"), "Unknown status live", "pending, active"),
    (("providers", "list", "--category", "photo"), "Unknown category photo", "photographer"),
    (("providers", "list", "--city", "Rabat"), "Unknown city Rabat", "casablanca, rabat"),
]


@pytest.mark.parametrize(
    ("command", "said", "choices"), TYPOS, ids=[f"{c[0]}-{c[2].lstrip('-')}" for c, *_ in TYPOS]
)
async def test_a_value_outside_the_filter_s_set_is_refused_with_the_choices(
    admin: AdminCli, command: tuple[str, ...], said: str, choices: str
) -> None:
    error = " ".join((await admin.fails(*command)).split())  # the console wraps lines
    assert said in error and f"choose one of: {choices}" in error


async def test_the_values_in_the_set_still_filter(
    uows: UnitOfWorkFactory, clock: FixedClock, admin: AdminCli
) -> None:
    now = clock.now()
    _, provider_id, service_id = await make_provider(uows, now, slug="studio-nour")
    client = await make_user(uows, now)
    booking_id = await request(uows, now, client, service_id, now.date() + timedelta(days=9))
    [row] = await admin.json("bookings", "list", "--state", "requested", "--city", "rabat")
    assert row["id"] == booking_id
    assert await admin.json("bookings", "list", "--state", "accepted") == []
    assert [p["id"] for p in await admin.json("providers", "list", "--status", "active")] == [
        provider_id
    ]
    assert [u["id"] for u in await admin.json("users", "list", "--role", "client")] == [client]
    assert await admin.json("flags", "list", "--status", "all", "--severity", "critical") == []
