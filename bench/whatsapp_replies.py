"""How long WhatsApp users wait for an answer when many write at once (issue 18).

Run ``python -m bench.whatsapp_replies`` (SQLite in a temporary directory; ``--people N``,
``--latency S``, ``--rounds N``; ``--database-url`` a dedicated PostgreSQL database, which
is emptied; ``--separate-worker``: `serve --no-worker` and `mounasabet worker`, the
deployment for more load). See bench/README.md ("WhatsApp answers under load").

WhatsApp answers are not sent by the webhook: the step keeps them in the outbox, and the
worker sends them through Twilio's REST API (README, "Delivery guarantees"). So how many
people can be answered at once is the worker's: `mounasabet serve` (web and worker in one
process, as `make run` deploys) runs in a child process against the fake Twilio API,
which holds each message ``--latency`` seconds (Twilio's round trip, which loopback does
not have) and refuses more than the sender's 80 per second. ``--people`` write "Bonjour"
at the same moment, through the signed webhook; each one's wait is from their message to
the first answer reaching the fake. Then each writes again ("1": the menu's first option)
and the same is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import text

from bench.outbox_delivery import WHATSAPP_MPS, whatsapp_env, worker
from core.db.engine import make_engine
from core.db.migrate import upgrade
from tests.conftest import empty_tables
from tests.fakes.twilio_api import FakeTwilioAPI
from tests.support.telegram_app import bound_socket

FIRST_PHONE = 212_600_100_000


async def fresh_database(url: str) -> None:
    """Migrated; on PostgreSQL emptied, unless it holds people this benchmark did not make."""
    upgrade(url)
    if url.startswith("sqlite"):
        return
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            foreign = await conn.scalar(
                text("SELECT count(*) FROM users WHERE coalesce(phone_e164, '') NOT LIKE :ours"),
                {"ours": f"+{str(FIRST_PHONE)[:7]}%"},
            )
        if foreign:
            raise SystemExit("refused: this database holds data the benchmark did not make")
        await empty_tables(engine)
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def serve(
    fake: FakeTwilioAPI, url: str, workdir: Path, *, separate_worker: bool = False
) -> AsyncIterator[int]:
    """`mounasabet serve` (web and worker; or `serve --no-worker` and `mounasabet worker`),
    their settings from MOUNASABET_* variables; yields the web's port once it listens."""
    with contextlib.closing(bound_socket()) as sock:
        port = sock.getsockname()[1]
    env = whatsapp_env(url, fake, f"http://127.0.0.1:{port}")
    exe = Path(sys.executable).parent / "mounasabet"
    web_only = ["--no-worker"] if separate_worker else []
    with (workdir / "serve.log").open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            *[str(exe), "serve", "--port", str(port), *web_only],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=log,
        )
    try:
        await _healthy(port, proc)
        fake.connect(public_url=f"http://127.0.0.1:{port}", local_url=f"http://127.0.0.1:{port}")
        if separate_worker:
            async with worker(env, workdir / "worker.log"):
                yield port
        else:
            yield port
    finally:
        proc.terminate()
        await proc.wait()


async def _healthy(port: int, proc: asyncio.subprocess.Process) -> None:
    for _ in range(600):
        if proc.returncode is not None:
            raise RuntimeError(f"serve exited with {proc.returncode}: see serve.log")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise RuntimeError("serve did not come up in 60 s")


async def wave(fake: FakeTwilioAPI, phones: list[str], text: str) -> list[float]:
    """Everyone writes ``text`` at once; each one's wait for their first answer (s)."""
    before = {p: len(fake.sent_to(p)) for p in phones}
    started = time.perf_counter()
    waits: dict[str, float] = {}

    async def watch() -> None:
        while len(waits) < len(phones):
            if time.perf_counter() - started > 300:
                raise RuntimeError(f"{len(phones) - len(waits)} people never got an answer")
            now = time.perf_counter()
            for p in phones:
                if p not in waits and len(fake.sent_to(p)) > before[p]:
                    waits[p] = now - started
            await asyncio.sleep(0.005)

    watching = asyncio.create_task(watch())
    posted = await asyncio.gather(*(fake.user_sends(p, text) for p in phones))
    bad = [r.status for r in posted if r.status != 200]
    if bad:
        raise RuntimeError(f"webhook answered {bad[:5]}")
    await watching
    return sorted(waits.values())


def summary(name: str, waits: list[float]) -> str:
    def at(q: float) -> float:
        return 1000 * waits[min(len(waits) - 1, int(q * len(waits)))]

    return (
        f"  {name}: {len(waits)} people, first answer after p50 {at(0.5):.0f} ms, "
        f"p95 {at(0.95):.0f} ms, last {1000 * waits[-1]:.0f} ms"
    )


async def bench(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-whatsapp-"))
    url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'whatsapp.db'}"
    await fresh_database(url)
    phones = [f"+{FIRST_PHONE + n}" for n in range(args.people)]
    async with FakeTwilioAPI(sender_mps=WHATSAPP_MPS, latency=args.latency) as fake:
        async with serve(fake, url, workdir, separate_worker=args.separate_worker):
            for n in range(args.rounds):
                print(f"round {n + 1} (Twilio's round trip {1000 * args.latency:.0f} ms):")
                print(summary("greeting", await wave(fake, phones, f"Bonjour {n}")), flush=True)
                await asyncio.sleep(args.pause)
                print(summary("menu choice", await wave(fake, phones, "1")), flush=True)
                await asyncio.sleep(args.pause)
        print(f"  429 refusals {fake.refused_for_rate}")
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; logs in {workdir}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=60)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per Twilio call")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--pause",
        type=float,
        default=0.0,
        help="seconds between two waves (past the half second WhatsApp's sender leaves "
        "between two messages to one chat)",
    )
    parser.add_argument("--database-url", help="a dedicated PostgreSQL database (emptied)")
    parser.add_argument(
        "--separate-worker",
        action="store_true",
        help="serve --no-worker and mounasabet worker, as two processes",
    )
    return asyncio.run(bench(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
