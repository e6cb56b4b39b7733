"""Searching from the client bot: going back from the booking form, out-of-range guest
counts, and budgets typed the way people write amounts."""

from __future__ import annotations

from core.clock import FixedClock
from core.uow import UnitOfWorkFactory
from dialogs.i18n.translator import translator
from tests.support.chat import client_chat, open_market

EN = translator("en")


async def test_back_from_the_booking_form_returns_to_the_search_results(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    market = await open_market(uows, clock.now())
    chat = client_chat(uows, clock)
    await chat.send("/start")
    for code in ("m:find", "cat:photographer", "city:rabat", "day:any"):
        await chat.click(code)
    await chat.click(f"open:{market.photo_provider}")
    await chat.click(f"book:{market.photo_service}")
    assert (await chat.state()).flow == "book"
    while (await chat.state()).position != "discover:results":
        assert (await chat.state()).flow in ("book", "discover")
        await chat.click("nav:back")
    assert EN("Page {page} of {pages}", page=1, pages=1) in chat.text


async def test_a_search_for_more_guests_than_allowed_names_the_allowed_range(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    await open_market(uows, clock.now())
    chat = client_chat(uows, clock)
    await chat.send("/start")
    await chat.send("photographer in Rabat for 20000 guests")
    assert EN("Please give a number of guests between 1 and {max}.", max=10_000) in chat.text
    # The rest of the request still stands: the search goes on without the count.
    state = await chat.state()
    assert state.position == "discover:results"
    assert "guests" not in state.data


async def test_a_budget_typed_in_any_usual_form_is_read_as_dirhams(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    await open_market(uows, clock.now())
    chat = client_chat(uows, clock)
    await chat.send("/start")
    for code in ("m:find", "cat:photographer", "city:rabat", "day:any"):
        await chat.click(code)
    for typed in ("8000,00 dh", "8k MAD", "8 000", "٨٠٠٠"):
        await chat.click("flt:budget")
        await chat.send(typed)
        assert (await chat.state()).data["budget"] == 800_000, typed  # 8,000 MAD
    await chat.click("flt:budget")
    await chat.send("about eight")
    assert EN("Please type an amount in dirhams, for example 8000.") in chat.text
