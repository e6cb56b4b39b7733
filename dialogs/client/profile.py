"""Provider profile: who they are, what they sell at what price, and when they are free."""

from __future__ import annotations

from datetime import date

from core.catalog.provider_profile import ProviderProfile
from dialogs import labels
from dialogs.client.book import start_booking
from dialogs.client.free_text import route_text
from dialogs.client.prices import price_text
from dialogs.client.review_lines import review_lines
from dialogs.framework.context import Ctx
from dialogs.framework.flow import READS, Answer, Invalid, Outcome, Step
from dialogs.framework.replies import Reply
from dialogs.i18n.translator import Translator
from dialogs.labels import LANGUAGE_NAMES

# A service's description under its line: enough to tell two services apart; the site's
# page has it whole.
SERVICE_ABOUT_CHARS = 160


async def profile_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    provider_id = ctx.state.data.get("provider_id")
    profile = await ctx.reads.profile(provider_id, now=ctx.now) if provider_id else None
    if profile is None:
        return ctx.reply(t("This provider is not available any more."), [ctx.nav_row()])
    rows = [
        (
            ctx.button(
                labels.shortened(t("Book: {service}", service=t.pick(s.title)), 60),
                f"book:{s.id}",
            ),
        )
        for s in profile.services
    ]
    day = ctx.state.data.get("day")
    text = profile_text(profile, t, day=date.fromisoformat(day) if day else None)
    return ctx.reply(text, [*rows, ctx.nav_row()], photos=profile.photos[:10])


def profile_text(profile: ProviderProfile, t: Translator, *, day: date | None = None) -> str:
    """The profile as clients read it (the provider bot's preview shows the same).
    ``day``: the date the client searched for, which the booking form will take."""
    lines = ["✦ " + t.pick(profile.name)]
    if profile.rating_count:
        lines.append(
            t(
                "Rated {rating}/5 by {n} clients",
                rating=t.decimal(profile.rating_x100 / 100),
                n=profile.rating_count,
            )
        )
    lines += review_lines(profile.reviews, t)
    lines.append(t.pick(profile.description))
    cities = t.join(labels.city(c, t) for c in profile.cities)
    langs = t.join(LANGUAGE_NAMES.get(code, code) for code in profile.languages)
    lines += [t("Cities: {cities}", cities=cities), t("Speaks: {languages}", languages=langs), ""]
    for service in profile.services:
        lines.append(f"• {t.pick(service.title)} — {price_text(service, t)}")
        if about := t.pick(service.description):  # what it includes, before booking it
            lines.append("  " + labels.shortened(about, SERVICE_ABOUT_CHARS))
    if day is not None:
        # Found by a search for that day: its date is what matters, not the next free ones.
        lines += ["", t("Your date: {date}. Choose a service to book it.", date=t.date(day))]
    elif profile.free_dates:
        dates = t.join(t.date(d, "medium") for d in profile.free_dates)
        if len(profile.services) > 1:
            # The dates are the first service's (the cheapest): another may need more
            # notice, and its date question then starts later. Say whose they are.
            first = t.pick(profile.services[0].title)
            lines += ["", t("Next free dates for {service}: {dates}", service=first, dates=dates)]
        else:
            lines += ["", t("Next free dates: {dates}", dates=dates)]
    return "\n".join(lines)


async def profile_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = answer.code or ""
    if code.startswith("book:") and code[5:].isdigit():
        return await start_booking(ctx, int(code[5:]))
    if answer.text:
        return await route_text(ctx, answer, fallback=ctx.t("Please choose a service to book."))
    return Invalid(ctx.t("Please choose a service to book."))


# The profile reads the catalog, and so does typed text (route_text); booking a service
# opens the form, whose questions only read (book.py).
profile_step = Step(profile_prompt, profile_answer, READS)
