"""The bot under test as a child process of the Telegram webhook benchmark, as
`mounasabet serve` runs, so that it has a CPU of its own like a real deployment: started,
awaited until it listens, measured (CPU time), and stopped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes import FakeTelegramAPI


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def log_file(path: Path) -> BinaryIO:
    return path.open("wb")  # the child writes it; we only hand it over


@contextlib.asynccontextmanager
async def child(
    kind: str, port: int, env: dict[str, str], workdir: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m bench.telegram_webhook serve-<kind>``, its output in ``workdir``."""
    args = [sys.executable, "-m", "bench.telegram_webhook", f"serve-{kind}", "--port", str(port)]
    args += ["--api", env["MOUNASABET_TELEGRAM_API_URL"]]
    with log_file(workdir / f"{kind}-{port}.log") as log:
        proc = await asyncio.create_subprocess_exec(
            *args, env=env, stdout=log, stderr=log, cwd=Path(__file__).parent.parent
        )
        try:
            yield proc
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGINT)  # aiohttp shuts down cleanly
                try:
                    await asyncio.wait_for(proc.wait(), 30)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


async def ready(
    fake: FakeTelegramAPI, token: str, port: int, proc: asyncio.subprocess.Process
) -> None:
    """The child has set its webhook and listens."""
    for _ in range(2400):
        if proc.returncode is not None:
            raise RuntimeError(f"the bot process exited with {proc.returncode}: see its log")
        if fake.bot(token).webhook_url:
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                await writer.wait_closed()
                return
        await asyncio.sleep(0.05)
    raise RuntimeError("the bot under test did not come up in 120 s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def dialog_paths(port: int) -> dict[str, int]:
    """What the bot's own /metrics counts of its dialog updates so far: by path (fast,
    transaction; summed over its bots) and the fast path's version conflicts."""
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as r:
        text = await r.text()
    counted: dict[str, int] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "mounasabet_dialog_updates_total":
                path = sample.labels["path"]
            elif sample.name == "mounasabet_dialog_version_conflicts_total":
                path = "conflict"
            else:
                continue
            counted[path] = counted.get(path, 0) + int(sample.value)
    return counted
