"""`mounasabet-admin invoices`: send an invoice again."""

from __future__ import annotations

from typing import Annotated

import typer

from admin_cli.bootstrap import AdminParts
from admin_cli.common import done, err, run
from core.payments.invoices import resend_invoice
from core.uow import UnitOfWork
from payments.links import HmacLinks, link_secret

app = typer.Typer(help="Invoices.", no_args_is_help=True)


@app.command("resend")
def invoices_resend(number: Annotated[str, typer.Argument(help="e.g. MSB-2026-000001")]) -> None:
    """Send an invoice again to its client, in chat and by email."""

    async def go(uow: UnitOfWork, parts: AdminParts) -> str:
        settings = parts.settings
        if settings.payments_link_secret is None and settings.stripe_secret_key is None:
            err.print(
                "[yellow]No MOUNASABET_PAYMENTS_LINK_SECRET: the server cannot open links "
                "signed here. Set the same secret for the server and this command.[/]"
            )
        links = HmacLinks(link_secret(settings), settings.base_url)
        invoice = await resend_invoice(uow, number, links, now=parts.clock.now())
        return invoice.number

    sent = run(go, commit=True)
    done(f"Invoice {sent} queued for the client's chat and email.")
