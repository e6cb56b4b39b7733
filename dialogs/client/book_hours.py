"""Book: how long, for a service priced by the hour ("Pool party — 1 200 MAD per hour").

Asked after the start time: a number of hours (a button, or typed: "3", "3 h", "2,5",
"3 ساعات"), or the end time ("jusqu'à 23h", "until 11pm", "23:30"). The service's own
length is the shortest booking it takes.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Final

from core.booking.duration import MAX_BOOKED_MINUTES
from dialogs.client.book_steps import advance, service_of, slot_problem
from dialogs.framework.context import Ctx
from dialogs.framework.flow import Answer, Invalid, Outcome
from dialogs.framework.replies import Reply
from dialogs.nlu.normalize import normalize
from dialogs.nlu.times import minutes_between, read_span, read_time

HOUR_CHOICES = 6  # buttons: the shortest length, then one hour more each
# "3", "3 h", "3 heures", "2,5", "2.5 hours", "3 ساعات", "3 sa3at": a length, not a clock.
_LENGTH: Final = re.compile(
    r"^(?P<h>\d{1,2})(?:[.,](?P<half>5))?\s*(?:h|hr|hrs|heures?|hours?|ساعات|ساعه|sa3at|sa3a)?$"
)
# An end time is said with "until", or written as a clock with minutes ("23:30").
# (On normalized text: "حتى" is "حتي" there, "إلى" "الي".)
_UNTIL: Final = re.compile(r"(?<!\w)(?:jusqu|until|till|to|حتي|الي|l|ta|hta|7ta)(?!\w)")


async def hours_prompt(ctx: Ctx) -> Reply:
    service = await service_of(ctx)
    shortest = (service.duration_minutes if service else None) or 60
    first = -(-shortest // 60)  # whole hours, rounded up
    # Labelled with the bare number, so that a typed "3" means 3 hours, not the third
    # button (dialogs/framework/options.py reads numbers as values where labels are).
    buttons = [
        ctx.button(ctx.t.number(first + i), f"hrs:{(first + i) * 60}")
        for i in range(HOUR_CHOICES)
        if (first + i) * 60 <= MAX_BOOKED_MINUTES
    ]
    if shortest % 60:
        buttons.insert(0, ctx.button(length_text(ctx, shortest), f"hrs:{shortest}"))
    text = ctx.t(
        "For how many hours? (at least {hours}) Choose, or type the end time, like 23:30.",
        hours=length_text(ctx, shortest),
    )
    rows = [tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3)]
    return ctx.reply(text, [*rows, ctx.nav_row()])


async def hours_answer(ctx: Ctx, answer: Answer) -> Outcome:
    if not ctx.state.data.get("start"):  # a new date voided the start: ask it first
        return await advance(ctx)
    start = time.fromisoformat(ctx.state.data["start"])
    minutes: int | None
    span = read_span(answer.text) if answer.text else None
    if span is not None:  # "من 21 حتى 2": the start again, or a new one, and the end
        start, minutes = span[0], minutes_between(*span)
    else:
        minutes = _minutes_of(answer, start)
    if minutes is None:
        return Invalid(ctx.t("Please choose a number of hours, or type the end time, like 23:30."))
    problem = await slot_problem(ctx, start, minutes)
    if problem:
        return Invalid(problem)
    ctx.state.data["start"], ctx.state.data["minutes"] = start.strftime("%H:%M"), minutes
    return await advance(ctx)


def _minutes_of(answer: Answer, start: time) -> int | None:
    code = answer.code or ""
    if code.startswith("hrs:"):
        return int(code[4:]) if code[4:].isdigit() else None
    text = normalize(answer.text or "")
    length = _LENGTH.match(text)
    if length and not _UNTIL.search(text):
        return int(length.group("h")) * 60 + (30 if length.group("half") else 0)
    end = read_time(text)
    if end is None or end == start:
        return None
    return minutes_between(start, end)


def length_text(ctx: Ctx, minutes: int) -> str:
    """ "3 h", "2 h 30": how long, as the summary writes it."""
    hours, rest = divmod(minutes, 60)
    if not rest:
        return ctx.t("{n} h", n=ctx.t.number(hours))
    if not hours:
        return ctx.t("{m} min", m=str(rest))
    return ctx.t("{h} h {m}", h=str(hours), m=f"{rest:02d}")
