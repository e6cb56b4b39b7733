"""Issue 16: bookings, transactions, exports, audit and dashboard from `mounasabet-admin`."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from admin_cli.dashboard import render
from core.admin.dashboard import dashboard
from core.booking.actors import Actor
from core.booking.proposals import propose
from core.booking.states import Role
from core.catalog.search_tally import SearchTally
from core.clock import FixedClock
from core.db.tables import Booking, BookingTransition, Provider, Refund
from core.support.tickets import open_ticket, raise_flag
from core.uow import UnitOfWorkFactory
from tests.support.admin import AdminCli, admin_process, news_of, paid_booking, url_of
from tests.support.bookings import request


@pytest.fixture
def admin(engine: AsyncEngine) -> AdminCli:
    return AdminCli(url_of(engine))


async def test_bookings_list_filters_and_timeline(
    uows: UnitOfWorkFactory, clock: FixedClock, admin: AdminCli
) -> None:
    booking_id, _, client = await paid_booking(uows, clock.now(), slug="studio-list")
    async with uows() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None
        service, day = booking.service_id, booking.event_date
    other = await request(uows, clock.now(), client, service, day.replace(day=1), city="rabat")

    rows = await admin.json("bookings", "list", "--state", "confirmed")
    assert [r["id"] for r in rows] == [booking_id]
    by_provider = await admin.json("bookings", "list", "--provider", "studio-list", "--sort", "id")
    assert [r["id"] for r in by_provider] == [booking_id, other]
    assert await admin.json("bookings", "list", "--provider", "nobody") == []
    assert [r["id"] for r in await admin.json("bookings", "list", "--from", day.isoformat())] == [
        booking_id
    ]
    assert await admin.json("bookings", "list", "--city", "fes") == []
    assert len(await admin.json("bookings", "list", "--client", str(client))) == 2
    assert "Not a date" in await admin.fails("bookings", "list", "--from", "soon")

    shown = await admin.json("bookings", "show", str(booking_id))
    kinds = [event["type"] for event in shown["timeline"]]
    assert {"transition", "payment", "message"} <= set(kinds)
    messages = [e for e in shown["timeline"] if e["type"] == "message"]
    assert any("deposit_paid" in e["what"] and e["detail"].startswith("pending") for e in messages)
    # Text for people: the deposit in dirhams, not its centimes labelled "MAD".
    [payment] = [e for e in shown["timeline"] if e["type"] == "payment"]
    deposit = shown["deposit_minor"]
    assert payment["what"] == f"deposit #1: {deposit // 100}.{deposit % 100:02d} MAD"
    assert "No booking 999" in await admin.fails("bookings", "show", "999")
    # Named by its reference, as a client quotes it in a ticket or on the phone.
    ref = shown["reference"]
    for quoted in (ref, ref.lower(), ref.replace("-", " "), ref.replace("-", "")):
        assert (await admin.json("bookings", "show", quoted))["id"] == booking_id
    assert "No booking MSB-2222222" in await admin.fails("bookings", "show", "MSB-2222222")
    assert "No booking soon" in await admin.fails("bookings", "show", "soon")
    # The table, for people (80 columns here): the reference whole, money in dirhams.
    table = await admin.ok("bookings", "list", "--state", "confirmed")
    total = shown["total_minor"]
    assert shown["reference"] in table
    assert f"{total // 100}." in await admin.ok("bookings", "show", str(booking_id))
    assert str(total) not in await admin.ok("bookings", "show", str(booking_id))

    # Other terms the provider offered: what would change, their word, how it ended.
    async with uows() as uow:
        owner = await uow.session.scalar(
            select(Provider.user_id).join(Booking).where(Booking.id == other)
        )
        assert owner is not None
        await propose(
            uow,
            other,
            Actor(Role.PROVIDER, owner),
            now=clock.now(),
            total_minor=650_000,
            note="Deux photographes, la salle est grande",
        )
        await uow.commit()
    [offer] = [
        e
        for e in (await admin.json("bookings", "show", str(other)))["timeline"]
        if e["type"] == "proposal"
    ]
    assert offer["what"].endswith("total 5000.00 MAD -> 6500.00 MAD")
    assert offer["detail"] == 'pending: "Deux photographes, la salle est grande"'


async def test_cancel_refunds_in_full_and_refund_is_partial(
    uows: UnitOfWorkFactory, clock: FixedClock, admin: AdminCli
) -> None:
    first, _, _ = await paid_booking(uows, clock.now(), slug="studio-cancel")
    second, _, _ = await paid_booking(uows, clock.now(), slug="studio-refund")

    assert "A reason is required" in await admin.fails(
        "bookings", "cancel", str(first), "--reason", " ", "--yes"
    )
    cancelled = await admin.json(
        "bookings", "cancel", str(first), "--reason", "provider ill", "--yes"
    )
    assert cancelled["state"] == "cancelled"
    assert cancelled["refund_requested_minor"] == cancelled["paid_minor"] > 0
    assert cancelled["refund_sent_minor"] == cancelled["paid_minor"]
    assert "cannot take the action cancel" in await admin.fails(
        "bookings", "cancel", str(first), "--reason", "again", "--yes"
    )
    # Both parties hear of it, and the provider is not told the client cancelled.
    told = await news_of(uows, "booking_cancelled", first)
    reference = cancelled["reference"]
    assert {audience: reply.text.splitlines()[0] for audience, reply in told.items()} == {
        "client": f"Notre équipe a annulé votre réservation {reference} avec studio-cancel.",
        "provider": f"Notre équipe a annulé la réservation {reference}.",
    }

    # Asked in dirhams too (the argument is in centimes); "no" does nothing.
    asked = await admin.run(
        "bookings", "refund", str(second), "10000", "--reason", "x", input="n\n"
    )
    assert "Refund 100.00 MAD (10000 minor units)" in asked.stdout and asked.exit_code == 1
    refunded = await admin.json(
        "bookings", "refund", str(second), "10000", "--reason", "late arrival", "--yes"
    )
    assert (refunded["state"], refunded["refunded_minor"]) == ("confirmed", 10000)
    assert "at most" in await admin.fails(
        "bookings", "refund", str(second), str(10**9), "--reason", "too much", "--yes"
    )
    async with uows() as uow:
        refunds = (await uow.session.scalars(select(Refund).order_by(Refund.id))).all()
        assert [(r.booking_id, r.status) for r in refunds] == [
            (first, "succeeded"),
            (second, "succeeded"),
        ]
        assert refunds[1].reason == "admin: late arrival"

    # The refund's call to Stripe, made by the worker after the commit, is no message.
    shown = await admin.json("bookings", "show", str(second))
    calls = [e for e in shown["timeline"] if e["type"] == "gateway call"]
    assert [(e["what"], e["detail"]) for e in calls] == [("send refund", "sent after 1 attempt(s)")]
    assert not [e for e in shown["timeline"] if e["what"].startswith("send_refund")]

    money = await admin.json("transactions", "list", "--kind", "refund")
    assert sorted(e["booking_id"] for e in money["entries"]) == [first, second]
    [refund_total] = money["totals"]
    assert refund_total["amount_minor"] == cancelled["paid_minor"] + 10000
    trail = await admin.json("audit", "--action", "bookings", "--sort", "id")
    assert [(a["action"], a["reason"]) for a in trail] == [
        ("bookings.cancel", "provider ill"),
        ("bookings.refund", "late arrival"),
    ]


async def test_set_state_goes_through_the_state_machine(
    uows: UnitOfWorkFactory, clock: FixedClock, admin: AdminCli
) -> None:
    booking_id, _, _ = await paid_booking(uows, clock.now(), slug="studio-state")
    ok = ["bookings", "set-state", str(booking_id)]
    assert "No transition leads from confirmed to accepted" in await admin.fails(
        *ok, "accepted", "--reason", "x", "--yes"
    )
    assert "Unknown state" in await admin.fails(*ok, "lost", "--reason", "x", "--yes")
    moved = await admin.json(*ok, "disputed", "--reason", "client complaint", "--yes")
    assert moved["state"] == "disputed"
    # A dispute over a paid booking cannot end where no money is expected.
    assert "still holds money" in await admin.fails(*ok, "requested", "--reason", "x", "--yes")
    moved = await admin.json(*ok, "confirmed", "--reason", "settled with the client", "--yes")
    assert moved["state"] == "confirmed"
    async with uows() as uow:
        trail = (
            await uow.session.execute(
                select(
                    BookingTransition.action, BookingTransition.actor_role, BookingTransition.reason
                )
                .where(BookingTransition.booking_id == booking_id)
                .order_by(BookingTransition.id)
            )
        ).all()
    assert [tuple(t) for t in trail[-2:]] == [
        ("dispute", "admin", "client complaint"),
        ("resolve", "admin", "settled with the client"),
    ]


async def test_exports_dashboard_and_a_separate_process(
    uows: UnitOfWorkFactory, clock: FixedClock, admin: AdminCli, tmp_path: Path
) -> None:
    booking_id, _, _ = await paid_booking(uows, clock.now(), slug="studio-export")
    for what in ("bookings", "transactions", "providers"):
        path = tmp_path / f"{what}.csv"
        await admin.ok("export", what, str(path))
        with path.open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == 1, what
    with (tmp_path / "bookings.csv").open(encoding="utf-8") as f:
        assert next(csv.DictReader(f))["id"] == str(booking_id)
    await admin.ok("transactions", "export", str(tmp_path / "payments.csv"), "--kind", "payment")
    with (tmp_path / "payments.csv").open(encoding="utf-8") as f:
        assert [r["kind"] for r in csv.DictReader(f)] == ["payment"]

    figures = await admin.json("dashboard")
    assert figures["bookings_by_state"] == {"confirmed": 1}
    assert len(figures["bookings_per_day"]) == 30
    assert figures["conversion_30d"]["searches"] == 0
    assert "Bookings by state" in await admin.ok("dashboard")

    code, out, err = await admin_process(admin.database_url, "providers", "list", "--json")
    assert code == 0, err
    assert '"slug": "studio-export"' in out
    code, out, err = await admin_process(admin.database_url, "tickets", "show", "42")
    assert (code, out) == (1, "") and "No ticket #42" in err and "Traceback" not in err


async def test_dashboard_figures(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    booking_id, _, client = await paid_booking(uows, now, slug="studio-dash", days=3)
    async with uows() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None
        deposit, service = booking.deposit_minor, booking.service_id
        raise_flag(uow, kind="user_report", subject_type="user", subject_id=client, now=now)
        await uow.commit()
    # Four searches in the chats this month (one 40 days ago does not count).
    tally = SearchTally()
    for day, channel in [(now.date(), "telegram")] * 3 + [(now.date(), "whatsapp")]:
        tally.count(day, channel)
    tally.count(now.date() - timedelta(days=40), "telegram")
    assert await tally.flush(uows) == 5 and tally.pending == 0
    # The second booking came through a site link: it counts for that link's source.
    await request(uows, now, client, service, now.date().replace(day=20), source="ig_spring")
    async with uows() as uow:
        figures = await dashboard(uow, now=now + timedelta(hours=2))
    assert figures["bookings_by_state"] == {"confirmed": 1, "requested": 1}
    assert figures["events_this_week"] == 1  # 2026-05-07, the week of 2026-05-04
    assert figures["month"]["deposits_minor"] == deposit
    assert figures["month"]["revenue_minor"] == deposit  # the ledger's payment entry
    assert figures["flags"] == {"open": 1, "oldest_hours": 2.0}
    assert figures["bookings_per_day"][-1] == 2 and sum(figures["bookings_per_day"]) == 2
    assert figures["conversion_30d"] == {
        "searches": 4,
        "requests": 2,
        "bookings": 1,
        "search_to_request": 0.5,
        "request_to_booking": 0.5,
    }
    assert figures["bookings_by_source_30d"] == {"direct": 1, "ig_spring": 1}
    assert figures["failed_sweeps"] == []
    console = Console(record=True, width=140)
    console.print(render(figures))
    text = console.export_text()
    assert "Searches → requests → bookings (30 days): 4 → 2 → 1 (50%, 50%)" in text
    assert "Failed sweeps: none" in text


async def test_dashboard_shows_the_sweeps_whose_last_run_failed(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    from core.scheduling.model import Sweep, SweepContext
    from core.scheduling.runs import run_sweep

    async def broken(ctx: SweepContext) -> dict[str, int]:
        raise RuntimeError("gateway unreachable")

    async def fine(ctx: SweepContext) -> dict[str, int]:
        return {"done": 1}

    ctx = SweepContext(uows=uows, now=clock.now())
    for sweep in (Sweep("retry-refunds", timedelta(minutes=10), broken, "x"),) * 2 + (
        Sweep("outbox", timedelta(minutes=1), fine, "y"),
    ):
        await run_sweep(sweep, ctx, holder="test")
    async with uows() as uow:
        figures = await dashboard(uow, now=clock.now())
    [failed] = figures["failed_sweeps"]
    assert (failed["id"], failed["failures"]) == ("retry-refunds", 2)
    assert failed["last_error"] == "RuntimeError: gateway unreachable"
    console = Console(record=True, width=140)
    console.print(render(figures))
    assert "retry-refunds (2× — RuntimeError: gateway unreachable)" in console.export_text()
    # Once it runs well again, it leaves the list.
    await run_sweep(Sweep("retry-refunds", timedelta(minutes=10), fine, "x"), ctx, holder="t")
    async with uows() as uow:
        assert (await dashboard(uow, now=clock.now()))["failed_sweeps"] == []


async def test_every_listing_and_show_renders_as_a_table(
    uows: UnitOfWorkFactory, clock: FixedClock, admin: AdminCli
) -> None:
    now = clock.now()
    booking_id, owner, client = await paid_booking(uows, now, slug="studio-<b>table</b>")
    async with uows() as uow:
        ticket = await open_ticket(uow, user_id=client, subject="[red]x[/]", body="[bold]", now=now)
        raise_flag(uow, kind="user_report", subject_type="user", subject_id=client, now=now)
        await uow.commit()
        ticket_id = ticket.id
    await admin.ok("users", "block", str(owner), "--reason", "[i]x", "--yes")
    commands = [
        ["bookings", "list"],
        ["bookings", "show", str(booking_id)],
        ["transactions", "list"],
        ["flags", "list"],
        ["flags", "show", "1"],
        ["tickets", "list"],
        ["tickets", "show", str(ticket_id)],
        ["users", "list"],
        ["users", "show", str(client)],
        ["providers", "list"],
        ["providers", "show", "studio-<b>table</b>"],
        ["audit"],
        ["dashboard"],
    ]
    for command in commands:
        shown = await admin.ok(*command)
        assert shown.strip(), command
    assert "[red]x[/]" in await admin.ok("tickets", "show", str(ticket_id))  # escaped, shown
    assert "[i]x" in await admin.ok("audit")


async def test_dashboard_watch_refreshes_until_interrupted(
    uows: UnitOfWorkFactory, clock: FixedClock, admin: AdminCli
) -> None:
    await paid_booking(uows, clock.now(), slug="studio-watch")
    # The wait between refreshes is the edge: the second one is "Ctrl-C".
    with mock.patch("admin_cli.dashboard.time.sleep", side_effect=[None, KeyboardInterrupt]):
        shown = await admin.ok("dashboard", "--watch", "--every", "1")
    assert "Bookings by state" in shown
