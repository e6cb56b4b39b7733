"""The main menu, language choice and help — the places every command can reach."""

from __future__ import annotations

from pathlib import Path

from core.people.users import set_locale
from dialogs.client.free_text import NOT_UNDERSTOOD, help_text, route_text
from dialogs.framework.context import Ctx
from dialogs.framework.flow import (
    READS,
    SHOWS,
    Answer,
    Flow,
    Go,
    Invalid,
    Outcome,
    Remind,
    Step,
)
from dialogs.framework.replies import Reply
from dialogs.framework.reply_language import chosen_language
from dialogs.labels import LANGUAGE_NAMES

# Set in the menu's data by a step that finished something (a request sent): the menu that
# follows asks what next instead of welcoming them again (issue 14).
AFTER_ACTION = "_after_action"


async def main_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    if ctx.state.data.get(AFTER_ACTION):
        text = t("What else can I do for you? Choose an option or write what you need.")
    else:
        text = t(
            "Welcome to Mounasabet! Find and book photographers, caterers, venues, negafas "
            "and more for your event. Choose an option or write what you need."
        )
    return ctx.reply(
        text,
        [
            (ctx.button("🔎 " + t("Find a provider"), "m:find"),),
            (ctx.button("📅 " + t("My bookings"), "m:mine"),),
            (ctx.button("🌐 " + t("Language"), "m:lang"), ctx.button("❓ " + t("Help"), "m:help")),
            (ctx.button("💬 " + t("Support"), "m:support"),),
        ],
    )


async def main_answer(ctx: Ctx, answer: Answer) -> Outcome:
    match answer.code:
        case "m:find":
            ctx.state.data = {}
            return Go("category", "discover")
        case "m:mine":
            return Go("list", "mybookings")
        case "m:lang":
            return Go("choose", "language")
        case "m:help":
            return Remind(help_text(ctx))
        case "m:support":
            return Go("category", "support")
    return await route_text(ctx, answer, fallback=ctx.t(NOT_UNDERSTOOD))


async def language_prompt(ctx: Ctx) -> Reply:
    buttons = tuple(ctx.button(name, f"lang:{code}") for code, name in LANGUAGE_NAMES.items())
    return ctx.reply(ctx.t("Choose your language:"), [buttons, ctx.nav_row(cancel=False)])


async def language_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = (answer.code or "").removeprefix("lang:")
    if code not in LANGUAGE_NAMES:
        return Invalid(ctx.t("Please choose a language."))
    set_locale(ctx.user, code)
    chosen_language(ctx)
    return Go("main", "menu", before=(ctx.reply(ctx.t("Language changed.")),))


async def switch_language(ctx: Ctx, code: str) -> Outcome:
    """The button offered when a message was written in another language (issue 14): the
    screen the chat is on comes again, in that language."""
    if code not in LANGUAGE_NAMES:
        return Invalid(ctx.t("Please choose a language."))
    set_locale(ctx.user, code)
    chosen_language(ctx)
    return Go(ctx.state.step, before=(ctx.reply(ctx.t("Language changed.")),))


DIAGRAM = Path(__file__).with_name("menu.mmd")
MENU = Flow(
    name="menu",
    first="main",
    steps={"main": Step(main_prompt, main_answer, READS)},
    diagram=DIAGRAM,
)
LANGUAGE = Flow(
    name="language",
    first="choose",
    steps={"choose": Step(language_prompt, language_answer, SHOWS)},  # it writes the user
    diagram=DIAGRAM,
)
