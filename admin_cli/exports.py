"""`mounasabet-admin export`: bookings, transactions or providers as CSV."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from admin_cli.common import run
from admin_cli.csv_out import write_csv
from core.admin import exports

app = typer.Typer(help="CSV exports.", no_args_is_help=True)


class What(StrEnum):
    BOOKINGS = "bookings"
    TRANSACTIONS = "transactions"
    PROVIDERS = "providers"


def _export(what: What, path: Path) -> None:
    total = run(lambda uow, _: exports.count(uow, what.value))

    def source(uow: Any) -> Any:
        return exports.rows(uow, what.value)

    write_csv(path, source, total=total)


@app.command("bookings")
def bookings(path: Annotated[Path, typer.Argument(help="CSV file ('-': stdout).")]) -> None:
    """Every booking."""
    _export(What.BOOKINGS, path)


@app.command("transactions")
def transactions(path: Annotated[Path, typer.Argument(help="CSV file ('-': stdout).")]) -> None:
    """Every money journal entry."""
    _export(What.TRANSACTIONS, path)


@app.command("providers")
def providers(path: Annotated[Path, typer.Argument(help="CSV file ('-': stdout).")]) -> None:
    """Every provider."""
    _export(What.PROVIDERS, path)
