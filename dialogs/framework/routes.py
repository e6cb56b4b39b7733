"""What an update will run, and whether that is declared to only read.

The engine reads the path from here before anything runs (dialogs/framework/fast_path.py):
every way an update can go (a button of the current screen, Back, Cancel, a stale or
forged button, a /command, a global button, typed text, a shared contact, a photo) ends in a step's
answer, an action or a screen, and each of those declares its path (flow.Access,
flow.Action). What is not declared to read runs in a transaction.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dialogs.framework.confirm import (
    confirm_choice,
    displaced_choice,
    displaced_pick,
    needs_confirmation,
    which_one,
)
from dialogs.framework.context import Ctx
from dialogs.framework.fetching import BoundFetch, Fetch
from dialogs.framework.flow import Action, Answer, Step
from dialogs.framework.options import chosen_option
from dialogs.framework.replies import MAX_PAYLOAD_BYTES, Reply
from dialogs.framework.state import DialogState
from dialogs.i18n.translator import N_

if TYPE_CHECKING:
    from dialogs.framework.engine import DialogEngine, Inbound

MAX_TEXT = 4000  # longer input is cut: nobody types an essay into a booking form
# Control characters have no place in a chat answer, and PostgreSQL refuses NUL in text.
CONTROL = {c: None for c in range(32) if chr(c) not in "\t\n\r"}
# Our payloads are printable ASCII whose numbers fit a 64-bit id; anything else is forged.
FORGED = re.compile(r"[^\x21-\x7e]|\d{19}")


@dataclass(frozen=True, slots=True)
class Route:
    """What an update runs, and whether that was declared to only read."""

    reads_only: bool
    run: Callable[[Ctx], Awaitable[list[Reply]]]
    sets_new_user: bool = False  # reads only, but on a first contact sets its new user
    fetch: Fetch | None = None  # run before its transaction (fetching.py)
    writes_in_journal: bool = False  # reads, and hands one write to the journal (flow.Access)


async def _nothing(ctx: Ctx) -> list[Reply]:
    return []


def route(engine: DialogEngine, state: DialogState, inbound: Inbound) -> Route:
    """What the update will run, and whether that is declared to only read: known
    before anything runs, so the engine picks the path up front (fast_path.py)."""
    if inbound.payload:
        return _on_payload(engine, state, inbound.payload)
    if inbound.contact_phone:
        return _answer(engine, state, Answer(contact_phone=inbound.contact_phone))
    if inbound.photo is not None or inbound.attachment:  # the step says what it makes of it
        return _answer(engine, state, Answer(photo=inbound.photo, attachment=inbound.attachment))
    text = (inbound.text or "").translate(CONTROL).strip()[:MAX_TEXT]
    if text.startswith("/"):
        name, _, arg = text[1:].partition(" ")
        command = engine.app.commands.get(name.split("@")[0].lower())
        if command is None:  # a mistyped command is no answer: show the ones there are
            command, arg = engine.app.commands.get("help"), ""
        if command is not None:
            return _action(engine, state, command, arg.strip())
    if not text:
        note = N_("Please write your answer, or choose an option.")
        return _prompt(engine, state, lambda ctx: engine.prompt_current(ctx, note=ctx.t(note)))
    chosen = chosen_option(state.options, text)
    if chosen is not None:  # "2" or "Rabat" typed for the option shown as such
        earlier = displaced_choice(state, text, chosen, engine.clock.now())
        if earlier is not None:
            return _which(state, text, chosen, earlier)
        if needs_confirmation(state.options_last, chosen):
            return _confirm(engine, state, chosen, state.options)
        return _on_payload(engine, state, chosen)
    # A number past the end of the list news brought, or a label it does not have, was
    # meant for the list before.
    earlier = displaced_pick(state, text)
    if earlier is not None:
        if needs_confirmation(False, earlier):  # that list is no longer the last shown
            return _confirm(engine, state, earlier, state.displaced)
        return _on_payload(engine, state, earlier)
    return _answer(engine, state, Answer(text=text))


def _confirm(
    engine: DialogEngine, state: DialogState, chosen: str, options: list[list[str]]
) -> Route:
    """A consequential choice typed after news came in: asked again, naming its booking
    (read exactly, so in a transaction). ``options``: the list it was chosen from."""
    label = next(label for label, payload in options if payload == chosen)

    async def run(ctx: Ctx) -> list[Reply]:
        return [await confirm_choice(ctx, chosen, label, await engine.prompt_current(ctx))]

    return Route(False, run)


def _which(state: DialogState, typed: str, chosen: str, earlier: str) -> Route:
    """A number typed just after news with options: asked which list it was for (bookings
    named, read exactly, so in a transaction). The screen stays as it was."""
    meant = [
        (next(label for label, payload in options if payload == wanted), wanted)
        for options, wanted in ((state.displaced, earlier), (state.options, chosen))
    ]

    async def run(ctx: Ctx) -> list[Reply]:
        return [await which_one(ctx, typed, meant)]

    return Route(False, run)


def _on_payload(engine: DialogEngine, state: DialogState, payload: str) -> Route:
    if len(payload.encode()) > MAX_PAYLOAD_BYTES or FORGED.search(payload):
        payload = ""  # treated as a button from an older screen
    screen, _, code = payload.partition("|")
    if screen == "g" and code:
        name, _, arg = code.partition(":")
        action = engine.app.globals.get(name)
        if action is not None:
            return _action(engine, state, action, arg)
    if payload == state.last_payload:
        return Route(True, _nothing)  # the same button twice (a double tap): done once
    if screen != f"{state.seq:x}" or not code:
        note = N_("That button belongs to an older message. Here is where we are now:")
        return _prompt(engine, state, lambda ctx: engine.prompt_current(ctx, note=ctx.t(note)))

    def pressed(ctx: Ctx) -> None:
        ctx.state.last_payload = payload

    if code == "nav:back":
        return _prompt(engine, _back_to(engine, state), engine.back, before=pressed)
    if code == "nav:cancel":
        return _prompt(engine, _cancel_to(engine, state), engine.cancel, before=pressed)
    return _answer(engine, state, Answer(code=code), before=pressed)


def _action(engine: DialogEngine, state: DialogState, action: Action, arg: str) -> Route:
    async def run(ctx: Ctx) -> list[Reply]:
        return await engine.apply(ctx, await engine.guarded(ctx, action.run, arg))

    # Refused (a DomainError), an action shows the chat's screen again under the reason:
    # it keeps off the transaction only where that screen's prompt only reads too.
    shown_again = _step_at(engine, state.flow, state.step).access.shows_only
    reads_only, fetch, sets_new_user = (
        action.reads_only(arg) and shown_again,
        action.fetch,
        action.sets_new_user(arg),
    )
    in_journal = action.writes_in_journal(arg) and shown_again
    if fetch is None or reads_only:
        return Route(reads_only, run, sets_new_user, writes_in_journal=in_journal)
    return Route(
        reads_only,
        run,
        sets_new_user,
        BoundFetch(fetch, arg),
        writes_in_journal=in_journal,
    )


def _answer(
    engine: DialogEngine,
    state: DialogState,
    answer: Answer,
    before: Callable[[Ctx], None] | None = None,
) -> Route:
    flow = engine.app.flows.get(state.flow)
    if flow is None or state.step not in flow.steps:
        # A new chat starts on the default "menu:main", which not every app has (the
        # provider bot's first words may be "Salam", not /start): show home instead.
        return _prompt(engine, engine.app.home, engine.prompt_current, before=before)
    step = flow.steps[state.step]

    async def run(ctx: Ctx) -> list[Reply]:
        if before is not None:
            before(ctx)
        return await engine.run(ctx, answer)

    reads_only, fetch = step.access.reads_only(answer), step.fetch
    in_journal = step.access.writes_in_journal(answer)
    if fetch is None or reads_only:
        return Route(reads_only, run, writes_in_journal=in_journal)
    return Route(
        reads_only,
        run,
        fetch=BoundFetch(fetch, answer),
        writes_in_journal=in_journal,
    )


def _prompt(
    engine: DialogEngine,
    where: DialogState | tuple[str, str],
    show: Callable[[Ctx], Awaitable[Reply | list[Reply]]],
    before: Callable[[Ctx], None] | None = None,
) -> Route:
    """Show a screen (``where``: a state or a (flow, step)): read-only if its prompt is."""
    flow_name, step_name = (where.flow, where.step) if isinstance(where, DialogState) else where

    async def run(ctx: Ctx) -> list[Reply]:
        if before is not None:
            before(ctx)
        shown = await show(ctx)
        return shown if isinstance(shown, list) else [shown]

    return Route(_step_at(engine, flow_name, step_name).access.shows_only, run)


def _step_at(engine: DialogEngine, flow_name: str, step_name: str) -> Step:
    """The step a screen shows: home's where the position names none (as
    engine.prompt_current shows it)."""
    flow = engine.app.flows.get(flow_name)
    if flow is None or step_name not in flow.steps:
        flow_name, step_name = engine.app.home
        flow = engine.app.flows[flow_name]
    return flow.steps[step_name]


def _back_to(engine: DialogEngine, state: DialogState) -> tuple[str, str]:
    """Where Back leads (what `back` will show), found without changing anything."""
    for position in reversed(state.history):
        flow, _, step = position.partition(":")
        if flow in engine.app.flows and step in engine.app.flows[flow].steps:
            return flow, step
    return engine.app.home


def _cancel_to(engine: DialogEngine, state: DialogState) -> tuple[str, str]:
    flow = engine.app.flows.get(state.flow)
    return flow.on_cancel if flow is not None else engine.app.home
