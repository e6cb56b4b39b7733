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


async def test_an_empty_search_offers_each_choice_whose_removal_finds_someone(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """ "No provider matches" with, as buttons, what dropping one choice would find."""
    await open_market(uows, clock.now())
    chat = client_chat(uows, clock)
    await chat.send("/start")
    for code in ("m:find", "cat:photographer", "city:rabat", "day:any"):
        await chat.click(code)
    await chat.click("flt:budget")
    await chat.send("100")  # MAD: nobody is that cheap
    assert EN("No provider matches this search. Without one of your choices:") in chat.text
    assert "rlx:budget" in chat.buttons() and "rlx:day" not in chat.buttons()  # no date set
    assert EN.plural("Any budget: {n} provider", "Any budget: {n} providers", 1) in [
        b.label for b in chat.last.all_buttons()
    ]
    await chat.click("rlx:budget")
    assert "budget" not in (await chat.state()).data
    assert chat.last.edit and EN("Page {page} of {pages}", page=1, pages=1) in chat.text

    # Tomorrow is too soon for the photographer (two days' notice): any date finds them.
    await chat.click("flt:date")
    await chat.send("tomorrow")
    assert "rlx:day" in chat.buttons()
    await chat.click("rlx:day")
    state = await chat.state()
    assert state.position == "discover:results" and state.data["day"] is None
    assert EN("Page {page} of {pages}", page=1, pages=1) in chat.text

    # Nothing to drop that would help: the plain advice.
    await chat.click("flt:budget")
    await chat.send("100")
    await chat.click("flt:date")
    await chat.send("tomorrow")
    assert EN("No provider matches this search. Without one of your choices:") not in chat.text
    assert (
        EN("No provider matches yet. Try another date, a larger budget, or fewer filters.")
        in chat.text
    )
