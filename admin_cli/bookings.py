"""`mounasabet-admin bookings`: find, inspect, cancel, refund, override."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from admin_cli.bootstrap import AdminParts
from admin_cli.common import (
    AsOption,
    JsonOption,
    LimitOption,
    OffsetOption,
    SortOption,
    YesOption,
    confirm,
    done,
    emit_json,
    fail,
    major_units,
    operator,
    page,
    run,
    show_record,
    show_rows,
)
from core.admin import bookings

app = typer.Typer(help="Bookings.", no_args_is_help=True)
BookingId = Annotated[
    str, typer.Argument(help="The booking's id, or its reference (MSB-36E7BXG).", metavar="BOOKING")
]
ReasonOption = Annotated[str, typer.Option(help="Why, for the audit trail and the client.")]
COLUMNS = (
    "id",
    "reference",
    "state",
    "date",
    "city",
    "provider_id",
    "client_id",
    "total_minor",
    "paid_minor",
    "refunded_minor",
)


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"Not a date: {value!r} (expected YYYY-MM-DD).")


def _booking_id(ref: str) -> int:
    return run(lambda uow, _: bookings.booking_id_of(uow, ref))


@app.command("list")
def list_(
    state: Annotated[
        str | None, typer.Option(help="Only this state: requested, accepted, confirmed, ...")
    ] = None,
    provider: Annotated[str | None, typer.Option(help="Provider id or slug.")] = None,
    client: Annotated[int | None, typer.Option(help="Client user id.")] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="Event on or after (YYYY-MM-DD).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Event on or before (YYYY-MM-DD).")
    ] = None,
    city: Annotated[str | None, typer.Option(help="e.g. rabat.")] = None,
    source: Annotated[str | None, typer.Option(help="Where the client came from.")] = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    sort: SortOption = None,
    as_json: JsonOption = False,
) -> None:
    """Bookings, newest first (sort: id, created, date, total)."""
    start, end = _day(date_from), _day(date_to)
    rows = run(
        lambda uow, _: bookings.list_bookings(
            uow,
            page(limit, offset, sort),
            state=state,
            provider=provider,
            client_id=client,
            date_from=start,
            date_to=end,
            city=city,
            source=source,
        )
    )
    show_rows(rows, "Bookings", as_json, COLUMNS)


@app.command("show")
def show(booking: BookingId, as_json: JsonOption = False) -> None:
    """A booking and its timeline: transitions, payments, refunds, messages and delivery."""
    booking_id = _booking_id(booking)
    record = run(lambda uow, _: bookings.booking_timeline(uow, booking_id))
    show_record(record, f"Booking {record['reference']}", as_json)
    if not as_json:
        show_rows(record["timeline"], "Timeline", False)


@app.command("cancel")
def cancel(
    booking: BookingId,
    reason: ReasonOption,
    policy: Annotated[
        bool, typer.Option("--policy", help="Refund by the cancellation policy instead of in full.")
    ] = False,
    yes: YesOption = False,
    as_: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cancel a booking; everything paid goes back unless --policy."""
    by = operator(as_)
    booking_id = _booking_id(booking)
    confirm(f"Cancel booking {booking}?", yes)
    row = run(
        lambda uow, parts: bookings.cancel(
            uow, booking_id, reason=reason, full_refund=not policy, by=by, now=parts.clock.now()
        ),
        commit=True,
        then=_send_refunds,
    )
    _outcome(row, f"Booking {row['reference']} cancelled", as_json)


@app.command("refund")
def refund(
    booking: BookingId,
    amount_minor: Annotated[int, typer.Argument(help="In minor units (centimes).", min=1)],
    reason: ReasonOption,
    yes: YesOption = False,
    as_: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give part of what a booking paid back (its state does not change)."""
    by = operator(as_)
    booking_id = _booking_id(booking)
    # Said in dirhams too: the argument is in centimes, and 100 times too much is easy to type.
    amount = f"{major_units(amount_minor)} MAD ({amount_minor} minor units)"
    confirm(f"Refund {amount} of booking {booking}?", yes)
    row = run(
        lambda uow, parts: bookings.refund(
            uow, booking_id, amount_minor, reason=reason, by=by, now=parts.clock.now()
        ),
        commit=True,
        then=_send_refunds,
    )
    _outcome(row, f"Booking {row['reference']}", as_json)


@app.command("set-state")
def set_state(
    booking: BookingId,
    state: Annotated[str, typer.Argument(help="The state to move to.")],
    reason: ReasonOption,
    yes: YesOption = False,
    as_: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Override a booking's state through the state machine's admin role (audited)."""
    by = operator(as_)
    booking_id = _booking_id(booking)
    confirm(f"Move booking {booking} to {state}?", yes)
    row = run(
        lambda uow, parts: bookings.set_state(
            uow, booking_id, state, reason=reason, by=by, now=parts.clock.now()
        ),
        commit=True,
    )
    if as_json:
        emit_json(row)
    else:
        done(f"Booking {row['reference']} is now {row['state']}.")


async def _send_refunds(parts: AdminParts, row: dict[str, Any]) -> dict[str, Any]:
    """Stripe is called once the command's transaction has committed, never inside it."""
    return await bookings.send_refunds(
        parts.uows, parts.gateway(), row, now=parts.clock.now(), links=parts.links()
    )


def _outcome(row: dict[str, object], what: str, as_json: bool) -> None:
    if as_json:
        emit_json(row)
        return
    failed = (
        f", {row['refund_failed_minor']} refused (flagged)" if row["refund_failed_minor"] else ""
    )
    done(
        f"{what}: refund of {row['refund_requested_minor']} requested, "
        f"{row['refund_sent_minor']} sent, {row['refund_pending_minor']} pending (retried)"
        f"{failed}."
    )
