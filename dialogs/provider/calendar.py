"""The provider's calendars: import their own (an ICS address), export their bookings.

Importing: the provider pastes the address their calendar app gives (Google's secret
address in iCal format, an Apple public calendar, Outlook's ICS link); the times it shows
busy are no longer offered to clients. It is read again on "Refresh now", every day, and
whenever they accept a request. Exporting: a secret address their calendar app can
subscribe to, which they can replace (the old one then stops working).
"""

from __future__ import annotations

from pathlib import Path

from core.booking.actors import Actor
from core.booking.queries import booking_reference
from core.booking.states import Role
from core.calendar_sync.accept_check import busy_before_accept
from core.calendar_sync.export import feed_address, feed_token, rotate_feed_token
from core.calendar_sync.feed_address import feed_url
from core.calendar_sync.imports import (
    ImportStatus,
    RefreshOutcome,
    calendar_import_of,
    connect_calendar,
    disconnect_calendar,
    refresh_provider_calendar,
)
from core.calendar_sync.ports import CalendarFeedError
from core.calendar_sync.prefetch import (
    FetchedFeed,
    feed_before_accept,
    feed_of_chat,
    fetch_feed,
)
from core.catalog.vocabulary import MARKET_TZ
from core.errors import DomainError
from core.people.provider_accounts import provider_of_user
from dialogs.framework.context import Ctx
from dialogs.framework.errors import explain
from dialogs.framework.fetching import Fetching
from dialogs.framework.flow import WRITES, Answer, Flow, Go, Invalid, Outcome, Step
from dialogs.framework.replies import Button, Reply
from dialogs.i18n.translator import N_, Translator

BUSY_ON_ACCEPT = N_(
    "Your calendar now shows you busy at the time of {ref}, so it was not accepted. Free that"
    " time in your calendar and accept again, or decline the request."
)
OFF = N_("Importing calendars is not available at the moment.")


async def _provider_id(ctx: Ctx) -> int | None:
    provider = await provider_of_user(ctx.uow, ctx.user.id)
    return provider.id if provider else None


def _when(ctx: Ctx, status: ImportStatus) -> str:
    if status.refreshed_at is None:
        return "—"
    local = status.refreshed_at.astimezone(MARKET_TZ)
    return ctx.t.date(local.date(), "short") + " " + ctx.t.time(local)


def _import_lines(ctx: Ctx, status: ImportStatus | None) -> list[str]:
    t = ctx.t
    if status is None:
        return [
            t(
                "No calendar is connected. Connect your Google, Apple or Outlook calendar: the"
                " times it shows busy will not be offered to clients."
            )
        ]
    lines = [
        t("Connected calendar: {host}", host=status.host),
        t("Last read: {when}", when=_when(ctx, status)),
        t("Busy periods imported: {n}", n=status.busy_count),
    ]
    if status.last_error:
        error = DomainError(status.last_error)
        lines.append("⚠ " + t("The last automatic refresh failed:") + " " + explain(error, t))
    return lines


async def menu_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    provider_id = await _provider_id(ctx)
    if provider_id is None:
        return ctx.reply(
            t("This bot is for Mounasabet providers."), [(ctx.button("« " + t("Back"), "home"),)]
        )
    status = await calendar_import_of(ctx.uow, provider_id)
    address = feed_address(ctx.deps.public_url, await feed_token(ctx.uow, provider_id))
    text = "\n".join(
        [
            "📅 " + t("Your calendar"),
            "",
            *_import_lines(ctx, status),
            "",
            t(
                "Your Mounasabet bookings as a calendar: add this address in Google or Apple"
                ' Calendar ("subscribe by URL"). Keep it private.'
            ),
            address,
        ]
    )
    connect = t("Connect a calendar") if status is None else t("Change the calendar")
    rows: list[tuple[Button, ...]] = [(ctx.button("🔗 " + connect, "url"),)]
    if status is not None:
        rows.append((ctx.button("🔄 " + t("Refresh now"), "refresh"),))
        rows.append((ctx.button(t("Disconnect the calendar"), "drop"),))
    rows.append((ctx.button(t("New address for my bookings"), "rotate"),))
    rows.append((ctx.button("« " + t("Back"), "home"),))
    return ctx.reply(text, rows)


async def menu_answer(ctx: Ctx, answer: Answer) -> Outcome:
    code = answer.code or ""
    provider_id = await _provider_id(ctx)
    if code == "home" or provider_id is None:
        return Go("home", "phome", reset=True)
    if code == "url":
        return Go("url")
    if code == "rotate":
        return Go("rotate")
    if code == "refresh":
        if ctx.deps.calendars is None:
            return Invalid(ctx.t(OFF))
        outcome = await refresh_provider_calendar(
            ctx.uow,
            provider_id,
            _feed(ctx),
            now=ctx.now,
            horizon_days=ctx.deps.calendar_horizon_days,
        )
        return Go(
            "menu", before=(ctx.reply(_summary(outcome, ctx.deps.calendar_horizon_days, ctx.t)),)
        )
    if code == "drop":
        await disconnect_calendar(ctx.uow, provider_id)
        done = ctx.t("The calendar is disconnected; its busy times were removed.")
        return Go("menu", before=(ctx.reply(done),))
    return Invalid(ctx.t("Please choose an option."))


async def url_prompt(ctx: Ctx) -> Reply:
    text = ctx.t(
        "Paste your calendar's address in iCal format. Google Calendar: Settings → your"
        ' calendar → "Secret address in iCal format". Apple: share the calendar as public.'
        " Outlook: Publish a calendar → ICS link."
    )
    return ctx.reply(text, [ctx.nav_row()])


async def url_answer(ctx: Ctx, answer: Answer) -> Outcome:
    provider_id = await _provider_id(ctx)
    if provider_id is None:
        return Go("home", "phome", reset=True)
    if not answer.text:
        return Invalid(ctx.t("Please paste the address as text."))
    if ctx.deps.calendars is None:
        return Invalid(ctx.t(OFF))
    url, fetched = feed_url(answer.text), _feed(ctx)  # CalendarFeedError: not an address
    if fetched is None or fetched.url != url:
        raise CalendarFeedError("calendar_not_fetched")  # never fetched here: _fetch_pasted
    outcome = await connect_calendar(
        ctx.uow, provider_id, fetched, now=ctx.now, horizon_days=ctx.deps.calendar_horizon_days
    )
    return Go("menu", before=(ctx.reply(_summary(outcome, ctx.deps.calendar_horizon_days, ctx.t)),))


def _summary(outcome: RefreshOutcome, days: int, t: Translator) -> str:
    text = t(
        "Calendar read: {n} busy periods in the next {days} days. Clients will not be offered"
        " those times.",
        n=outcome.busy_count,
        days=days,
    )
    if outcome.conflicts:
        refs = t.join(c.reference for c in outcome.conflicts)  # "،" in Arabic
        text += "\n\n⚠ " + t(
            "Your calendar has events at the same time as these bookings: {refs}. Our team has"
            " been told.",
            refs=refs,
        )
    return text


async def rotate_prompt(ctx: Ctx) -> Reply:
    t = ctx.t
    text = t(
        "Make a new address for your bookings' calendar? The current address will stop"
        " working: calendars subscribed to it must be given the new one."
    )
    return ctx.reply(text, [(ctx.button(t("Yes, make a new address"), "yes"),), ctx.nav_row()])


async def rotate_answer(ctx: Ctx, answer: Answer) -> Outcome:
    provider_id = await _provider_id(ctx)
    if provider_id is None:
        return Go("home", "phome", reset=True)
    if answer.code != "yes":
        return Invalid(ctx.t("Please choose an option."))
    token = await rotate_feed_token(ctx.uow, provider_id)
    text = ctx.t(
        "Done. The old address no longer works. The new one: {url}",
        url=feed_address(ctx.deps.public_url, token),
    )
    return Go("menu", before=(ctx.reply(text),))


async def open_calendar(ctx: Ctx, _: str) -> Outcome:
    """/calendar and the home screen's button."""
    return Go("menu", "pcal", reset=True)


async def calendar_refuses_accept(ctx: Ctx, booking_id: int) -> Reply | None:
    """Before an accept: the provider's calendar read again; the reason to refuse, if busy."""
    busy = await busy_before_accept(
        ctx.uow,
        _feed(ctx),
        booking_id,
        Actor(Role.PROVIDER, ctx.user.id),
        now=ctx.now,
        horizon_days=ctx.deps.calendar_horizon_days,
    )
    if not busy:
        return None
    ref = await booking_reference(ctx.uow, booking_id) or "—"
    return ctx.reply(ctx.t(BUSY_ON_ACCEPT, ref=ref))


# Feeds are fetched before the step's transaction opens (dialogs/framework/fetching.py): a
# slow calendar host then holds up this provider's chat only, not everyone's writes.


def _feed(ctx: Ctx) -> FetchedFeed | None:
    return ctx.fetched if isinstance(ctx.fetched, FetchedFeed) else None


async def _fetch_connected(fetching: Fetching, answer: Answer) -> FetchedFeed | None:
    """On "Refresh now": the feed this chat's provider connected."""
    fetcher = fetching.deps.calendars
    if answer.code != "refresh" or fetcher is None:
        return None
    url = await fetching.read(
        lambda session: feed_of_chat(session, fetching.channel, fetching.external_id)
    )
    return await fetch_feed(fetcher, url) if url else None


async def _fetch_pasted(fetching: Fetching, answer: Answer) -> FetchedFeed | None:
    """The address pasted, if it is one we fetch (url_answer says why not otherwise)."""
    fetcher = fetching.deps.calendars
    if fetcher is None or not answer.text:
        return None
    try:
        url = feed_url(answer.text)
    except CalendarFeedError:  # not an address: the step itself says so
        return None
    return await fetch_feed(fetcher, url)


async def fetch_before_accept(fetching: Fetching, arg: str) -> FetchedFeed | None:
    """Accept: the feed of the provider whose request it is, if they connected one."""
    fetcher = fetching.deps.calendars
    if fetcher is None or not arg.isdigit():
        return None
    owners = await fetching.reads.calendar_owners()  # kept: most providers connect none
    if fetching.user_id is not None and fetching.user_id not in owners:
        return None
    url = await fetching.read(
        lambda session: feed_before_accept(
            session, fetching.channel, fetching.external_id, int(arg)
        )
    )
    return await fetch_feed(fetcher, url) if url else None


FLOW = Flow(
    "pcal",
    "menu",
    {
        "menu": Step(menu_prompt, menu_answer, WRITES, fetch=_fetch_connected),
        "url": Step(url_prompt, url_answer, WRITES, fetch=_fetch_pasted),
        "rotate": Step(rotate_prompt, rotate_answer, WRITES),
    },
    on_cancel=("pcal", "menu"),
    diagram=Path(__file__).with_name("calendar.mmd"),
)
