"""Where the bot under test spends its CPU during the Telegram webhook benchmark's load:
py-spy records the child process (``--profile``), and its collapsed stacks are summarised
by library and by our own functions."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

OUR_LAYERS = ("bots", "dialogs", "core", "payments", "web")


def hot_spots(raw: Path, limit: int = 40) -> str:
    """Summarise py-spy's collapsed stacks: which library is on the CPU (innermost frame),
    and which of our functions the CPU works for (any frame of ours on the stack)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_frame(f) for f in stack.split(";")]
        own[frames[-1][0]] += n
        for ours in {name for layer, name in frames if layer in OUR_LAYERS}:
            inclusive[ours] += n
    if not total:
        return "(no samples)"
    lines = [f"{total} samples of CPU (py-spy, GIL held); on the CPU:"]
    lines += [f"  {100 * n / total:5.1f}%  {k}" for k, n in own.most_common(12)]
    lines.append("working for (our functions on the stack):")
    lines += [f"  {100 * n / total:5.1f}%  {k}" for k, n in inclusive.most_common(limit)]
    return "\n".join(lines)


def _frame(text: str) -> tuple[str, str]:
    """("sqlalchemy", ...) or ("dialogs", "dialogs/framework/engine.py:_handle") from py-spy's
    "function (path:line)"."""
    name, _, where = text.rpartition(" (")
    path = where.rsplit(":", 1)[0]
    if "site-packages/" in path:
        return path.split("site-packages/")[1].split("/")[0], name
    root = str(Path(__file__).parent.parent) + "/"
    if path.startswith(root):
        rel = path[len(root) :]
        return rel.split("/")[0], f"{rel}:{name}"
    return "python:" + Path(path).stem, name


@contextlib.asynccontextmanager
async def py_spy(pid: int, out: Path) -> AsyncIterator[None]:
    """py-spy recording the bot's process while the load runs (``pip install py-spy``)."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    args = [exe, "record", "--pid", str(pid), "--format", "raw", "--gil", "--rate", "1000"]
    args += ["--full-filenames"]
    proc = await asyncio.create_subprocess_exec(
        *args,
        "--output",
        str(out),
        "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await asyncio.sleep(1)  # attached
    try:
        yield
    finally:
        proc.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        await proc.wait()
