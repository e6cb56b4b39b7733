"""`mounasabet-admin dashboard`: the day's figures, once or refreshed (`--watch`)."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.columns import Columns
from rich.console import Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table

from admin_cli.common import emit_json, out, run
from core.admin.dashboard import dashboard as figures

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[int]) -> str:
    top = max(values, default=0)
    if top == 0:
        return BARS[0] * len(values)
    return "".join(BARS[min(len(BARS) - 1, v * (len(BARS) - 1) // top)] for v in values)


def _money(minor: int) -> str:
    return f"{minor / 100:,.2f} MAD".replace(",", " ")


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def render(data: dict[str, Any]) -> Group:
    states = Table(title="Bookings by state")
    states.add_column("state")
    states.add_column("count", justify="right")
    for state, count in sorted(data["bookings_by_state"].items()):
        states.add_row(state, str(count))
    month = data["month"]
    money = Table(title="This month", show_header=False)
    money.add_row("revenue", _money(month["revenue_minor"]))
    money.add_row("deposits", _money(month["deposits_minor"]))
    money.add_row("refunds", _money(month["refunds_minor"]))
    money.add_row("commission", _money(month["commission_minor"]))
    money.add_row("owed to providers", _money(data["owed_to_providers_minor"]))
    queue = Table(title="Queues", show_header=False)
    for name in ("flags", "tickets"):
        oldest = data[name]["oldest_hours"]
        queue.add_row(f"open {name}", f"{data[name]['open']} (oldest {oldest or 0} h)")
    queue.add_row("events this week", str(data["events_this_week"]))
    queue.add_row("undeliverable messages", str(data["outbox_dead"]))
    conv = data["conversion_30d"]
    failed = data["failed_sweeps"]
    sources = ", ".join(f"{k}: {v}" for k, v in data["bookings_by_source_30d"].items()) or "—"
    lines = [
        f"Bookings per day (30 days): {sparkline(data['bookings_per_day'])}",
        f"Searches → requests → bookings (30 days): {conv['searches']} → {conv['requests']}"
        f" → {conv['bookings']} ({_ratio(conv['search_to_request'])},"
        f" {_ratio(conv['request_to_booking'])})",
        f"Bookings by source (30 days): {sources}",
        "Failed sweeps: "
        + (
            ", ".join(f"{s['id']} ({s['failures']}× — {s['last_error']})" for s in failed)
            if failed
            else "none"
        ),
    ]
    return Group(Columns([states, money, queue]), Panel("\n".join(lines)))


def dashboard(
    watch: Annotated[bool, typer.Option("--watch", help="Refresh until Ctrl-C.")] = False,
    every: Annotated[float, typer.Option(min=1.0, help="Seconds between refreshes.")] = 5.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead.")] = False,
) -> None:
    """Bookings, money, queues and trends at a glance."""

    def read() -> dict[str, Any]:
        return run(lambda uow, parts: figures(uow, now=parts.clock.now()))

    if as_json:
        emit_json(read())
        return
    if not watch:
        out.print(render(read()))
        return
    with Live(render(read()), console=out, screen=False) as live:
        try:
            while True:
                time.sleep(every)
                live.update(render(read()))
        except KeyboardInterrupt:
            pass
