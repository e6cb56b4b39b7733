"""The path of an update is declared by its step, read before anything runs: a step runs
once, and a step declared read-only that writes fails loudly instead of falling back."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.clock import FixedClock
from core.db.tables import ProcessedEvent
from core.people.users import record_source, set_locale
from core.uow import UnitOfWorkFactory
from dialogs.client.app import CLIENT_APP
from dialogs.framework.context import Ctx
from dialogs.framework.diagrams import arrows
from dialogs.framework.engine import DialogApp
from dialogs.framework.errors import APOLOGY
from dialogs.framework.flow import (
    READS,
    WRITES,
    Access,
    Action,
    Answer,
    Flow,
    Go,
    Outcome,
    Step,
    reading,
)
from dialogs.framework.replies import Reply
from dialogs.i18n.translator import translator
from dialogs.provider.app import PROVIDER_APP
from tests.support.bookings import request
from tests.support.chat import (
    APOLOGIES,
    Chat,
    client_chat,
    dialog_engine,
    open_market,
    sqlite_uows,
    user_of,
)

EN = translator("en")
APPS = {"client": CLIENT_APP, "provider": PROVIDER_APP}


@pytest.mark.parametrize("name", APPS)
def test_every_step_command_and_global_button_declares_its_path(name: str) -> None:
    app = APPS[name]
    for flow in app.flows.values():
        for step_name, step in flow.steps.items():
            where = f"{flow.name}:{step_name}"
            assert isinstance(step.access, Access), where
            # An answer that only reads may be refused (Invalid): its own prompt then shows
            # again on the read-only path, so it must only read too.
            if step.access.reads_only is not WRITES.reads_only:
                assert step.access.shows_only, where
    for action in (*app.commands.values(), *app.globals.values()):
        assert isinstance(action, Action)


@pytest.mark.parametrize("name", APPS)
def test_every_arrow_out_of_a_reading_step_leads_to_a_screen_that_reads(name: str) -> None:
    """A step whose answers all only read runs on the read-only path, and so does the
    prompt of wherever it moves: each arrow its diagram draws must lead to a screen that
    only reads (for another flow, its first screen), or that move would fail there."""
    app = APPS[name]
    for flow in app.flows.values():
        if flow.diagram is None:
            continue
        here = {f.name: f for f in app.flows.values() if f.diagram == flow.diagram}
        for source, target in arrows(flow.diagram):
            step = flow.steps.get(source)
            if step is None or step.access.reads_only is not READS.reads_only:
                continue  # drawn for another flow of the file, or its answers may write
            owner = next((f for f in here.values() if target in f.steps), None)
            if owner is not None:
                where, screen = f"{owner.name}:{target}", owner.steps[target]
            else:
                other = app.flows[target]
                where, screen = f"{other.name}:{other.first}", other.steps[other.first]
            assert screen.access.shows_only, f"{flow.name}:{source} --> {where}"


def test_both_homes_only_read() -> None:
    """A new chat, a stale button or Back with no history show home: for the client that is
    plain navigation; the provider's home lists their bookings, read exactly but without a
    transaction (tests/integration/test_provider_home_path.py)."""
    for app in (CLIENT_APP, PROVIDER_APP):
        flow, step = app.home
        assert app.flows[flow].steps[step].access.shows_only


class Counted:
    """A step answer that counts its runs and, if told so, writes."""

    def __init__(self, writes: bool) -> None:
        self.runs, self.writes = 0, writes  # each run writes a row of its own

    async def __call__(self, ctx: Ctx, answer: Answer) -> Outcome:
        self.runs += 1
        if self.writes:
            row = ProcessedEvent(source="test", external_id=f"{self.runs}", processed_at=ctx.now)
            ctx.uow.session.add(row)
        return Go("main", before=(ctx.reply("done"),))


async def _prompt(ctx: Ctx) -> Reply:
    return ctx.reply("Go on", [(ctx.button("Do it", "go"),)])


def _app(answer: Counted, access: Access) -> DialogApp:
    flow = Flow("menu", "main", {"main": Step(_prompt, answer, access)})
    return DialogApp(flows={"menu": flow}, commands={})


async def _processed(chat: Chat) -> int:
    async with chat.engine.uows() as uow:
        return await uow.session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0


@pytest.mark.parametrize("access", [READS, WRITES], ids=["reads", "writes"])
async def test_a_step_runs_once_on_the_path_it_declares(
    tmp_path: Path, clock: FixedClock, access: Access
) -> None:
    answer = Counted(writes=access is WRITES)
    async with sqlite_uows(tmp_path / "once.db") as uows:
        chat = Chat(dialog_engine(_app(answer, access), uows, clock), "c:1")
        await chat.send("hello")  # the first screen (the step answers the text too)
        runs, written = answer.runs, await _processed(chat)
        await chat.click("go")
        assert answer.runs == runs + 1
        assert chat.replies[0].text == "done"
        assert await _processed(chat) == written + (1 if access is WRITES else 0)


async def test_a_step_declared_read_only_that_writes_fails_loudly(
    tmp_path: Path, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    """No silent second run in a transaction: the user gets the apology any failing step
    gets, the log says what went wrong, and nothing is written."""
    answer = Counted(writes=True)
    async with sqlite_uows(tmp_path / "wrong.db") as uows:
        chat = Chat(dialog_engine(_app(answer, READS), uows, clock), "c:1", allow_apology=True)
        await chat.send("hello")  # already the apology: the step answers the text too
        with caplog.at_level(logging.ERROR, logger="dialogs.framework.fast_path"):
            await chat.send("again")
        assert answer.runs == 2
        assert chat.text == EN(APOLOGY)
        failure = next(r for r in caplog.records if r.exc_info)
        assert failure.exc_info is not None and failure.exc_info[0] is AttributeError
        assert await _processed(chat) == 0


async def test_the_bookings_list_reads_exactly_on_the_read_only_path(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Opening "My bookings" only reads, so it takes the journal's way; it reads the
    bookings afresh each time (no cache), so one made a moment ago elsewhere shows."""
    market = await open_market(uows, clock.now())
    chat = client_chat(uows, clock)
    await chat.send("/start")
    await chat.click("m:mine")
    assert chat.text.startswith(EN("You have no bookings yet."))
    day = clock.now().date() + timedelta(days=30)
    client = (await user_of(chat)).id
    booking_id = await request(uows, clock.now(), client, market.photo_service, day)
    batches = chat.engine.store.batches
    await chat.send("/mybookings")
    assert chat.engine.store.batches == batches + 1  # no transaction of its own
    assert chat.text.startswith(EN("Your bookings:"))
    assert f"bk:{booking_id}" in chat.buttons()


async def _changes_the_user(ctx: Ctx, answer: Answer) -> Outcome:
    if answer.code == "go":
        set_locale(ctx.user, "fr")  # a write: only a transaction can keep it
    return Go("main", before=(ctx.reply("done"),))


async def test_a_step_declared_read_only_that_changes_the_user_fails_loudly(
    tmp_path: Path, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Not silently lost with the memory's copy of the user: the apology, and the log."""
    flow = Flow("menu", "main", {"main": Step(_prompt, _changes_the_user, READS)})
    async with sqlite_uows(tmp_path / "user.db") as uows:
        app = DialogApp(flows={"menu": flow}, commands={})
        chat = Chat(dialog_engine(app, uows, clock), "c:1", allow_apology=True)
        await chat.send("hello")
        with caplog.at_level(logging.ERROR, logger="dialogs.framework.fast_path"):
            await chat.click("go")
        assert chat.text in APOLOGIES  # in the language the step switched to, here
        assert "changed the user" in caplog.text
        assert (await user_of(chat)).locale == "en"


async def _sets_source_and_locale(ctx: Ctx, arg: str) -> Outcome:
    record_source(ctx.user, arg)
    set_locale(ctx.user, "fr")  # more than a first contact's user is created with
    return Go("main", before=(ctx.reply("done"),))


async def test_a_first_contact_step_may_set_its_new_users_source_only(
    tmp_path: Path, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Declared to set what a new user is created with (the source): anything else it
    sets fails loudly on the read-only path, as any wrong declaration does."""
    flow = Flow("menu", "main", {"main": Step(_prompt, _changes_the_user, READS)})
    command = reading(_sets_source_and_locale, when=lambda _: False, new_user=lambda _: True)
    async with sqlite_uows(tmp_path / "first.db") as uows:
        app = DialogApp(flows={"menu": flow}, commands={"start": command})
        chat = Chat(dialog_engine(app, uows, clock), "c:1", allow_apology=True)
        with caplog.at_level(logging.ERROR, logger="dialogs.framework.fast_path"):
            await chat.send("/start ads")
        assert chat.text in APOLOGIES
        assert "changed the user" in caplog.text
        assert chat.engine.store.batches == 0  # nothing written: not even the new user
