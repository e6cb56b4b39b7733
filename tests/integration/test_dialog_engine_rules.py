"""Rules every step gets from the dialog engine: information buttons always answer, and
a step that fails publishes nothing it recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.clock import FixedClock
from core.errors import InvalidValue
from core.events import BookingRequested
from core.uow import UnitOfWorkFactory
from dialogs.bootstrap import build_engine
from dialogs.framework.context import Ctx, Deps
from dialogs.framework.engine import DialogApp
from dialogs.framework.flow import WRITES, Answer, Flow, Outcome, Step
from dialogs.framework.replies import Reply
from dialogs.i18n.translator import translator
from dialogs.nlu.builtin import BuiltinParser
from tests.support.chat import Chat, client_chat, sqlite_uows

EN = translator("en")


async def test_an_information_button_answers_every_time_it_is_pressed(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Help comes above the menu asked again (the menu's message edited in place on
    Telegram), so its own Help button is there to press again."""
    chat = client_chat(uows, clock)
    await chat.send("/start")
    for _ in range(2):
        replies = await chat.press(chat.payload("m:help"))
        assert len(replies) == 1 and replies[0].edit
        assert EN("Mounasabet finds and books event providers for you.") in replies[0].text
        assert "m:help" in chat.buttons()


async def _changes_then_fails(ctx: Ctx, answer: Answer) -> Outcome:
    ctx.uow.record(BookingRequested(booking_id=1))
    raise InvalidValue("reason_required")


async def _prompt(ctx: Ctx) -> Reply:
    return ctx.reply("Go on", [(ctx.button("Do it", "go"),)])


async def test_events_recorded_by_a_step_that_fails_are_not_published(
    tmp_path: Path, clock: FixedClock
) -> None:
    flow = Flow("menu", "main", {"main": Step(_prompt, _changes_then_fails, WRITES)})
    app = DialogApp(flows={"menu": flow}, commands={})
    seen: list[Any] = []
    async with sqlite_uows(tmp_path / "news.db") as base:

        async def on_event(_session: Any, events: Any) -> None:
            seen.extend(events)

        uows = UnitOfWorkFactory(base.session_factory, (on_event,))
        chat = Chat(build_engine(app, uows, Deps(nlu=BuiltinParser()), clock), "c:1")
        await chat.send("hello")
        await chat.click("go")
    assert EN("Please give a reason.") in chat.text
    assert seen == []  # the event recorded before the step failed was not published
