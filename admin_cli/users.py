"""`mounasabet-admin users`: people on every channel; block and unblock."""

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
    operator,
    page,
    run,
    show_record,
    show_rows,
)
from core.admin import users

app = typer.Typer(help="Users.", no_args_is_help=True)
UserId = Annotated[int, typer.Argument(help="The user's id.")]
COLUMNS = ("id", "role", "name", "locale", "phone", "blocked", "source", "created_at")


@app.command("list")
def list_(
    role: Annotated[str | None, typer.Option(help="client, provider or admin.")] = None,
    blocked: Annotated[bool | None, typer.Option("--blocked/--not-blocked")] = None,
    channel: Annotated[str | None, typer.Option(help="telegram_client, whatsapp...")] = None,
    search: Annotated[str | None, typer.Option(help="Part of the name or phone.")] = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    sort: SortOption = None,
    as_json: JsonOption = False,
) -> None:
    """Users, newest first (sort: id, created, name)."""
    rows = run(
        lambda uow, _: users.list_users(
            uow,
            page(limit, offset, sort),
            role=role,
            blocked=blocked,
            channel=channel,
            search=search,
        )
    )
    show_rows(rows, "Users", as_json, COLUMNS)


@app.command("show")
def show(user_id: UserId, as_json: JsonOption = False) -> None:
    """One user, their channels and how many bookings and tickets they have."""
    record = run(lambda uow, _: users.show_user(uow, user_id))
    show_record(record, f"User #{user_id}", as_json)
    if not as_json:
        show_rows(record["identities"], "Channels", False)


@app.command("block")
def block(
    user_id: UserId,
    reason: Annotated[str, typer.Option(help="Why, for the audit trail.")],
    yes: YesOption = False,
    as_: AsOption = None,
) -> None:
    """Block a user: every bot refuses them politely and nothing they send is acted on."""
    by = operator(as_)
    confirm(f"Block user #{user_id}?", yes)
    run(
        lambda uow, parts: users.block(uow, user_id, reason=reason, by=by, now=parts.clock.now()),
        commit=True,
    )
    done(f"User #{user_id} blocked.")


@app.command("unblock")
def unblock(
    user_id: UserId,
    reason: Annotated[str | None, typer.Option(help="Why, for the audit trail.")] = None,
    as_: AsOption = None,
) -> None:
    """Let a blocked user talk to the bots again."""
    by = operator(as_)
    run(
        lambda uow, parts: users.unblock(uow, user_id, reason=reason, by=by, now=parts.clock.now()),
        commit=True,
    )
    done(f"User #{user_id} unblocked.")
