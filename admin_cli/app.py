"""`mounasabet-admin`: read-only views for now (the admin issue adds the rest)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select

from admin_cli.bootstrap import build_admin
from core.db.tables import Booking, Provider
from core.errors import NotFound
from core.payments.invoices import resend_invoice
from core.settings import Settings
from payments.links import HmacLinks, link_secret

app = typer.Typer(help="Mounasabet administration.", no_args_is_help=True)
bookings_app = typer.Typer(help="Bookings.", no_args_is_help=True)
providers_app = typer.Typer(help="Providers.", no_args_is_help=True)
app.add_typer(bookings_app, name="bookings")
app.add_typer(providers_app, name="providers")
invoices_app = typer.Typer(help="Invoices.", no_args_is_help=True)
app.add_typer(invoices_app, name="invoices")
err = Console(stderr=True)
out = Console()
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
LimitOption = Annotated[int, typer.Option(min=1, max=10_000, help="At most this many rows.")]


def _run(query: Callable[[Any], Awaitable[list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        parts = build_admin(Settings())
        try:
            async with parts.uows() as uow:
                return await query(uow.session)
        finally:
            await parts.close()

    return asyncio.run(go())


def _show(rows: list[dict[str, Any]], title: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, default=str))
        return
    table = Table(title=title)
    for column in rows[0] if rows else ["(none)"]:
        table.add_column(column)
    for row in rows:
        table.add_row(*(escape(str(v)) for v in row.values()))
    out.print(table)


@bookings_app.command("list")
def bookings_list(
    state: Annotated[str | None, typer.Option(help="Only this state.")] = None,
    limit: LimitOption = 50,
    as_json: JsonOption = False,
) -> None:
    """The latest bookings."""

    async def query(session: Any) -> list[dict[str, Any]]:
        stmt = select(Booking).order_by(Booking.id.desc()).limit(limit)
        if state:
            stmt = stmt.where(Booking.state == state)
        return [
            {
                "id": b.id,
                "reference": b.reference,
                "state": b.state,
                "date": b.event_date.isoformat(),
                "provider_id": b.provider_id,
                "client_id": b.client_id,
                "total_minor": b.total_minor,
                "paid_minor": b.paid_minor,
                "refunded_minor": b.refunded_minor,
            }
            for b in (await session.scalars(stmt)).all()
        ]

    _show(_run(query), "Bookings", as_json)


@providers_app.command("list")
def providers_list(limit: LimitOption = 100, as_json: JsonOption = False) -> None:
    """Providers with their status and rating."""

    async def query(session: Any) -> list[dict[str, Any]]:
        stmt = select(Provider).order_by(Provider.slug).limit(limit)
        return [
            {
                "id": p.id,
                "slug": p.slug,
                "name": p.name.get("fr") or p.name.get("en", ""),
                "status": p.status,
                "rating_x100": p.rating_x100,
                "reviews": p.rating_count,
            }
            for p in (await session.scalars(stmt)).all()
        ]

    _show(_run(query), "Providers", as_json)


@invoices_app.command("resend")
def invoices_resend(number: Annotated[str, typer.Argument(help="e.g. MSB-2026-000001")]) -> None:
    """Send an invoice again to its client, in chat and by email."""
    settings = Settings()
    if settings.payments_link_secret is None and settings.stripe_secret_key is None:
        err.print(
            "[yellow]No MOUNASABET_PAYMENTS_LINK_SECRET: the server cannot open links "
            "signed here. Set the same secret for the server and this command.[/]"
        )
    links = HmacLinks(link_secret(settings), settings.base_url)

    async def go() -> str:
        parts = build_admin(settings)
        try:
            async with parts.uows() as uow:
                invoice = await resend_invoice(uow, number, links, now=parts.clock.now())
                await uow.commit()
                return invoice.number
        finally:
            await parts.close()

    try:
        sent = asyncio.run(go())
    except NotFound:
        err.print(f"No invoice {escape(number)}.")
        raise typer.Exit(1) from None
    out.print(f"Invoice {escape(sent)} queued for the client's chat and email.")


def main() -> None:
    app()
