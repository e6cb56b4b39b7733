"""Typed choices with consequences are confirmed when their list was not the last shown.

Where options are typed as numbers (WhatsApp), "1" picks from the last list the person
saw. When a message without options came after that list (news), they may be answering
something else: accepting, declining, paying, cancelling or sending a request then asks
once more, naming the booking, and shows the current screen again.

When news came with options of its own seconds before a number was typed, the number may
have been meant for the list the news displaced: when it means something else in each,
and either meaning has consequences, the person is asked which they meant, each choice
named with its booking (issue 19). Otherwise the news, the last list shown, owns it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from core.booking.queries import booking_reference
from dialogs.framework.context import Ctx, global_button
from dialogs.framework.options import chosen_option, typed_number
from dialogs.framework.replies import Button, Reply
from dialogs.framework.state import DialogState

# Buttons valid on any screen that change a booking or money (``g|name:<booking id>``).
GLOBAL_ACTIONS = frozenset({"pacc", "pdec", "pdel", "pay"})
# Screen buttons that do the same: send the request, "yes, cancel", confirm delivery (a
# booking's Pay is the global one).
SCREEN_ACTIONS = frozenset({"confirm", "yes"})
# A number typed this soon after news with options took the numbers may have been typed
# for the list before, while the news came in: about the time it takes to type and send a
# number. Reading a card and answering it takes longer, so a person who answers the news
# is not asked.
NEWS_OVERLAP = timedelta(seconds=20)


def needs_confirmation(options_last: bool, payload: str) -> bool:
    return not options_last and consequential(payload)


def consequential(payload: str) -> bool:
    """The choice changes a booking or money."""
    screen, _, code = payload.partition("|")
    if screen == "g":
        return code.partition(":")[0] in GLOBAL_ACTIONS
    return code in SCREEN_ACTIONS


async def confirm_choice(ctx: Ctx, payload: str, label: str, current: Reply) -> Reply:
    """The current screen again, led by the chosen action named with its booking."""
    t = ctx.t
    _, _, code = payload.partition("|")
    name, _, arg = code.partition(":")
    reference = None
    if name in GLOBAL_ACTIONS and arg.isdigit():
        reference = await booking_reference(ctx.uow, int(arg))
    if reference is None:  # a screen's own action: that screen names what it acts on
        note = t("Other messages came after this question. To be sure, please answer it again:")
        return _with_note(ctx, current, note)
    note = t(
        "Other messages came after that list. To be sure: {action} for {ref}?",
        action=" ".join(label.split()),
        ref=reference,
    )
    named = label if reference in label else f"{label} {reference}"
    return _with_note(ctx, current, note, (global_button(named, code),))


def _with_note(ctx: Ctx, reply: Reply, note: str, first: tuple[Button, ...] = ()) -> Reply:
    # Photos stay out: the question is asked again, the profile is not sent again.
    return ctx.reply(
        f"{note}\n\n{reply.text}",
        [first, *reply.buttons],
        request_contact=reply.request_contact,
    )


def displaced_choice(state: DialogState, typed: str, chosen: str, now: datetime) -> str | None:
    """What ``typed`` (a number) meant in the list that news displaced just now, when that
    is not ``chosen`` (what it means in the news) and one of the two has consequences."""
    if state.displaced_at is None or not typed_number(typed):
        return None  # a label names one option: only a rank means something in each list
    if now - datetime.fromisoformat(state.displaced_at) > NEWS_OVERLAP:
        return None  # the news was read: its list owns the number
    earlier = displaced_pick(state, typed)
    if earlier is None or earlier == chosen:
        return None
    return earlier if consequential(chosen) or consequential(earlier) else None


def displaced_pick(state: DialogState, typed: str) -> str | None:
    """What ``typed`` (a number or a label) picks in the list that news displaced. Alone
    it is what was meant when the news' own list has no such option ("3" under a card with
    two options, "Bookings" under a request's card), however long after the news: no list
    below has it, so there is no other meaning to ask about (one with consequences is
    still confirmed first)."""
    if not state.displaced:
        return None
    return chosen_option(state.displaced, typed)


async def which_one(ctx: Ctx, typed: str, meant: Sequence[tuple[str, str]]) -> Reply:
    """Ask which of ``meant`` ([label, payload], the earlier list's first) "1" was for."""
    t = ctx.t
    ctx.state.displaced, ctx.state.displaced_at = [], None  # asked once; this list answers
    buttons: list[tuple[Button, ...]] = [
        (Button(await _named(ctx, label, payload), payload),) for label, payload in meant
    ]
    text = t(
        "A new message arrived just before your answer. What did you mean by “{typed}”?",
        typed=typed,
    )
    return ctx.reply(text, buttons)


async def _named(ctx: Ctx, label: str, payload: str) -> str:
    """The label, with its booking's reference when it acts on one not named in it."""
    name, _, arg = payload.partition("|")[2].partition(":")
    if payload.startswith("g|") and name in GLOBAL_ACTIONS and arg.isdigit():
        reference = await booking_reference(ctx.uow, int(arg))
        if reference is not None and reference not in label:
            return f"{label} {reference}"
    return label
