"""Issue 15: each booking sweep stepped through a booking's timeline with a controlled clock.

Every step runs the sweep twice: the second run must change nothing. The timelines cross
Morocco's Ramadan clock changes of March 2026 and 2027 (Africa/Casablanca goes from UTC+0
back to UTC+1): 24 hours stay 24 real hours, and 10:00 stays 10:00 on the local clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.booking.actors import Actor
from core.booking.states import Action, BookingState, Role
from core.clock import FixedClock
from core.db.tables import SlotHold, User
from core.payments.ports import Payments
from core.uow import UnitOfWorkFactory
from dialogs.i18n.translator import translator
from payments.links import HmacLinks
from payments.offline_gateway import OfflineGateway
from tests.support.bookings import act, count, drive_to, request, snapshot
from tests.support.chat import news_for
from tests.support.factories import make_provider, make_user
from tests.support.sweeps import booking, messages, sweep

S = BookingState
MINUTE = timedelta(minutes=1)
LOCAL = "http://127.0.0.1:9"  # links are only made, never opened


async def twice(uows: UnitOfWorkFactory, sweep_id: str, now: datetime) -> dict[str, int]:
    """Run a sweep, then again at the same instant: the second run must do nothing."""
    first = await sweep(uows, sweep_id, now)
    before = await messages(uows)
    again = await sweep(uows, sweep_id, now)
    assert all(v == 0 for k, v in again.items() if k != "skipped"), again
    assert await messages(uows) == before
    return first


async def test_unanswered_request_reminded_at_half_time_then_expired_across_the_clock_change(
    uows: UnitOfWorkFactory,
) -> None:
    # Requested at 20:00 UTC on 21 March 2026; Casablanca moves to UTC+1 at 02:00 UTC.
    clock = FixedClock(datetime(2026, 3, 21, 20, 0, tzinfo=UTC))
    owner, _, service = await make_provider(uows, clock.now())
    client = await make_user(uows, clock.now())
    booking_id = await request(uows, clock.now(), client, service, date(2026, 4, 18))
    requested_at = clock.now()

    clock.set(requested_at + timedelta(hours=12) - MINUTE)
    assert (await twice(uows, "remind-unanswered", clock.now()))["reminded"] == 0
    clock.set(requested_at + timedelta(hours=12))
    assert (await twice(uows, "remind-unanswered", clock.now()))["reminded"] == 1
    assert [(k, u, a) for k, u, a, _, _ in await messages(uows, "request_reminder")] == [
        ("request_reminder", owner, "provider")
    ]

    clock.set(requested_at + timedelta(hours=24) - MINUTE)
    assert (await twice(uows, "expire-pending", clock.now()))["expired"] == 0
    assert (await booking(uows, booking_id)).state == S.REQUESTED.value
    clock.set(requested_at + timedelta(hours=24))
    assert (await twice(uows, "expire-pending", clock.now()))["expired"] == 1
    after = await snapshot(uows, booking_id)
    assert after.state == S.EXPIRED.value
    assert after.holds == ()  # the slot is free again
    assert ("booking_expired", client, "client") in after.outbox
    assert ("booking_expired", owner, "provider") in after.outbox
    # An expired request is reminded of no more.
    assert (await twice(uows, "remind-unanswered", clock.now()))["reminded"] == 0


async def test_unpaid_acceptance_reminded_at_24_hours_then_expired_at_48(
    uows: UnitOfWorkFactory,
) -> None:
    clock = FixedClock(datetime(2027, 3, 13, 18, 30, tzinfo=UTC))  # the eve of 14 March 2027
    owner, _, service = await make_provider(uows, clock.now())
    client = await make_user(uows, clock.now())
    booking_id = await request(uows, clock.now(), client, service, date(2027, 4, 24))
    clock.advance(timedelta(hours=2))
    await act(uows, booking_id, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=clock.now())
    accepted_at = clock.now()

    clock.set(accepted_at + timedelta(hours=24) - MINUTE)
    assert (await twice(uows, "remind-unpaid", clock.now()))["reminded"] == 0
    clock.set(accepted_at + timedelta(hours=24))
    assert (await twice(uows, "remind-unpaid", clock.now()))["reminded"] == 1
    reminded = await messages(uows, "deposit_reminder")
    assert [(u, a) for _, u, a, _, _ in reminded] == [(client, "client")]
    # Said as a reminder, true also when the client accepted the provider's terms.
    [told] = await news_for(uows, "deposit_reminder", client)
    fr, accepted = translator("fr"), await booking(uows, booking_id)
    reminder = fr(
        "Reminder: {ref} with {provider} is accepted and waits for your deposit of "
        "{deposit}. Pay it before {deadline} to confirm the booking, or it expires.",
        ref=accepted.reference,
        provider="studio-atlas",
        deposit=fr.money(accepted.deposit_minor, "MAD"),
        deadline="\0",
    )
    assert told.text.startswith(reminder.partition("\0")[0])

    clock.set(accepted_at + timedelta(hours=48) - MINUTE)
    assert (await twice(uows, "expire-pending", clock.now()))["expired"] == 0
    clock.set(accepted_at + timedelta(hours=48))
    assert (await twice(uows, "expire-pending", clock.now()))["expired"] == 1
    assert (await booking(uows, booking_id)).state == S.EXPIRED.value
    assert await count(uows, SlotHold) == 0


@pytest.mark.parametrize(
    ("event_day", "week_before", "day_before"),
    [
        # Ramadan 2026: UTC+1 until 15 February, UTC+0 until 22 March, then UTC+1 again.
        (
            date(2026, 2, 20),
            datetime(2026, 2, 13, 9, 0, tzinfo=UTC),
            datetime(2026, 2, 19, 10, 0, tzinfo=UTC),
        ),
        (
            date(2026, 3, 27),
            datetime(2026, 3, 20, 10, 0, tzinfo=UTC),
            datetime(2026, 3, 26, 9, 0, tzinfo=UTC),
        ),
        # Ramadan 2027: UTC+0 from 7 February to 14 March.
        (
            date(2027, 2, 10),
            datetime(2027, 2, 3, 9, 0, tzinfo=UTC),
            datetime(2027, 2, 9, 10, 0, tzinfo=UTC),
        ),
        (
            date(2027, 3, 17),
            datetime(2027, 3, 10, 10, 0, tzinfo=UTC),
            datetime(2027, 3, 16, 9, 0, tzinfo=UTC),
        ),
    ],
    ids=["2026-ramadan-starts", "2026-ramadan-ends", "2027-ramadan-starts", "2027-ramadan-ends"],
)
async def test_event_reminders_at_ten_local_a_week_and_a_day_before(
    uows: UnitOfWorkFactory, event_day: date, week_before: datetime, day_before: datetime
) -> None:
    clock = FixedClock(week_before - timedelta(days=5))
    owner, _, service = await make_provider(uows, clock.now())
    client = await make_user(uows, clock.now())
    booking_id = await request(uows, clock.now(), client, service, event_day)
    await drive_to(uows, booking_id, S.CONFIRMED, owner=owner, now=clock.now())

    def sent(days: int) -> set[tuple[int, str]]:
        return {(u, a) for _, u, a, d, _ in reminders if d == days}

    both = {(client, "client"), (owner, "provider")}
    for at, days in ((week_before, 7), (day_before, 1)):
        clock.set(at - MINUTE)
        await twice(uows, "event-reminders", clock.now())
        reminders = await messages(uows, "event_reminder")
        assert sent(days) == set(), f"D-{days} sent before 10:00 local"
        clock.set(at)
        assert (await twice(uows, "event-reminders", clock.now()))["reminded"] == 2
        reminders = await messages(uows, "event_reminder")
        assert sent(days) == both
    # The event itself: nothing more.
    clock.set(datetime.combine(event_day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12))
    assert (await twice(uows, "event-reminders", clock.now()))["reminded"] == 0
    assert len(await messages(uows, "event_reminder")) == 4
    # "View booking" opens it in each side's own bot.
    for user, code in ((client, "bk"), (owner, "pbk")):
        for news in await news_for(uows, "event_reminder", user):
            assert [b.payload for b in news.all_buttons()] == [f"g|{code}:{booking_id}"]


async def test_a_late_worker_sends_only_the_reminder_still_worth_sending(
    uows: UnitOfWorkFactory,
) -> None:
    clock = FixedClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    owner, _, service = await make_provider(uows, clock.now())
    client = await make_user(uows, clock.now())
    booking_id = await request(uows, clock.now(), client, service, date(2026, 6, 13))
    await drive_to(uows, booking_id, S.CONFIRMED, owner=owner, now=clock.now())
    clock.set(datetime(2026, 6, 12, 15, 0, tzinfo=UTC))  # down since before D-7
    await twice(uows, "event-reminders", clock.now())
    assert {d for *_, d, _ in await messages(uows, "event_reminder")} == {1}


async def test_a_booking_made_days_ahead_is_reminded_of_the_days_really_left(
    uows: UnitOfWorkFactory,
) -> None:
    """Booked on the 10th for the 13th: the first reminder is due at once (its D-7 slot
    has passed), and must say "in 3 days", not "in one week"; D-1 says "tomorrow"."""
    clock = FixedClock(datetime(2026, 6, 10, 9, 0, tzinfo=UTC))
    owner, _, service = await make_provider(uows, clock.now())
    client = await make_user(uows, clock.now())
    booking_id = await request(uows, clock.now(), client, service, date(2026, 6, 13))
    await drive_to(uows, booking_id, S.CONFIRMED, owner=owner, now=clock.now())
    fr = translator("fr")
    reference = (await booking(uows, booking_id)).reference
    assert (await twice(uows, "event-reminders", clock.now()))["reminded"] == 2
    [first] = await news_for(uows, "event_reminder", client)
    assert (
        fr.plural(
            "Reminder: your event {ref} with {provider} is in {n} day, on {date}. "
            "Your provider's contact: {contact}.",
            "Reminder: your event {ref} with {provider} is in {n} days, on {date}. "
            "Your provider's contact: {contact}.",
            3,
            ref=reference,
            provider="studio-atlas",
            date=fr.date(date(2026, 6, 13)),
            contact="—",
        ).split(",")[0]
        in first.text
    )
    assert "semaine" not in first.text
    clock.set(datetime(2026, 6, 12, 9, 0, tzinfo=UTC))  # 10:00 in Casablanca (UTC+1)
    assert (await twice(uows, "event-reminders", clock.now()))["reminded"] == 2
    [_, tomorrow] = await news_for(uows, "event_reminder", client)
    assert "demain" in tomorrow.text


async def test_event_reminders_give_a_phone_typed_rather_than_shared(
    uows: UnitOfWorkFactory,
) -> None:
    """A provider who typed their number (a contact, not the account's proven phone) is
    reachable all the same: the client's reminder gives it, as the deposit's card does."""
    clock = FixedClock(datetime(2026, 6, 10, 9, 0, tzinfo=UTC))
    owner, _, service = await make_provider(uows, clock.now())
    async with uows() as uow:
        user = await uow.session.get(User, owner)
        assert user is not None and user.phone_e164 is None
        user.contact_phone = "+212612345678"
        await uow.commit()
    client = await make_user(uows, clock.now())
    booking_id = await request(uows, clock.now(), client, service, date(2026, 6, 13))
    await drive_to(uows, booking_id, S.CONFIRMED, owner=owner, now=clock.now())
    assert (await twice(uows, "event-reminders", clock.now()))["reminded"] == 2
    [reminder] = await news_for(uows, "event_reminder", client)
    assert "+212612345678" in reminder.text
    assert "—" not in reminder.text


async def test_delivery_auto_confirmed_three_days_later_never_before_the_event_ends(
    uows: UnitOfWorkFactory,
) -> None:
    clock = FixedClock(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    owner, _, service = await make_provider(uows, clock.now())
    client = await make_user(uows, clock.now())
    booking_id = await request(uows, clock.now(), client, service, date(2027, 3, 10))
    # Delivery can't be marked before the event starts (issue 14): it is marked then.
    await drive_to(uows, booking_id, S.DELIVERED, owner=owner, now=clock.now())
    row = await booking(uows, booking_id)
    delivered_at = row.starts_at
    payments = offline_payments()
    clock.set(row.ends_at)  # the event is over, but the client still has three days
    assert await sweep(uows, "auto-confirm-delivery", clock.now(), payments=payments) == {
        "confirmed": 0
    }
    clock.set(delivered_at + timedelta(days=3) - MINUTE)
    await sweep(uows, "auto-confirm-delivery", clock.now(), payments=payments)
    assert (await booking(uows, booking_id)).delivery_confirmed_at is None
    clock.set(delivered_at + timedelta(days=3))
    assert (await sweep(uows, "auto-confirm-delivery", clock.now(), payments=payments))[
        "confirmed"
    ] == 1
    assert (await booking(uows, booking_id)).delivery_confirmed_at == clock.now()
    assert await sweep(uows, "auto-confirm-delivery", clock.now(), payments=payments) == {
        "confirmed": 0
    }


def offline_payments() -> Payments:
    return Payments(OfflineGateway(LOCAL), HmacLinks(b"k" * 32, LOCAL))
