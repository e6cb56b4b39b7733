"""`mounasabet-admin tickets`: read and answer support tickets."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.panel import Panel

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
    out,
    page,
    run,
    show_record,
    show_rows,
)
from core.admin import tickets

app = typer.Typer(help="Support tickets.", no_args_is_help=True)
TicketId = Annotated[int, typer.Argument(help="The ticket's number.")]
ReasonOption = Annotated[str | None, typer.Option(help="Why, for the audit trail.")]
COLUMNS = (
    "id",
    "status",
    "category",
    "user_id",
    "audience",
    "subject",
    "assignee",
    "messages",
    "updated_at",
)


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="open, answered or closed.")] = None,
    assignee: Annotated[str | None, typer.Option(help="Assigned to this admin.")] = None,
    user: Annotated[int | None, typer.Option(help="Opened by this user id.")] = None,
    category: Annotated[
        str | None, typer.Option(help="booking, payment, complaint, account or other.")
    ] = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    sort: SortOption = None,
    as_json: JsonOption = False,
) -> None:
    """Tickets, last updated first (sort: id, created, updated)."""
    rows = run(
        lambda uow, _: tickets.list_tickets(
            uow,
            page(limit, offset, sort),
            status=status,
            assignee=assignee,
            user_id=user,
            category=category,
        )
    )
    show_rows(rows, "Tickets", as_json, COLUMNS)


@app.command("show")
def show(ticket_id: TicketId, as_json: JsonOption = False) -> None:
    """A ticket and its whole thread."""
    record = run(lambda uow, _: tickets.ticket_thread(uow, ticket_id))
    if as_json:
        emit_json(record)
        return
    show_record(record, f"Ticket #{ticket_id}", False)
    for message in record["thread"]:
        title = f"{message['author_role']} · {message['at']}"
        out.print(Panel(escape(message["body"]), title=escape(title)))


@app.command("reply")
def reply(
    ticket_id: TicketId,
    message: Annotated[str, typer.Argument(help="The answer, sent to the user's chat.")],
    as_: AsOption = None,
) -> None:
    """Answer a ticket: the message goes to the user's chat, on the bot they wrote from."""
    by = operator(as_)
    run(
        lambda uow, parts: tickets.reply(uow, ticket_id, message, by=by, now=parts.clock.now()),
        commit=True,
    )
    done(f"Reply to ticket #{ticket_id} queued for the user's chat.")


@app.command("assign")
def assign(
    ticket_id: TicketId,
    assignee: Annotated[str | None, typer.Argument(help="Admin name; omit to unassign.")] = None,
    as_: AsOption = None,
) -> None:
    """Give a ticket to an admin (or take it back)."""
    by = operator(as_)
    run(
        lambda uow, parts: tickets.assign(uow, ticket_id, assignee, by=by, now=parts.clock.now()),
        commit=True,
    )
    done(f"Ticket #{ticket_id} assigned to {assignee or 'nobody'}.")


@app.command("close")
def close(
    ticket_id: TicketId, reason: ReasonOption = None, yes: YesOption = False, as_: AsOption = None
) -> None:
    """Close a ticket; the user is told and may rate the answer."""
    by = operator(as_)
    confirm(f"Close ticket #{ticket_id}?", yes)
    run(
        lambda uow, parts: tickets.close(
            uow, ticket_id, by=by, now=parts.clock.now(), reason=reason
        ),
        commit=True,
    )
    done(f"Ticket #{ticket_id} closed; the user is told.")


@app.command("reopen")
def reopen(ticket_id: TicketId, reason: ReasonOption = None, as_: AsOption = None) -> None:
    """Open a closed ticket again; the user is told."""
    by = operator(as_)
    run(
        lambda uow, parts: tickets.reopen(
            uow, ticket_id, by=by, now=parts.clock.now(), reason=reason
        ),
        commit=True,
    )
    done(f"Ticket #{ticket_id} reopened; the user is told.")
