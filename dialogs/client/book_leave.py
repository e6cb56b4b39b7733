"""Leave the booking form? Asked when a message at a form step looked like a new search or
a question (aside.py): Yes leaves with it, No takes it as the answer or asks again."""

from __future__ import annotations

from dialogs.client.aside import ASIDE, TEXT_STEPS
from dialogs.client.book_steps import advance
from dialogs.client.free_text import NOT_UNDERSTOOD, route_text
from dialogs.client.menu import AFTER_ACTION
from dialogs.framework.context import Ctx
from dialogs.framework.flow import Answer, Go, Invalid, Outcome, Show
from dialogs.framework.replies import Reply


async def leave_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    aside = ctx.state.data.get(ASIDE) or {}
    quoted = "« " + str(aside.get("text", ""))[:120] + " »"
    if aside.get("search"):
        question = t("It looks like you want to look for something else: {text}", text=quoted)
    else:
        question = t("It looks like a question: {text}", text=quoted)
    question += "\n" + t("Leave this booking form? What you have entered so far is lost.")
    keep = (
        t("No, it is my answer") if aside.get("step") in TEXT_STEPS else t("No, continue the form")
    )
    return ctx.reply(
        question,
        [(ctx.button(t("Yes, leave the form"), "yes"),), (ctx.button(keep, "no"),), ctx.nav_row()],
    )


async def leave_answer(ctx: Ctx, answer: Answer) -> Outcome:
    aside = ctx.state.data.pop(ASIDE, None) or {}
    text, step = str(aside.get("text", "")), str(aside.get("step", ""))
    if answer.code == "no":
        if step in TEXT_STEPS:
            ctx.state.data[step] = text.strip()[: TEXT_STEPS[step]]
        return await advance(ctx)  # else the question it was at is asked again
    if answer.code != "yes" or not text:
        if aside:
            ctx.state.data[ASIDE] = aside
        return Invalid(ctx.t("Please answer Yes or No."))
    # The form is dropped; the message is then read as if typed on the main menu.
    ctx.state.data, ctx.state.history = {}, []
    outcome = await route_text(ctx, Answer(text=text), fallback=ctx.t(NOT_UNDERSTOOD))
    if isinstance(outcome, Go):
        return outcome
    if isinstance(outcome, Show):
        said = outcome.replies
    else:  # a note for the question it was at: said above the menu instead
        said = (ctx.reply(outcome.reason if isinstance(outcome, Invalid) else outcome.text),)
    ctx.state.data = {AFTER_ACTION: True}  # answered above: the menu need not welcome again
    return Go("main", "menu", before=said)
