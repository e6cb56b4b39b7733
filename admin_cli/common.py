"""What every `mounasabet-admin` command shares: running a unit of work, options, output."""

from __future__ import annotations

import asyncio
import getpass
import json
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from admin_cli.bootstrap import AdminParts, build_admin
from admin_cli.messages import human
from core.admin.audit import Operator
from core.admin.paging import Page
from core.errors import DomainError
from core.settings import Settings
from core.uow import UnitOfWork

T = TypeVar("T")
err = Console(stderr=True)
out = Console()

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
LimitOption = Annotated[int, typer.Option(min=1, max=10_000, help="At most this many rows.")]
OffsetOption = Annotated[int, typer.Option(min=0, help="Skip this many rows first.")]
SortOption = Annotated[
    str | None, typer.Option(help="Sort by this column; '-name' for descending.")
]
AsOption = Annotated[
    str | None, typer.Option("--as", help="Who is acting, for the audit trail (default: OS user).")
]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def operator(name: str | None) -> Operator:
    return Operator((name or getpass.getuser() or "unknown").strip()[:64])


def page(limit: int, offset: int, sort: str | None) -> Page:
    return Page(limit=limit, offset=offset, sort=sort)


def run(
    work: Callable[[UnitOfWork, AdminParts], Awaitable[T]],
    *,
    commit: bool = False,
    then: Callable[[AdminParts, T], Awaitable[T]] | None = None,
) -> T:
    """Run ``work`` in one unit of work; a domain error ends the command with its message.
    ``then`` takes its result after the unit of work ended (the calls to the payment
    gateway, which no transaction may wait for)."""

    async def go() -> T:
        parts = build_admin(Settings())
        try:
            async with parts.uows() as uow:
                result = await work(uow, parts)
                if commit:
                    await uow.commit()
            return result if then is None else await then(parts, result)
        finally:
            await parts.close()

    try:
        return asyncio.run(go())
    except DomainError as error:
        fail(human(error))


def fail(message: str) -> NoReturn:
    err.print(f"[red]Error:[/] {escape(message)}")
    raise typer.Exit(1)


def confirm(question: str, yes: bool) -> None:
    if not yes and not typer.confirm(question, default=False):
        fail("Nothing done (not confirmed; pass --yes to skip the question).")


def emit_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, default=str))


def show_rows(
    rows: list[dict[str, Any]], title: str, as_json: bool, columns: Iterable[str] = ()
) -> None:
    if as_json:
        emit_json(rows)
        return
    names = list(columns) or (list(rows[0]) if rows else [])
    table = Table(title=title)
    for name in names or ["(none)"]:
        # A reference is never cut short: it is what the next command is given.
        whole = name in WHOLE and rows
        width = max((len(_cell(row.get(name))) for row in rows), default=0) if whole else None
        table.add_column(_header(name), no_wrap=bool(whole), min_width=width)
    for row in rows:
        table.add_row(*(escape(_shown(name, row.get(name))) for name in names))
    out.print(table)


# The tables are for people: amounts in dirhams and ratings in stars (the JSON keeps the
# hundredths, for scripts), under headers short enough for a terminal ("total", not
# "total_minor"; "rating", not "rating_x100").
HUNDREDTHS = ("_minor", "_x100")
WHOLE = frozenset({"reference"})


def _header(name: str) -> str:
    for suffix in HUNDREDTHS:
        name = name.removesuffix(suffix)
    return name


def _shown(name: str, value: Any) -> str:
    if name.endswith(HUNDREDTHS) and isinstance(value, int) and not isinstance(value, bool):
        return major_units(value)
    return _cell(value)


def major_units(minor: int) -> str:
    """Hundredths as units: 150000 centimes -> "1500.00" dirhams, 460 -> "4.60" stars."""
    sign, units = ("-" if minor < 0 else ""), abs(minor)
    return f"{sign}{units // 100}.{units % 100:02d}"


def show_record(record: dict[str, Any], title: str, as_json: bool) -> None:
    if as_json:
        emit_json(record)
        return
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key, value in record.items():
        if not isinstance(value, list):
            table.add_row(escape(_header(key)), escape(_shown(key, value)))
    out.print(table)


def done(message: str) -> None:
    out.print(escape(message))


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def parse_day(value: str | None, *, end: bool = False) -> datetime | None:
    """A YYYY-MM-DD option as the UTC instant that day starts (``end``: the next day's)."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        fail(f"Not a date: {value!r} (expected YYYY-MM-DD).")
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start + timedelta(days=1) if end else start
