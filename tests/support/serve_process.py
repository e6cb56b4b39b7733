"""`mounasabet serve` as a real process, for tests that kill it (SIGKILL) and start it again.

The fake Telegram Bot API runs in the test's process; the server gets its settings from
MOUNASABET_* variables, as a deployment does, and runs in a directory of its own (no .env
of the repository is read). Its output goes to ``serve-<n>.log`` in that directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.fakes import FakeTelegramAPI
from tests.support.telegram_app import CLIENT_TOKEN, PROVIDER_TOKEN, SECRET, bound_socket

MOUNASABET = Path(sys.executable).parent / "mounasabet"


@dataclass
class ServeProcess:
    """One deployment (database, port, settings) that can be started, killed and started
    again; `start` returns once the server has set its webhooks and listens."""

    database_url: str
    fake: FakeTelegramAPI
    workdir: Path
    port: int = 0
    runs: int = 0
    options: tuple[str, ...] = ()  # after `serve --port N`: ("--no-worker",)
    proc: asyncio.subprocess.Process | None = field(default=None, repr=False)

    def env(self) -> dict[str, str]:
        return dict(os.environ) | {
            "MOUNASABET_DATABASE_URL": self.database_url,
            "MOUNASABET_TELEGRAM_CLIENT_TOKEN": CLIENT_TOKEN,
            "MOUNASABET_TELEGRAM_PROVIDER_TOKEN": PROVIDER_TOKEN,
            "MOUNASABET_TELEGRAM_WEBHOOK_SECRET": SECRET,
            "MOUNASABET_TELEGRAM_API_URL": self.fake.base_url,
            "MOUNASABET_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            # The offline gateway on a public URL: a demo deployment, said so explicitly.
            "MOUNASABET_OFFLINE_PAYMENTS": "1",
        }

    async def start(self) -> None:
        if not self.port:
            with contextlib.closing(bound_socket()) as sock:
                self.port = sock.getsockname()[1]
        webhooks = len(self.fake.calls("setWebhook"))
        self.runs += 1
        log = (self.workdir / f"serve-{self.runs}.log").open("wb")
        with log:  # the child has its own copy of the file
            self.proc = await asyncio.create_subprocess_exec(
                str(MOUNASABET),
                "serve",
                "--port",
                str(self.port),
                *self.options,
                env=self.env(),
                cwd=self.workdir,
                stdout=log,
                stderr=log,
            )
        for _ in range(1200):  # up to 60 s on a busy machine
            if self.proc.returncode is not None:
                raise AssertionError(f"serve exited with {self.proc.returncode}: {self.log()}")
            if len(self.fake.calls("setWebhook")) >= webhooks + 2 and await self._listening():
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"serve did not come up in 60 s: {self.log()}")

    async def _listening(self) -> bool:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        writer.close()
        await writer.wait_closed()
        return True

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when the machine or the OOM killer stops it."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGINT)  # aiohttp shuts down cleanly
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    def log(self) -> str:
        path = self.workdir / f"serve-{self.runs}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else "(no log)"


@contextlib.asynccontextmanager
async def serving(
    database_url: str, fake: FakeTelegramAPI, workdir: Path
) -> AsyncIterator[ServeProcess]:
    server = ServeProcess(database_url, fake, workdir)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
