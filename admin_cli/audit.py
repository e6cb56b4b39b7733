"""`mounasabet-admin audit`: the trail of admin actions."""

from __future__ import annotations

from typing import Annotated

import typer

from admin_cli.common import (
    JsonOption,
    LimitOption,
    OffsetOption,
    SortOption,
    page,
    parse_day,
    run,
    show_rows,
)
from core.admin.audit import list_audit

COLUMNS = ("id", "at", "actor", "action", "subject_type", "subject_id", "reason")


def audit(
    actor: Annotated[str | None, typer.Option(help="Who acted.")] = None,
    action: Annotated[str | None, typer.Option(help="e.g. tickets, or tickets.reply.")] = None,
    subject_type: Annotated[str | None, typer.Option(help="ticket, flag, user...")] = None,
    subject_id: Annotated[str | None, typer.Option(help="With --subject-type.")] = None,
    since: Annotated[str | None, typer.Option(help="From this day (YYYY-MM-DD, UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="Through this day (YYYY-MM-DD, UTC).")] = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    sort: SortOption = None,
    as_json: JsonOption = False,
) -> None:
    """The admin trail, newest first: who did what, to what, when and why."""
    start, end = parse_day(since), parse_day(until, end=True)
    rows = run(
        lambda uow, _: list_audit(
            uow,
            page(limit, offset, sort),
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            since=start,
            until=end,
        )
    )
    show_rows(rows, "Audit trail", as_json, COLUMNS)
