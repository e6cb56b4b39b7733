"""Issue 13: the provider bot's services editor and availability, through the dialog
engine: a service written in the bot is bookable by a client, a closed day is not,
deleting is refused while bookings are under way, and a wrong price is explained."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import delete, select

from core.booking.actions import refund_due_on_cancel
from core.booking.actors import Actor
from core.booking.policy import PolicyPreset, preset_policy
from core.booking.states import BookingState, Role
from core.catalog.vocabulary import CATEGORIES, MARKET_TZ
from core.clock import FixedClock
from core.db.tables import Blackout, Booking, Service, WeeklyRule
from core.uow import UnitOfWorkFactory
from dialogs.i18n.translator import translator
from dialogs.provider.service_text import PROBLEMS
from tests.support.bookings import drive_to, request
from tests.support.chat import Chat, bookings, client_chat, provider_chat
from tests.support.factories import make_provider, make_user

FR = translator("fr")  # the factories' provider speaks French
DAY = date(2026, 6, 14)  # a Sunday; the clock is early May 2026


@pytest.fixture
def db(uows: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """A fresh database on SQLite and, when configured, on PostgreSQL (tests/conftest.py)."""
    return uows


async def services_of(uows: UnitOfWorkFactory, provider_id: int) -> list[Service]:
    async with uows() as uow:
        rows = await uow.session.scalars(
            select(Service).where(Service.provider_id == provider_id).order_by(Service.id)
        )
        found = list(rows.all())
        uow.session.expunge_all()
        return found


async def write_new_service(provider: Chat) -> None:
    """A full-day wedding film at a fixed price, every question answered."""
    await provider.send("/services")
    await provider.click("new")
    await provider.click("v:videographer")
    await provider.send("Film de mariage")
    await provider.click("lg:ar")
    await provider.send("فيلم الزفاف")
    # The Arabic title asked for is content, not a sign of the language to answer in.
    assert "g|lang:ar" not in provider.buttons()
    await provider.click("done")
    await provider.send("Un film de toute la journée, monté en une semaine.")
    await provider.click("done")
    await provider.click("v:fixed")
    await provider.send("8 000 dh")
    await provider.click("v:30")
    await provider.click("v:full")
    await provider.click("v:1")
    await provider.send("20-400")
    await provider.send("3 jours")
    await provider.click("v:0")
    await provider.click("v:strict")
    assert await provider.position() == "psvc:svc"
    assert FR("Not saved yet") in provider.text
    await provider.click("save")


async def test_a_service_written_in_the_bot_is_bookable_by_a_client(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, provider_id, _ = await make_provider(db, clock.now())
    provider = await provider_chat(db, clock, owner)
    await provider.send("/start")
    assert {"svcs", "avail"} <= set(provider.buttons())
    await write_new_service(provider)
    assert FR("Your service is saved and on offer: clients can find and book it.") in (
        provider.text
    )
    new = (await services_of(db, provider_id))[-1]
    assert (new.title, new.category, new.pricing_model) == (
        {"fr": "Film de mariage", "ar": "فيلم الزفاف"},
        "videographer",
        "fixed",
    )
    assert (new.price_minor, new.deposit_bp, new.duration_minutes) == (800_000, 3000, None)
    assert (new.min_guests, new.max_guests, new.min_notice_hours) == (20, 400, 72)
    assert new.cancellation_policy == preset_policy(PolicyPreset.STRICT).to_json()

    # A client finds it on the provider's profile and books it.
    client = client_chat(db, clock, language="fr")
    await client.send("/start p-studio-atlas")
    await client.click(f"book:{new.id}")
    await client.click("evt:wedding")
    await client.send("14 juin")
    await client.send("120")
    await client.click("city:rabat")
    await client.send("Salle Al Andalous")
    await client.click("skip")
    await client.send("0612345678")
    await client.click("skip")
    await client.click("confirm")
    [booking] = await bookings(db)
    assert (booking.service_id, booking.event_date, booking.state) == (new.id, DAY, "requested")
    assert booking.total_minor == 800_000


async def test_a_service_saved_while_closed_every_day_leads_to_the_opening_hours(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """A new provider has no opening hours: saving a service does not say it can be booked,
    it asks the hours next."""
    owner, provider_id, _ = await make_provider(db, clock.now())
    async with db() as uow:
        await uow.session.execute(delete(WeeklyRule).where(WeeklyRule.provider_id == provider_id))
        await uow.commit()
    provider = await provider_chat(db, clock, owner)
    await provider.send("/start")
    await write_new_service(provider)
    assert FR("Your service is saved and on offer: clients can find and book it.") not in (
        provider.text
    )
    assert (
        FR(
            "Your service is saved. Clients can book it once you have opening hours: "
            "choose your days below."
        )
        in provider.text
    )
    assert await provider.position() == "pavail:week"
    assert len(await services_of(db, provider_id)) == 2  # the factory's and the new one
    await provider.click("d:0-5")  # Monday to Saturday
    await provider.send("10:00-22:00")
    assert FR("Saved.") in provider.text
    async with db() as uow:
        days = (await uow.session.scalars(select(WeeklyRule.weekday))).all()
    assert sorted(days) == list(range(6))


async def test_a_closed_day_is_not_bookable(db: UnitOfWorkFactory, clock: FixedClock) -> None:
    owner, _, service_id = await make_provider(db, clock.now())
    provider = await provider_chat(db, clock, owner)
    await provider.send("/availability")
    await provider.click("close")
    await provider.send("14 juin")
    assert FR("Closed on {day}. Clients can't book that day.", day=FR.date(DAY)) in provider.text
    await provider.click("vac")
    await provider.send("20 juin")
    await provider.send("18 juin")  # before the first day
    assert (
        FR("The last day comes before the first one. Please type the last day again.")
        in provider.text
    )
    await provider.send("25 juin")
    async with db() as uow:
        days = list((await uow.session.scalars(select(Blackout.day).order_by(Blackout.day))).all())
    assert days == [DAY, *(date(2026, 6, d) for d in range(20, 26))]

    client = client_chat(db, clock, language="fr")
    await client.send("/start p-studio-atlas")
    await client.click(f"book:{service_id}")
    await client.click("evt:wedding")
    await client.send("14 juin")
    assert FR("The provider is not available on this date.") in client.text
    assert await client.position() == "book:date"
    await client.send("22 juin")
    assert FR("The provider is not available on this date.") in client.text
    await client.send("15 juin")  # open again: the form moves on
    assert await client.position() != "book:date"

    # Opened again from the bot: bookable again.
    await provider.send("/availability")
    await provider.click("reopen")
    await provider.click("r:2026061420260614")
    await client.send("/start p-studio-atlas")
    await client.click(f"book:{service_id}")
    await client.click("evt:wedding")
    await client.send("14 juin")
    assert await client.position() != "book:date"


async def test_weekly_hours_are_replaced_for_the_days_chosen(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, _, _ = await make_provider(db, clock.now())
    provider = await provider_chat(db, clock, owner)
    await provider.send("/availability")
    await provider.click("d:0-5")
    await provider.send("25:00-10:00")
    assert FR("Please type the hours like 10:00-22:00.") in provider.text
    await provider.send("10h-14h, 13h-22h")
    assert (
        FR("These time ranges overlap. Please give them in order, e.g. 10:00-14:00, 16:00-22:00.")
        in provider.text
    )
    await provider.send("10:00-22:00")
    await provider.click("d:6")
    await provider.click("closed")
    async with db() as uow:
        rules = (await uow.session.scalars(select(WeeklyRule))).all()
        hours = sorted((r.weekday, r.start.hour, r.end.hour) for r in rules)
    assert hours == [(d, 10, 22) for d in range(6)]
    assert "lun.–sam. 10:00–22:00" in provider.text


async def test_weekly_hours_said_as_people_say_them(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """ "كل يوم من 9 ديال الصباح حتى 8 ديال الليل" on the week's screen: every day, those
    hours, at once; "de 10h du matin à 6h du soir" at a day's hours."""
    owner, _, _ = await make_provider(db, clock.now())
    provider = await provider_chat(db, clock, owner)
    await provider.send("/availability")
    await provider.send("كل يوم من 9 ديال الصباح حتى 8 ديال الليل")
    assert translator("ar")("Saved.") in provider.text  # answered in the language typed
    await provider.click("d:6")
    await provider.send("de 10h du matin à 6h du soir")
    await provider.send("tous les jours")  # the days alone: their hours are asked
    assert await provider.position() == "pavail:hours"
    async with db() as uow:
        rules = (await uow.session.scalars(select(WeeklyRule))).all()
        hours = sorted((r.weekday, r.start.hour, r.end.hour) for r in rules)
    assert hours == [*((d, 9, 20) for d in range(6)), (6, 10, 18)]


async def test_a_vacation_typed_whole_at_its_first_question(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """ "du 1er au 10 août" at "what is the first day you are away?" was read as one date:
    the 10th, and the vacation closed it alone (a walk on WhatsApp, 2026-12-07)."""
    owner, _, _ = await make_provider(db, clock.now())
    provider = await provider_chat(db, clock, owner)
    await provider.send("/availability")
    for typed in ("du 1er au 10 août", "from 28 September to 2 October", "من 1 إلى 3 دجنبر"):
        await provider.click("vac")
        await provider.send(typed)
        assert await provider.position() == "pavail:week", typed
        assert ".." not in provider.text  # "2 oct.." (the short month's own full stop)
    await provider.click("vac")
    await provider.send("du 20 août au 18 août")  # backwards: said, and nothing closed
    assert await provider.position() == "pavail:vacfrom"
    assert FR("The last day comes before the first one. Please type them again.") in (provider.text)
    async with db() as uow:
        days = list((await uow.session.scalars(select(Blackout.day).order_by(Blackout.day))).all())
    assert days == [
        *(date(2026, 8, d) for d in range(1, 11)),
        *(date(2026, 9, d) for d in range(28, 31)),
        *(date(2026, 10, d) for d in (1, 2)),
        *(date(2026, 12, d) for d in (1, 2, 3)),
    ]


async def test_weekdays_typed_rather_than_their_buttons(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """ "samedi" on the week's screen, whose button reads "sam.", got "Please choose an
    option" (a walk on WhatsApp, 2026-12-07); days are typed alone, listed, as a range, or
    with their hours."""
    owner, _, _ = await make_provider(db, clock.now())
    provider = await provider_chat(db, clock, owner)
    await provider.send("/availability")
    await provider.send("samedi")
    assert await provider.position() == "pavail:hours"
    assert (await provider.state()).data["days"] == [5]
    await provider.send("10h-14h")
    await provider.send("du lundi au jeudi de 9h à 17h")  # days and hours at once
    await provider.send("vendredi et dimanche")
    assert (await provider.state()).data["days"] == [4, 6]
    await provider.click("closed")
    async with db() as uow:
        rules = (await uow.session.scalars(select(WeeklyRule))).all()
        hours = sorted((r.weekday, r.start.hour, r.end.hour) for r in rules)
    assert hours == [*((d, 9, 17) for d in range(4)), (5, 10, 14)]


async def test_delete_is_refused_while_bookings_are_under_way_and_pause_is_offered(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, provider_id, service_id = await make_provider(db, clock.now())
    client = await make_user(db, clock.now())
    await request(db, clock.now(), client, service_id, DAY)
    provider = await provider_chat(db, clock, owner)
    await provider.send("/services")
    await provider.click(f"s:{service_id}")
    await provider.click("del")
    assert (
        FR.plural(
            "This service has {n} booking under way, so it can't be deleted. You can"
            " pause it instead: clients no longer see it, and your booking stays as it is.",
            "This service has {n} bookings under way, so it can't be deleted. You can"
            " pause it instead: clients no longer see it, and your bookings stay as they"
            " are.",
            1,
        )
        in provider.text
    )
    assert await provider.position() == "psvc:svc"
    assert "pause" in provider.buttons()
    [service] = await services_of(db, provider_id)
    assert service.deleted_at is None and service.active
    await provider.click("pause")
    [service] = await services_of(db, provider_id)
    assert not service.active and service.deleted_at is None
    # A paused service is no longer offered to clients.
    client_view = client_chat(db, clock, language="fr")
    await client_view.send("/start p-studio-atlas")
    assert f"book:{service_id}" not in client_view.buttons()


async def test_a_service_without_bookings_under_way_is_deleted(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, provider_id, service_id = await make_provider(db, clock.now())
    provider = await provider_chat(db, clock, owner)
    await provider.send("/services")
    await provider.click(f"s:{service_id}")
    await provider.click("del")
    await provider.click("no")
    assert await provider.position() == "psvc:svc"
    await provider.click("del")
    await provider.click("yes")
    assert FR("The service is deleted.") in provider.text
    assert f"s:{service_id}" not in provider.buttons()
    [service] = await services_of(db, provider_id)
    assert service.deleted_at is not None and not service.active


async def test_a_wrong_price_is_explained_and_a_field_is_changed_alone(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, provider_id, service_id = await make_provider(db, clock.now())
    provider = await provider_chat(db, clock, owner)
    await provider.send("/services")
    await provider.click(f"s:{service_id}")
    await provider.click("ed:price")
    assert FR("Now: {value}", value=FR.money(500_000)) in provider.last.text
    await provider.send("cinq mille")
    assert (
        FR("Please type the price as a number of dirhams, for example 2500 or 2 500,50.")
        in provider.text
    )
    await provider.send("5 000 000")
    too_high = FR(PROBLEMS["service_price_too_high"], max_money=FR.money(100_000_000))
    assert too_high in provider.text
    await provider.send("0,50")
    assert FR(PROBLEMS["service_price_too_low"], min_money=FR.money(100)) in provider.text
    [service] = await services_of(db, provider_id)
    assert service.price_minor == 500_000  # nothing stored meanwhile
    await provider.send("6 500")
    assert await provider.position() == "psvc:svc"
    [service] = await services_of(db, provider_id)
    assert service.price_minor == 650_000
    assert service.title == {"fr": "Reportage", "en": "Coverage", "ar": "تغطية"}

    # Hourly pricing for a full-day service is refused with the reason.
    await provider.click("ed:pricing")
    await provider.click("v:per_hour")
    assert FR(PROBLEMS["service_hourly_needs_duration"]) in provider.text
    [service] = await services_of(db, provider_id)
    assert service.pricing_model == "fixed"


async def test_another_providers_service_cannot_be_opened(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, _, _ = await make_provider(db, clock.now())
    _, _, other_service = await make_provider(db, clock.now(), slug="dj-nights", category="dj")
    provider = await provider_chat(db, clock, owner)
    await provider.send("/services")
    await provider.press(provider.payload("new").replace("new", f"s:{other_service}"))
    assert FR("This service is no longer offered.") in provider.text
    assert await provider.position() == "psvc:list"


async def test_the_policy_picked_for_a_service_decides_the_clients_refund(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, _, service_id = await make_provider(db, clock.now())
    client = await make_user(db, clock.now())
    booking_id = await request(db, clock.now(), client, service_id, DAY)
    await drive_to(db, booking_id, BookingState.CONFIRMED, owner=owner, now=clock.now())
    four_days_before = datetime.combine(DAY, time(9), MARKET_TZ) - timedelta(days=4)

    async def refund_if_cancelled() -> int:
        async with db() as uow:
            booking = await uow.session.get(Booking, booking_id)
            assert booking is not None and booking.paid_minor > 0
            actor = Actor(Role.CLIENT, client)
            return (await refund_due_on_cancel(uow, booking, actor, four_days_before)).amount

    # The provider's (default, moderate) policy: nothing back 4 days before.
    assert await refund_if_cancelled() == 0
    provider = await provider_chat(db, clock, owner)
    await provider.send("/services")
    await provider.click(f"s:{service_id}")
    await provider.click("ed:policy")
    await provider.click("v:flexible")
    assert FR("Saved.") in provider.text
    # Flexible: half back from 2 days before.
    async with db() as uow:
        paid = (await uow.session.get(Booking, booking_id)).paid_minor  # type: ignore[union-attr]
    assert await refund_if_cancelled() == paid // 2


async def test_a_new_service_s_category_typed_as_clients_search_for_it(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """ "gâteaux" at "which category?" is pastry (the search's words); a word naming none
    is asked again."""
    owner, _, _ = await make_provider(db, clock.now())
    provider = await provider_chat(db, clock, owner)
    await provider.send("/services")
    await provider.click("new")
    await provider.send("des choses")
    assert FR("Please choose a category from the list.") in provider.text
    await provider.send("gâteaux")
    assert (await provider.state()).data["draft"]["category"] == "pastry"


async def test_a_new_service_s_categories_list_the_provider_s_own_first(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """A caterer's second menu is catering: on WhatsApp the categories are numbered, and
    the provider's own came eighth or ninth among every category."""
    owner, _, _ = await make_provider(db, clock.now(), category="caterer")
    provider = await provider_chat(db, clock, owner)
    await provider.send("/services")
    await provider.click("new")
    choices = [b for b in provider.buttons() if b.startswith("v:")]
    assert choices[0] == "v:caterer"
    assert sorted(choices) == sorted(f"v:{c}" for c in CATEGORIES)  # each once
    await provider.send("1")  # the first listed: its own
    assert (await provider.state()).data["draft"]["category"] == "caterer"
