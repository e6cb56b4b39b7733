"""Issue 16: providers verified, suspended and reinstated from `mounasabet-admin`.

Suspending hides the provider from search, declines their unpaid requests with a message
to the client, lists (and flags) the bookings that hold money for an admin decision, and
moves no money.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.booking.actors import Actor
from core.booking.states import Action, Role
from core.catalog.search import SearchQuery, search_providers
from core.clock import FixedClock
from core.db.tables import Booking, Flag, LedgerEntry, OutboxMessage, Payment, Provider, Refund
from core.notifications.outbox import Envelope
from core.uow import UnitOfWorkFactory
from dialogs.i18n.translator import translator
from dialogs.notifications.render import render_notification
from tests.support.admin import AdminCli, news_of, paid_booking, url_of
from tests.support.bookings import act, request
from tests.support.factories import make_user


async def owner_of(uows: UnitOfWorkFactory, provider_id: int) -> int:
    async with uows() as uow:
        provider = await uow.session.get(Provider, provider_id)
        assert provider is not None
        return provider.user_id


@pytest.fixture
def admin(engine: AsyncEngine) -> AdminCli:
    return AdminCli(url_of(engine))


async def money_rows(uows: UnitOfWorkFactory) -> tuple[int, ...]:
    async with uows() as uow:
        return tuple(
            [
                int(await uow.session.scalar(select(func.count()).select_from(t)) or 0)
                for t in (Payment, Refund, LedgerEntry)
            ]
        )


async def test_suspend_declines_unpaid_requests_lists_paid_bookings_and_charges_nothing(
    uows: UnitOfWorkFactory, clock: FixedClock, admin: AdminCli
) -> None:
    now = clock.now()
    confirmed, _, _ = await paid_booking(uows, now, slug="studio-sus")
    async with uows() as uow:
        booking = await uow.session.get(Booking, confirmed)
        assert booking is not None and booking.state == "confirmed"
        provider_id, service_id, paid = booking.provider_id, booking.service_id, booking.paid_minor
    client = await make_user(uows, now, name="Salma")
    pending = await request(uows, now, client, service_id, now.date() + timedelta(days=60))
    unpaid = await request(uows, now, client, service_id, now.date() + timedelta(days=61))
    owner = await owner_of(uows, provider_id)
    await act(uows, unpaid, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=now)
    before = await money_rows(uows)
    async with uows() as uow:
        found = await search_providers(uow.session, SearchQuery(category="photographer"), now=now)
    assert provider_id in [hit.provider_id for hit in found.hits]

    table = await admin.ok("providers", "list")  # for people: stars, not hundredths
    assert "rating" in table and "rating_x100" not in table and "0.00" in table
    listed = await admin.json("providers", "list")
    assert {(p["id"], p["slug"], p["status"]) for p in listed} == {
        (provider_id, "studio-sus", "active")
    }
    shown = await admin.json("providers", "show", "studio-sus")
    async with uows() as uow:
        token = (await uow.session.get(Provider, provider_id)).calendar_token  # type: ignore[union-attr]
    assert token and shown["calendar_feed_url"] == f"http://127.0.0.1:8080/calendar/{token}.ics"
    assert shown["bookings_by_state"] == {"accepted": 1, "confirmed": 1, "requested": 1}

    result = await admin.json(
        "providers", "suspend", "studio-sus", "--reason", "fake photos", "--yes"
    )
    assert result["status"] == "suspended"
    assert [b["id"] for b in result["to_decide"]] == [confirmed]

    async with uows() as uow:
        declined = await uow.session.get(Booking, pending)
        kept = await uow.session.get(Booking, confirmed)
        assert declined is not None and kept is not None
        assert (declined.state, kept.state, kept.paid_minor) == ("declined", "confirmed", paid)
        news = await uow.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.kind == "booking_declined", OutboxMessage.user_id == client
            )
        )
        assert news is not None
        envelope = Envelope(news.id, news.kind, news.user_id, news.channel, news.payload, 0)
        [told] = await render_notification(uow, envelope)
        flagged = await uow.session.scalar(
            select(Flag).where(Flag.kind == "suspended_provider_booking")
        )
        assert flagged is not None and flagged.subject_id == str(confirmed)
        hidden = await search_providers(uow.session, SearchQuery(category="photographer"), now=now)
    fr = translator("fr")
    assert fr("This provider is not taking bookings on Mounasabet at the moment.") in told.text
    # The decline news points to other providers (issue 14: a button, not "/start").
    assert any(b.payload.startswith("g|alt:find:photographer:") for b in told.all_buttons())
    assert provider_id not in [hit.provider_id for hit in hidden.hits]
    # The accepted booking, unpaid, is cancelled: the client learns why and where to go next,
    # the provider that our team did it (not the client).
    async with uows() as uow:
        cancelled = await uow.session.get(Booking, unpaid)
        assert cancelled is not None and cancelled.state == "cancelled"
        ref = cancelled.reference
    cancellation = await news_of(uows, "booking_cancelled", unpaid)
    assert cancellation["client"].text.splitlines()[:2] == [
        fr(
            "Our team cancelled your booking {ref} with {provider}.", ref=ref, provider="studio-sus"
        ),
        fr("This provider is not taking bookings on Mounasabet at the moment."),
    ]
    searches = [b.payload for b in cancellation["client"].all_buttons()]
    assert any(code.startswith("g|alt:find:photographer:") for code in searches)
    assert cancellation["provider"].text == fr("Our team cancelled the booking {ref}.", ref=ref)
    assert await money_rows(uows) == before  # nothing charged, nothing refunded

    assert "suspended: cannot suspend" in await admin.fails(
        "providers", "suspend", "studio-sus", "--reason", "again", "--yes"
    )
    reinstated = await admin.json("providers", "reinstate", str(provider_id), "--reason", "ok")
    assert reinstated["status"] == "active"
    trail = await admin.json("audit", "--action", "providers")
    assert [a["action"] for a in trail] == ["providers.reinstate", "providers.suspend"]


async def test_verify_and_wrong_ids(
    uows: UnitOfWorkFactory, clock: FixedClock, admin: AdminCli
) -> None:
    await paid_booking(uows, clock.now(), slug="studio-new")
    async with uows() as uow:
        provider = await uow.session.scalar(select(Provider))
        assert provider is not None
        provider.status = "pending"
        await uow.commit()
    [row] = await admin.json("providers", "list", "--status", "pending")
    assert row["slug"] == "studio-new"
    await admin.ok("providers", "verify", "studio-new")
    assert "active: cannot verify" in await admin.fails("providers", "verify", "studio-new")
    assert "No provider nobody" in await admin.fails("providers", "show", "nobody")
    huge = "9" * 25  # no id that long: looked up as a slug, not sent to the database as one
    assert f"No provider {huge}" in await admin.fails("providers", "show", huge)
    assert "No provider 999" in await admin.fails(
        "providers", "suspend", "999", "--yes", "--reason", "x"
    )
    assert "not confirmed" in await admin.fails(
        "providers", "suspend", "studio-new", "--reason", "x", input="n\n"
    )
