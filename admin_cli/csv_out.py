"""CSV files written a batch at a time, with a progress bar on stderr."""

from __future__ import annotations

import csv
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from admin_cli.common import done, err, run
from core.uow import UnitOfWork

RowSource = Callable[[UnitOfWork], AsyncIterator[dict[str, Any]]]


def write_csv(path: Path, source: RowSource, *, total: int | None) -> None:
    """Write what ``source`` yields to ``path`` ('-': stdout); the header: the first row's keys."""

    async def go(uow: UnitOfWork, _: Any) -> int:
        with ExitStack() as stack:
            stream: TextIO = (
                sys.stdout
                if str(path) == "-"
                else stack.enter_context(path.open("w", newline="", encoding="utf-8"))
            )
            progress = stack.enter_context(
                Progress(
                    TextColumn("exporting"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeRemainingColumn(),
                    console=err,
                    transient=True,
                )
            )
            task = progress.add_task("rows", total=total)
            writer: csv.DictWriter[str] | None = None
            written = 0
            async for row in source(uow):
                if writer is None:
                    writer = csv.DictWriter(stream, fieldnames=list(row))
                    writer.writeheader()
                writer.writerow({k: _flat(v) for k, v in row.items()})
                written += 1
                progress.advance(task)
            return written

    written = run(go)
    if str(path) != "-":
        done(f"{written} rows written to {path}.")


def _flat(value: Any) -> Any:
    return "" if value is None else value
