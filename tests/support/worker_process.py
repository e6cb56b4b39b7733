"""`mounasabet worker` as a real process, its log in a file, for the tests that run several
processes against one database (tests/integration/test_scheduler_processes.py,
tests/reliability/test_several_processes.py)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import datetime
from pathlib import Path

WORKER = str(Path(sys.executable).parent / "mounasabet")
LEASE_SECONDS = 6  # renewed every 2 s: a loaded machine may delay a renewal a second or two
# Starting a worker (imports, the NLU's warm-up) takes seconds, more on a busy machine.
SLOW = 120.0


class Worker:
    """One `mounasabet worker` process, its log in a file (a pipe could fill and block it)."""

    def __init__(self, url: str, directory: Path, name: str, **env: str) -> None:
        self.url, self.log_path = url, directory / f"{name}.log"
        self.extra_env = env
        self.directory = directory
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> Worker:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MOUNASABET_")}
        env |= {
            "MOUNASABET_DATABASE_URL": self.url,
            "MOUNASABET_SWEEP_INTERVAL_SECONDS": "1",
            "MOUNASABET_SCHEDULER_LEASE_SECONDS": str(LEASE_SECONDS),
            "MOUNASABET_SANDBOX_ENABLED": "false",
        } | self.extra_env
        with self.log_path.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                WORKER, "worker", env=env, cwd=self.directory, stdout=log, stderr=log
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def ran_sweeps(self) -> bool:
        return "sweep expire-pending ok" in self.log()

    def run_times(self) -> list[datetime]:
        """When this process finished each sweep run (its log's timestamps: off a terminal,
        `mounasabet` writes one JSON object per line, bots/logs.py)."""
        lines = [json.loads(line) for line in self.log().splitlines() if line.startswith("{")]
        return [
            datetime.fromisoformat(line["time"])
            for line in lines
            if line["logger"] == "core.scheduling.runs" and line["message"].startswith("sweep ")
        ]

    async def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(sig)
            try:
                await asyncio.wait_for(self.process.wait(), timeout=SLOW)
            except TimeoutError:
                # Seen once in a full run: a worker still waiting on SQLite's write lock
                # two minutes after SIGTERM. What these tests check (who ran the sweeps)
                # is in the logs and the database either way; the process must not outlive
                # the test.
                self.process.kill()
                await self.process.wait()
