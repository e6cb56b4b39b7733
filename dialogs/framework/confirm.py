"""Typed choices with consequences are confirmed when their list was not the last shown.

Where options are typed as numbers (WhatsApp), "1" picks from the last list the person
saw. When a message without options came after that list (news), they may be answering
something else: accepting, declining, paying, cancelling or sending a request then asks
once more, naming the booking, and shows the current screen again.
"""

from __future__ import annotations

from core.booking.queries import booking_reference
from dialogs.framework.context import Ctx, global_button
from dialogs.framework.replies import Button, Reply

# Buttons valid on any screen that change a booking or money (``g|name:<booking id>``).
GLOBAL_ACTIONS = frozenset({"pacc", "pdec", "pdel", "pay"})
# Screen buttons that do the same: send the request, pay, "yes, cancel", confirm delivery.
SCREEN_ACTIONS = frozenset({"confirm", "pay", "yes"})


def needs_confirmation(options_last: bool, payload: str) -> bool:
    if options_last:
        return False
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
