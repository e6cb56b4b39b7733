"""`mounasabet-admin transactions`: the money journal, with totals, and its CSV export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from admin_cli.common import (
    JsonOption,
    LimitOption,
    OffsetOption,
    SortOption,
    emit_json,
    page,
    parse_day,
    run,
    show_rows,
)
from admin_cli.csv_out import write_csv
from core.admin import money

app = typer.Typer(help="Payments, refunds, payouts and our commission.", no_args_is_help=True)
KindOption = Annotated[str | None, typer.Option(help="payment, refund or payout.")]
StatusOption = Annotated[str | None, typer.Option(help="settled, owed, paid_via_connect...")]
ProviderOption = Annotated[str | None, typer.Option(help="Provider id or slug.")]
BookingOption = Annotated[int | None, typer.Option(help="Booking id.")]
SinceOption = Annotated[str | None, typer.Option(help="From this day (YYYY-MM-DD, UTC).")]
UntilOption = Annotated[str | None, typer.Option(help="Through this day (YYYY-MM-DD, UTC).")]


def _filters(
    kind: str | None,
    status: str | None,
    provider: str | None,
    booking: int | None,
    since: str | None,
    until: str | None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "status": status,
        "provider": provider,
        "booking_id": booking,
        "since": parse_day(since),
        "until": parse_day(until, end=True),
    }


@app.command("list")
def list_(
    kind: KindOption = None,
    status: StatusOption = None,
    provider: ProviderOption = None,
    booking: BookingOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    sort: SortOption = None,
    as_json: JsonOption = False,
) -> None:
    """Journal entries, newest first, then the totals of everything matching."""
    filters = _filters(kind, status, provider, booking, since, until)

    async def both(uow: Any, _: Any) -> dict[str, Any]:
        rows = await money.list_entries(uow, page(limit, offset, sort), **filters)
        return {"entries": rows, "totals": await money.totals(uow, **filters)}

    result = run(both)
    if as_json:
        emit_json(result)
        return
    show_rows(result["entries"], "Transactions", False)
    show_rows(result["totals"], "Totals", False)


@app.command("export")
def export(
    path: Annotated[Path, typer.Argument(help="CSV file to write ('-' for stdout).")],
    kind: KindOption = None,
    status: StatusOption = None,
    provider: ProviderOption = None,
    booking: BookingOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
) -> None:
    """Every matching entry as CSV."""
    filters = _filters(kind, status, provider, booking, since, until)
    write_csv(path, lambda uow: money.stream_entries(uow, **filters), total=None)
