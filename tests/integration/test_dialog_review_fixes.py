"""Behaviour fixed after the review of the fast path: Back to the results from the form,
a search that can't be shown, an information button pressed twice, and the news of a
step that was undone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.clock import FixedClock
from core.db.tables import Ticket
from core.domain.events import BookingRequested
from core.errors import InvalidValue
from core.uow import UnitOfWorkFactory
from dialogs.context import Ctx, Deps
from dialogs.engine import DialogApp, DialogEngine
from dialogs.flow import Answer, Flow, Outcome, Step
from dialogs.i18n.translator import translator
from dialogs.nlu.builtin import BuiltinParser
from dialogs.provider_app import PROVIDER_APP
from dialogs.replies import Reply
from tests.support.bookings import count
from tests.support.chat import Chat, client_chat, dialog_engine, open_market, sqlite_uows

EN = translator("en")


async def test_back_from_the_form_shows_the_search_results_again(
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


async def test_a_search_for_too_many_guests_says_so(
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


async def test_an_information_button_answers_every_time(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    chat = client_chat(uows, clock)
    await chat.send("/start")
    help_button = chat.payload("m:help")
    for _ in range(2):
        replies = await chat.press(help_button)
        assert (
            len(replies) == 1
            and EN("Mounasabet finds and books event providers for you.") in replies[0].text
        )


async def _changes_then_fails(ctx: Ctx, answer: Answer) -> Outcome:
    ctx.uow.record(BookingRequested(booking_id=1))
    raise InvalidValue("reason_required")


async def _prompt(ctx: Ctx) -> Reply:
    return ctx.reply("Go on", [(ctx.button("Do it", "go"),)])


async def test_the_news_of_an_undone_step_is_undone_too(tmp_path: Path, clock: FixedClock) -> None:
    flow = Flow("menu", "main", {"main": Step(_prompt, _changes_then_fails)})
    app = DialogApp(flows={"menu": flow}, commands={})
    seen: list[Any] = []
    async with sqlite_uows(tmp_path / "news.db") as base:

        async def on_event(_session: Any, event: Any) -> None:
            seen.append(event)

        uows = UnitOfWorkFactory(base.session_factory, (on_event,))
        chat = Chat(DialogEngine(app, uows, Deps(nlu=BuiltinParser()), clock), "c:1")
        await chat.send("hello")
        await chat.click("go")
    assert EN("Please give a reason.") in chat.text
    assert seen == []  # the event recorded before the step failed was not published


async def test_someone_on_the_provider_bot_can_write_to_us(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    stranger = Chat(dialog_engine(PROVIDER_APP, uows, clock), "p:new", language="en")
    await stranger.send("/start")  # not a provider: the explanation points to /support
    assert "/support" in stranger.text
    await stranger.send("/support")
    await stranger.click("sb:0")  # not about a booking
    await stranger.send("I would like to offer my catering services")
    assert await count(uows, Ticket) == 1
    assert (await stranger.state()).flow == "phome"  # back home, the provider bot's


async def test_a_typed_budget_is_read_as_an_amount(
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
