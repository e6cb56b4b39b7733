"""`mounasabet-admin jobs`: the sweeps, their last and next runs, and running one now."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from admin_cli.bootstrap import build_admin
from core.scheduling import lease
from core.scheduling.config import holder_name, sweep_config
from core.scheduling.model import SweepContext
from core.scheduling.registry import BY_ID, SWEEPS
from core.scheduling.runs import RunOutcome, records, run_sweep
from core.settings import Settings
from dialogs.i18n.translator import translator
from payments.setup import build_payments

app = typer.Typer(help="Scheduled sweeps: status, and run one now.")
err = Console(stderr=True)
out = Console()
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def _status() -> dict[str, Any]:
    parts = build_admin(Settings())
    try:
        found = await records(parts.uows)
        held = await lease.current(parts.uows)
        now = parts.clock.now()
    finally:
        await parts.close()
    jobs = []
    for sweep in SWEEPS:
        r = found.get(sweep.id)
        jobs.append(
            {
                "id": sweep.id,
                "summary": sweep.summary,
                "every_seconds": int(sweep.every.total_seconds()),
                "status": r.status if r else "never",
                "last_run": _when(r.last_started_at) if r else None,
                "next_run": _when(r.next_run_at) if r else None,
                "duration_ms": r.duration_ms if r else None,
                "last_result": r.last_result if r else {},
                "last_error": r.last_error if r else None,
                "last_error_at": _when(r.last_error_at) if r else None,
                "runs": r.runs if r else 0,
                "failures": r.failures if r else 0,
            }
        )
    holder = None
    if held is not None:
        holder = {
            "holder": held.holder,
            "expires_at": held.expires_at.isoformat(),
            "stale": held.stale(now),
        }
    return {"lease": holder, "jobs": jobs}


def _print(status: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(status, ensure_ascii=False))
        return
    held = status["lease"]
    if held is None:
        out.print("Lease: nobody has run the sweeps yet.")
    else:
        state = "[red]stale[/]" if held["stale"] else "[green]held[/]"
        out.print(f"Lease: {escape(held['holder'])} ({state} until {held['expires_at']})")
    table = Table(title="Sweeps")
    for column in ("id", "status", "last run", "next run", "ms", "result", "error"):
        table.add_column(column)
    for job in status["jobs"]:
        table.add_row(
            job["id"],
            job["status"],
            str(job["last_run"] or "—"),
            str(job["next_run"] or "—"),
            str(job["duration_ms"] if job["duration_ms"] is not None else "—"),
            escape(json.dumps(job["last_result"])),
            escape((job["last_error"] or "")[:80]),
        )
    out.print(table)


@app.callback(invoke_without_command=True)
def jobs(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every sweep with its last run, next run, duration, result and error."""
    if ctx.invoked_subcommand is None:
        _print(asyncio.run(_status()), as_json)


@app.command("list")
def jobs_list(as_json: JsonOption = False) -> None:
    """The same as `jobs` alone."""
    _print(asyncio.run(_status()), as_json)


@app.command("run")
def jobs_run(
    sweep_id: Annotated[str, typer.Argument(metavar="ID", help="A sweep id from `jobs`.")],
    as_json: JsonOption = False,
) -> None:
    """Run one sweep now, in this process (safe beside the scheduler: sweeps are idempotent)."""
    sweep = BY_ID.get(sweep_id)
    if sweep is None:
        err.print(f"No sweep {escape(sweep_id)}. Known: {', '.join(BY_ID)}.")
        raise typer.Exit(1)
    if sweep.needs_sender:
        err.print(
            f"{escape(sweep_id)} sends through the chat channels, which only `mounasabet "
            "serve` and `mounasabet worker` hold: it runs there, every few seconds."
        )
        raise typer.Exit(1)
    outcome = asyncio.run(_run_now(sweep_id))
    if as_json:
        typer.echo(json.dumps({"id": sweep_id, "counts": outcome.counts, "error": outcome.error}))
    elif outcome.ok:
        out.print(f"{sweep_id}: {escape(json.dumps(outcome.counts))} in {outcome.duration_ms} ms")
    else:
        err.print(f"{sweep_id} failed: {escape(outcome.error or '')}")
    if not outcome.ok:
        raise typer.Exit(1)


async def _run_now(sweep_id: str) -> RunOutcome:
    """In this process, with core and the payment gateway; a sweep that needs the chat
    channels (the outbox) is refused before this: the admin tool builds no channel."""
    settings = Settings()
    parts = build_admin(settings)
    pay = build_payments(settings, parts.uows, parts.clock, translator)
    try:
        ctx = SweepContext(
            parts.uows,
            parts.clock.now(),
            payments=pay.payments,
            config=sweep_config(settings),
            batch=settings.sweep_batch_size,
        )
        return await run_sweep(BY_ID[sweep_id], ctx, holder=f"admin:{holder_name()}")
    finally:
        await pay.close()
        await parts.close()
