"""`mounasabet-admin providers`: verify, suspend and reinstate providers."""

from __future__ import annotations

from typing import Annotated

import typer

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
    operator,
    page,
    run,
    show_record,
    show_rows,
)
from core.admin import providers
from core.admin.provider_legal import LegalIdentity, set_legal_identity

app = typer.Typer(help="Providers.", no_args_is_help=True)
ProviderRef = Annotated[str, typer.Argument(help="The provider's id or slug.")]
ReasonOption = Annotated[str, typer.Option(help="Why, for the audit trail.")]
COLUMNS = ("id", "slug", "name", "status", "rating_x100", "reviews")


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="pending, active or suspended.")] = None,
    category: Annotated[str | None, typer.Option(help="e.g. photographer.")] = None,
    city: Annotated[str | None, typer.Option(help="e.g. rabat.")] = None,
    limit: LimitOption = 100,
    offset: OffsetOption = 0,
    sort: SortOption = None,
    as_json: JsonOption = False,
) -> None:
    """Providers with their status and rating (sort: slug, id, rating, created)."""
    rows = run(
        lambda uow, _: providers.list_providers(
            uow, page(limit, offset, sort), status=status, category=category, city=city
        )
    )
    show_rows(rows, "Providers", as_json, COLUMNS)


@app.command("show")
def show(ref: ProviderRef, as_json: JsonOption = False) -> None:
    """One provider: profile, services, bookings by state, calendar feed address."""
    record = run(
        lambda uow, parts: providers.show_provider(uow, ref, public_url=parts.settings.base_url)
    )
    show_record(record, f"Provider {record['slug']}", as_json)
    if not as_json:
        show_rows(record["services"], "Services", False)


@app.command("verify")
def verify(
    ref: ProviderRef,
    reason: Annotated[str | None, typer.Option()] = None,
    as_: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """A pending provider was checked: they appear in search and take bookings."""
    by = operator(as_)
    row = run(
        lambda uow, parts: providers.verify(uow, ref, by=by, now=parts.clock.now(), reason=reason),
        commit=True,
    )
    _said(row, f"Provider {row['slug']} verified: now active.", as_json)


@app.command("suspend")
def suspend(
    ref: ProviderRef,
    reason: ReasonOption,
    yes: YesOption = False,
    as_: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Hide a provider; decline their unpaid requests; list paid bookings to decide on."""
    by = operator(as_)
    confirm(f"Suspend provider {ref}? Their unpaid requests will be declined.", yes)
    row = run(
        lambda uow, parts: providers.suspend(uow, ref, by=by, now=parts.clock.now(), reason=reason),
        commit=True,
    )
    if as_json:
        emit_json(row)
        return
    declined = ", ".join(row["declined"]) or "none"
    done(f"Provider {row['slug']} suspended. Declined (clients told): {declined}.")
    if row["to_decide"]:
        show_rows(row["to_decide"], "Bookings holding money: decide each one (flagged)", False)
    done("Nothing was charged or refunded.")


@app.command("reinstate")
def reinstate(
    ref: ProviderRef, reason: ReasonOption, as_: AsOption = None, as_json: JsonOption = False
) -> None:
    """Bring a suspended provider back into search."""
    by = operator(as_)
    row = run(
        lambda uow, parts: providers.reinstate(
            uow, ref, by=by, now=parts.clock.now(), reason=reason
        ),
        commit=True,
    )
    _said(row, f"Provider {row['slug']} reinstated: now active.", as_json)


@app.command("legal")
def legal(
    ref: ProviderRef,
    name: Annotated[str | None, typer.Option(help="Legal name, as registered.")] = None,
    address: Annotated[str | None, typer.Option(help="Registered address.")] = None,
    ice: Annotated[str | None, typer.Option(help="ICE, 15 digits.")] = None,
    tax_id: Annotated[str | None, typer.Option("--if", help="IF (identifiant fiscal).")] = None,
    rc: Annotated[str | None, typer.Option(help="RC, e.g. 'Rabat 98765'.")] = None,
    as_: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """The provider's legal name, address, ICE, IF and RC, printed on their invoices."""
    by = operator(as_)
    identity = LegalIdentity(name, address, ice, tax_id, rc)
    row = run(
        lambda uow, parts: set_legal_identity(uow, ref, identity, by=by, now=parts.clock.now()),
        commit=True,
    )
    if as_json:
        emit_json(row)
        return
    show_record(row, f"Provider {row['slug']}: legal identity", False)


def _said(row: dict[str, object], message: str, as_json: bool) -> None:
    if as_json:
        emit_json(row)
    else:
        done(message)
