"""`mounasabet-admin`: one sub-app per resource, joined here."""

from __future__ import annotations

import typer

from admin_cli import (
    audit,
    bookings,
    dashboard,
    exports,
    flags,
    invoices,
    jobs,
    providers,
    tickets,
    transactions,
    users,
)

app = typer.Typer(help="Mounasabet administration.", no_args_is_help=True)
app.command("dashboard")(dashboard.dashboard)
app.add_typer(bookings.app, name="bookings")
app.add_typer(transactions.app, name="transactions")
app.add_typer(flags.app, name="flags")
app.add_typer(tickets.app, name="tickets")
app.add_typer(users.app, name="users")
app.add_typer(providers.app, name="providers")
app.command("audit")(audit.audit)
app.add_typer(exports.app, name="export")
app.add_typer(invoices.app, name="invoices")
app.add_typer(jobs.app, name="jobs")


def main() -> None:
    app()
