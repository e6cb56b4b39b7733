"""Issue 13: a provider's counter-proposal waits in the client's "My bookings" too.

The client may have missed the news (or scrolled past it): the list and the booking's own
screen say what the provider proposes and offer the same Accept / Refuse. Through the
real webhooks, the fake Bot API playing both people, the app's outbox worker delivering.
"""

from __future__ import annotations

from core.clock import FixedClock
from core.db.tables import Booking, SlotHold
from tests.e2e.test_issue_13_counter_proposal import (
    FR,
    KARIM,
    NEW_DAY,
    SALMA,
    a_request,
    connected_provider,
    news_with,
    proposal_id,
    propose,
)
from tests.support.telegram_app import TelegramApp, assert_wire_clean

WAITING = FR("New terms proposed, waiting for your answer:")


async def test_my_bookings_shows_the_proposal_and_accepts_it(
    tg: TelegramApp, clock: FixedClock
) -> None:
    await connected_provider(tg, KARIM, tg.provider.phone)
    _, booking_id = await a_request(tg, clock)
    [booking] = await tg.rows(Booking, Booking.id == booking_id)

    # Before any proposal: the line is the request alone, no Accept to press.
    await tg.say(SALMA, "/mybookings")
    before = tg.last(SALMA)
    assert WAITING not in (before.text or "")
    assert not any("cpa:" in d for d in before.callback_data())

    await propose(tg, booking_id, "20 juin", "4500")
    pid = await proposal_id(tg)
    await news_with(tg, SALMA, f"cpa:{pid}")  # the news came; the client opens the list

    await tg.say(SALMA, "/mybookings")
    listed = tg.last(SALMA)
    text = listed.text or ""
    assert booking.reference in text and WAITING in text
    assert FR.date(NEW_DAY) in text and FR.money(450_000) in text
    assert f"g|cpa:{pid}" in listed.callback_data() and f"g|cpr:{pid}" in listed.callback_data()

    # The booking's own screen says it too, with the proposal's buttons.
    await tg.tap(SALMA, f"bk:{booking_id}", message=listed)
    detail = tg.last(SALMA)
    assert WAITING in (detail.text or "") and FR.money(450_000) in (detail.text or "")
    assert detail.callback_data()[:2] == [f"g|cpa:{pid}", f"g|cpr:{pid}"]

    # Accepted from there: the request moves to the new day and price, accepted.
    await tg.tap(SALMA, f"cpa:{pid}", message=detail)
    [accepted] = await tg.rows(Booking, Booking.id == booking_id)
    assert (accepted.state, accepted.event_date, accepted.total_minor) == (
        "accepted",
        NEW_DAY,
        450_000,
    )
    assert [h.day for h in await tg.rows(SlotHold, SlotHold.booking_id == booking_id)] == [NEW_DAY]

    # The list's button, pressed late, is told politely (on the screen, edited in place);
    # nothing changes.
    stale = FR("This proposal was already answered. Nothing more to do.")
    assert not any(stale in text for text in tg.texts(SALMA))
    await tg.tap(SALMA, f"cpa:{pid}", message=listed)
    assert any(stale in text for text in tg.texts(SALMA))
    [again] = await tg.rows(Booking, Booking.id == booking_id)
    assert (again.state, again.updated_at) == ("accepted", accepted.updated_at)

    # And the list no longer offers it.
    await tg.say(SALMA, "/mybookings")
    after = tg.last(SALMA)
    assert WAITING not in (after.text or "")
    assert not any("cpa:" in d for d in after.callback_data())
    assert_wire_clean(tg.fake)
