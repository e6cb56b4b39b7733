"""`mounasabet-admin flags`: what the system (or an admin) found suspicious or failing."""

from __future__ import annotations

from typing import Annotated

import typer

from admin_cli.common import (
    AsOption,
    JsonOption,
    LimitOption,
    OffsetOption,
    SortOption,
    done,
    operator,
    page,
    run,
    show_record,
    show_rows,
)
from core.admin import flags

app = typer.Typer(help="Flags.", no_args_is_help=True)
FlagId = Annotated[int, typer.Argument(help="The flag's number.")]
COLUMNS = ("id", "kind", "severity", "subject_type", "subject_id", "occurrences", "created_at")


@app.command("list")
def list_(
    status: Annotated[str, typer.Option(help="open, resolved or all.")] = "open",
    kind: Annotated[str | None, typer.Option(help="Only this cause.")] = None,
    severity: Annotated[str | None, typer.Option(help="info, warning, error, critical.")] = None,
    subject_type: Annotated[str | None, typer.Option(help="booking, user, provider...")] = None,
    subject_id: Annotated[str | None, typer.Option(help="With --subject-type.")] = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    sort: SortOption = None,
    as_json: JsonOption = False,
) -> None:
    """Flags, newest first (sort: id, created, updated)."""
    rows = run(
        lambda uow, _: flags.list_flags(
            uow,
            page(limit, offset, sort),
            status=status,
            kind=kind,
            severity=severity,
            subject_type=subject_type,
            subject_id=subject_id,
        )
    )
    show_rows(rows, "Flags", as_json, COLUMNS)


@app.command("show")
def show(flag_id: FlagId, as_json: JsonOption = False) -> None:
    """One flag with its details."""
    show_record(run(lambda uow, _: flags.show_flag(uow, flag_id)), f"Flag #{flag_id}", as_json)


@app.command("resolve")
def resolve(
    flag_id: FlagId,
    note: Annotated[str, typer.Option(help="What was done about it.")],
    as_: AsOption = None,
) -> None:
    """Mark a flag resolved, with a note."""
    by = operator(as_)
    run(
        lambda uow, parts: flags.resolve(uow, flag_id, note, by=by, now=parts.clock.now()),
        commit=True,
    )
    done(f"Flag #{flag_id} resolved.")


@app.command("create")
def create(
    kind: Annotated[str, typer.Argument(help="The cause, e.g. user_report.")],
    subject_type: Annotated[str, typer.Argument(help="booking, user, provider...")],
    subject_id: Annotated[str, typer.Argument(help="The subject's id.")],
    note: Annotated[str, typer.Option(help="What was seen.")],
    severity: Annotated[str, typer.Option(help="info, warning, error, critical.")] = "warning",
    as_: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Raise a flag by hand (an open one with the same cause and subject is updated)."""
    by = operator(as_)
    row = run(
        lambda uow, parts: flags.create(
            uow,
            kind=kind,
            subject_type=subject_type,
            subject_id=subject_id,
            note=note,
            severity=severity,
            by=by,
            now=parts.clock.now(),
        ),
        commit=True,
    )
    show_record(row, f"Flag #{row['id']}", as_json)
