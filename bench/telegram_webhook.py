"""Benchmark of the Telegram webhook: our app against a bare aiogram echo bot, same load.

Run ``python -m bench.telegram_webhook`` (SQLite in a temporary directory), or with
``--database-url`` pointing at a dedicated PostgreSQL database (it is emptied). See
bench/README.md ("Telegram webhook").

The fake Bot API (tests/fakes, rate limits off) and the load driver run in this process;
the bot under test runs in a child process, as `mounasabet serve` does, so that it has a
CPU of its own like a real deployment facing Telegram. The fake posts every update to the
bot's webhook and the latency is measured from the injection to the webhook's answer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.telegram_mixes import (
    CLIENT_TOKEN,
    MIXES,
    PROVIDER_TOKEN,
    Mix,
    Step,
    before_clock,
    chat_values,
    echo_codes,
    echo_steps,
    open_chats,
    our_steps,
    seed,
    users,
)
from bench.telegram_ptb import serve_ptb
from core.bootstrap import build_uow_factory
from core.clock import SystemClock
from core.db.engine import make_engine
from core.db.migrate import upgrade
from core.db.tables import Base
from demo import seed_demo
from demo.catalogue import catalogue
from demo.providers import add_provider
from tests.fakes import FakeTelegramAPI, FakeUser

ECHO_TOKEN = "333:echo"
PTB_TOKEN = "444:ptb"
SECRET = "s3cret-_"
# Throughput of ours over the aiogram echo bot's, per mix (issue 18), and over PTB's.
TARGET_VS_ECHO = {"navigation": 1.0, "booking": 0.6, "provider": None}
TARGET_VS_PTB = 1.5
KINDS = ("echo", "ptb", "ours")
EXTRA_PHOTOGRAPHERS = 12  # Rabat photographers next to the demo's: results span 3 pages


@dataclass
class Run:
    name: str  # the bot: echo (aiogram), ptb or ours
    mix: str = ""
    latencies_ms: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    api_calls: int = 0
    webhook_replies: int = 0  # of api_calls: made by Telegram from the webhook's answer
    failed_calls: int = 0
    undelivered: int = 0
    server_cpu_s: float = 0.0
    driver_cpu_s: float = 0.0  # this process: the fake Bot API and the load driver
    round: int = 0
    outcome: str = ""  # ours: the bench providers' bookings by state after the load
    load_done: bool = True  # ours: every chat's booking made, or every provider's moved

    @property
    def updates(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.updates / self.wall_s

    def quantile(self, q: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[q - 1]

    def line(self) -> str:
        return (
            f"{self.mix:<10} {self.name:<4} {self.updates} updates in {self.wall_s:.2f} s: "
            f"{self.throughput:.0f} updates/s, p50 {self.quantile(50):.1f} ms, "
            f"p99 {self.quantile(99):.1f} ms, max {max(self.latencies_ms):.1f} ms; "
            f"{self.api_calls / self.updates:.2f} Bot API calls/update "
            f"({self.webhook_replies / self.updates:.2f} in webhook answers, "
            f"{self.failed_calls} refused), {self.undelivered} undelivered; "
            f"CPU per update: bot {1000 * self.server_cpu_s / self.updates:.2f} ms, "
            f"fake + driver {1000 * self.driver_cpu_s / self.updates:.2f} ms"
        )


# ---- the bots under test (child processes) ---------------------------------------------------


def serve_ours(port: int) -> None:
    """Exactly `mounasabet serve`: settings from MOUNASABET_* variables."""
    from bots.cli import serve

    serve(host="127.0.0.1", port=port, no_worker=False)


def serve_echo(port: int, api_url: str) -> None:
    """The baseline: one aiogram Dispatcher, echo texts, answer presses, nothing else."""
    import logging

    from aiogram import Dispatcher
    from aiogram.types import CallbackQuery, Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler
    from aiohttp import web

    # The same logging as `mounasabet serve` (aiogram logs every update at INFO).
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    bot = Bot(ECHO_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    @dp.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()

    async def introduce(_: web.Application) -> None:
        await bot.set_webhook(
            f"http://127.0.0.1:{port}/webhook",
            secret_token=SECRET,
            allowed_updates=["message", "callback_query"],
        )

    app = web.Application()
    SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token=SECRET).register(
        app, path="/webhook"
    )

    async def close(_: web.Application) -> None:
        await bot.session.close()

    app.on_startup.append(introduce)
    app.on_cleanup.append(close)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# ---- data ------------------------------------------------------------------------------------


async def prepare_database(url: str, mix: Mix, people: list[FakeUser]) -> dict[int, dict[str, str]]:
    """Migrated, emptied, then the demo marketplace plus photographers enough for paging,
    and what the mix needs (its values for the chats' scripts are returned)."""
    upgrade(url)
    engine = make_engine(url)
    try:
        if not url.startswith("sqlite"):
            await refuse_foreign_data(engine)
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            async with engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        uows = build_uow_factory(engine)
        now = SystemClock().now()
        await seed_demo(uows, now=now)
        cat = catalogue()
        model = next(p for p in cat.providers if p.services[0].category == "photographer")
        for n in range(EXTRA_PHOTOGRAPHERS):
            clone = dataclasses.replace(model, slug=f"bench-photo-rabat-{n:02d}", cities=("rabat",))
            await add_provider(uows, clone, domain=cat.domain, now=now, seed=n)
        return await seed(mix, uows, people)
    finally:
        await engine.dispose()


async def bookings_by_state(url: str) -> dict[str, int]:
    """The bench providers' bookings: what the booking and provider loads must change."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT b.state, count(*) FROM bookings b JOIN providers p"
                    " ON p.id = b.provider_id WHERE p.slug LIKE 'bench-%' GROUP BY b.state"
                )
            )
            return {str(state): int(n) for state, n in rows}
    finally:
        await engine.dispose()


def load_done(mix: Mix, before: dict[str, int], after: dict[str, int], chats: int) -> bool:
    """Every chat's booking reached "request sent", or every provider's two bookings moved."""
    if mix.name == "booking":
        return after.get("requested", 0) - before.get("requested", 0) == chats
    if mix.name == "provider":
        return after.get("accepted", 0) == chats and after.get("delivered", 0) == chats
    return True


async def refuse_foreign_data(engine: AsyncEngine) -> None:
    """Empty a PostgreSQL database only if it is empty or was filled by this benchmark."""
    async with engine.connect() as conn:
        users = await conn.scalar(text("SELECT count(*) FROM users"))
        ours = await conn.scalar(
            text("SELECT count(*) FROM providers WHERE slug LIKE 'bench-photo-rabat-%'")
        )
    if users and not ours:
        raise SystemExit("refused: this database holds data the benchmark did not make")


# ---- driving the load ------------------------------------------------------------------------


async def echo_keyboards(
    fake: FakeTelegramAPI, token: str, mix: Mix, people: list[FakeUser]
) -> dict[int, int]:
    """Before the clock starts: one message per chat carrying the buttons users will press."""
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=c, callback_data=c)] for c in echo_codes(mix)]
    )
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    async with Bot(token, session=session) as bot:
        for user in people:
            fake.open_chat(token, user)
            await bot.send_message(user.id, "buttons", reply_markup=markup)
    return {user.id: fake.last_message(user.id, bot=token).message_id for user in people}


async def drive(run: Run, chats: dict[int, list[Step]], concurrency: int) -> None:
    """Each chat plays its steps in order; ``concurrency`` chats are in progress at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def chat(steps: list[Step]) -> None:
        async with gate:
            for step in steps:
                started = time.perf_counter()
                delivery = await step()
                run.latencies_ms.append((time.perf_counter() - started) * 1000)
                if (delivery.state, delivery.status) != ("delivered", 200):
                    # Telegram would retry it later; this chat's next button may not exist.
                    run.undelivered += 1
                    return

    started, cpu_started = time.perf_counter(), time.process_time()
    await asyncio.gather(*(chat(steps) for steps in chats.values()))
    run.wall_s = time.perf_counter() - started
    run.driver_cpu_s = time.process_time() - cpu_started


# ---- profiling (py-spy) ------------------------------------------------------------------------


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


OUR_LAYERS = ("bots", "dialogs", "core", "payments", "web")


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
async def py_spy(pid: int, out: Path) -> Any:
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


# ---- the child process -------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def log_file(path: Path) -> BinaryIO:
    return path.open("wb")  # the child writes it; we only hand it over


@contextlib.asynccontextmanager
async def child(kind: str, port: int, env: dict[str, str], workdir: Path) -> Any:
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


async def ready(fake: FakeTelegramAPI, token: str, port: int, proc: Any) -> None:
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


async def outbox_settled(db_url: str) -> None:
    """Let the app's outbox worker go through the demo's old news before the clock starts."""
    engine = make_engine(db_url)
    try:
        for _ in range(600):
            async with engine.connect() as conn:
                due = await conn.scalar(
                    text("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")
                )
            if not due:
                return
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Bench:
    """What every measurement of one invocation shares."""

    workdir: Path
    database_url: str | None  # a dedicated PostgreSQL database, or None: SQLite files
    chats: int
    concurrency: int
    profile: bool
    catalog_cache: float | None


async def measure(kind: str, mix: Mix, b: Bench, people: list[FakeUser], n: int) -> Run:
    """One bot under one mix's load: its own fake Bot API, and for ours a fresh database."""
    run = Run(kind, mix.name)
    db_url = b.database_url or f"sqlite+aiosqlite:///{b.workdir / f'bench-{n}.db'}"
    seeded: dict[int, dict[str, str]] = {}
    if kind == "ours":
        started = time.perf_counter()
        seeded = await prepare_database(db_url, mix, people)
        print(f"  database for {mix.name} ready in {time.perf_counter() - started:.1f} s")
    values = chat_values(mix, people, seeded)
    token = {"ours": mix.token, "echo": ECHO_TOKEN, "ptb": PTB_TOKEN}[kind]
    port = free_port()
    async with FakeTelegramAPI(rate_limits=None, webhook_timeout=60.0) as fake:
        env = dict(os.environ) | {
            "MOUNASABET_DATABASE_URL": db_url,
            "MOUNASABET_TELEGRAM_CLIENT_TOKEN": CLIENT_TOKEN,
            "MOUNASABET_TELEGRAM_PROVIDER_TOKEN": PROVIDER_TOKEN,
            "MOUNASABET_TELEGRAM_WEBHOOK_SECRET": SECRET,
            "MOUNASABET_TELEGRAM_API_URL": fake.base_url,
            "MOUNASABET_PUBLIC_URL": f"http://127.0.0.1:{port}",
            # A public URL without a Stripe key is refused unless declared a demo (issue 12).
            "MOUNASABET_OFFLINE_PAYMENTS": "1",
        }
        if b.catalog_cache is not None:
            env["MOUNASABET_CATALOG_CACHE_SECONDS"] = str(b.catalog_cache)
        if kind == "ours":
            open_chats(mix, fake, people)
            chats = {u.id: our_steps(mix, fake, u, values[u.id]) for u in people}
        else:
            keyboards = await echo_keyboards(fake, token, mix, people)
            chats = {
                u.id: echo_steps(mix, fake, token, u, keyboards[u.id], values[u.id]) for u in people
            }
        async with child(kind, port, env, b.workdir) as proc:
            await ready(fake, token, port, proc)
            if kind == "ours":
                await outbox_settled(db_url)
                await before_clock(mix, fake, people, values)
                await outbox_settled(db_url)
                states_before = await bookings_by_state(db_url)
            profiling = py_spy(proc.pid, b.workdir / f"{kind}-{n}.pyspy") if b.profile else None
            async with profiling or contextlib.nullcontext():
                calls_before, cpu_before = len(fake.calls(bot=token)), cpu_seconds(proc.pid)
                await drive(run, chats, b.concurrency)
                if kind == "ptb":  # answered before handled: the run ends with the last reply
                    await replies_in(fake, token, calls_before + run.updates, run)
                run.server_cpu_s = cpu_seconds(proc.pid) - cpu_before
            calls = fake.calls(bot=token)[calls_before:]
            run.api_calls, run.failed_calls = len(calls), sum(not c.ok for c in calls)
            run.webhook_replies = sum(c.source == "webhook-reply" for c in calls)
        if kind == "ours":
            after = await bookings_by_state(db_url)
            run.outcome = ", ".join(f"{v} {k}" for k, v in sorted(after.items()))
            run.load_done = load_done(mix, states_before, after, len(people))
    return run


async def replies_in(fake: FakeTelegramAPI, token: str, calls: int, run: Run) -> None:
    """Wait for the PTB bot's replies (one call per update), counted in the run's wall time."""
    started = time.perf_counter() - run.wall_s
    for _ in range(60_000):  # 5 minutes at most
        if len(fake.calls(bot=token)) >= calls:
            break
        await asyncio.sleep(0.005)
    run.wall_s = time.perf_counter() - started


async def bench(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-telegram-"))
    b = Bench(
        workdir,
        args.database_url,
        args.chats,
        args.concurrency,
        args.profile,
        args.catalog_cache_seconds,
    )
    runs: list[Run] = []
    load_before = os.getloadavg()[0]
    n = 0
    # Interleaved: each round measures every bot on every mix, one after the other, so that
    # the load of a shared machine falls on all of them alike.
    for round_no in range(args.rounds):
        for mix_name in args.mix or list(MIXES):
            mix = MIXES[mix_name]
            people = users(mix, args.chats)
            random.Random(7).shuffle(people)  # languages interleaved in the order chats start
            for kind in args.only or KINDS:
                n += 1
                run = await measure(kind, mix, b, people, n)
                run.round = round_no
                runs.append(run)
                print(run.line(), flush=True)
    print(
        f"machine: {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M')}; {args.chats} chats per mix, "
        f"{args.concurrency} chats at a time, {args.rounds} round(s); load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    code = verdicts(runs)
    # PTB's refused calls are its own (presses answered after Telegram's deadline, as its
    # queue grows): reported on its line, not a failure of the benchmark.
    if any(r.undelivered or not r.load_done or (r.failed_calls and r.name != "ptb") for r in runs):
        print("some updates were not delivered, calls refused or steps left undone: see the logs")
        code = 2
    if args.profile:
        for i, run in enumerate(runs, 1):
            print(f"\nprofile of {run.name} ({run.mix}):")
            path = workdir / f"{run.name}-{i}.pyspy"
            print(hot_spots(path) if path.exists() else f"(no profile at {path})")
    print(f"logs and profiles in {workdir}")
    return code


def verdicts(runs: list[Run]) -> int:
    """Per mix and round: ours over each baseline measured next to it, against the targets."""
    code = 0
    by_key = {(r.round, r.mix, r.name): r for r in runs}
    for (round_no, mix, name), ours in by_key.items():
        if name != "ours":
            continue
        parts = [f"round {round_no + 1} {mix}: {ours.outcome or 'nothing booked'}"]
        echo, ptb = by_key.get((round_no, mix, "echo")), by_key.get((round_no, mix, "ptb"))
        if echo is not None:
            ratio, target = ours.throughput / echo.throughput, TARGET_VS_ECHO[mix]
            met = target is None or ratio >= target
            code |= 0 if met else 1
            aim = (
                "no target"
                if target is None
                else f"target >= {target}: " + ("meets" if met else "MISSES")
            )
            parts.append(f"ours / aiogram echo {ratio:.2f} ({aim})")
        if ptb is not None:
            ratio = ours.throughput / ptb.throughput
            met = ratio >= TARGET_VS_PTB
            code |= 0 if met else 1
            verdict = "meets" if met else "MISSES"
            parts.append(f"ours / PTB echo {ratio:.2f} (target >= {TARGET_VS_PTB}: {verdict})")
        print("; ".join(parts))
    return code


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command")
    for name in ("serve-ours", "serve-echo", "serve-ptb"):
        child_parser = sub.add_parser(name, help=argparse.SUPPRESS)
        child_parser.add_argument("--port", type=int, required=True)
        child_parser.add_argument("--api", required=True)
    parser.add_argument("--chats", type=int, default=200, help="chats per mix, one script each")
    parser.add_argument("--concurrency", type=int, default=50, help="chats in progress at once")
    parser.add_argument("--database-url", help="a dedicated PostgreSQL database (emptied)")
    parser.add_argument("--mix", choices=list(MIXES), action="append", help="(default: all)")
    parser.add_argument("--rounds", type=int, default=1, help="times every bot runs every mix")
    parser.add_argument(
        "--profile", action="store_true", help="py-spy the bots under test during the load"
    )
    parser.add_argument("--only", choices=KINDS, action="append")
    parser.add_argument(
        "--catalog-cache-seconds",
        type=float,
        help="our bot's MOUNASABET_CATALOG_CACHE_SECONDS (0: every search and profile read)",
    )
    args = parser.parse_args(argv)
    if args.command == "serve-ours":
        serve_ours(args.port)
        return 0
    if args.command == "serve-echo":
        serve_echo(args.port, args.api)
        return 0
    if args.command == "serve-ptb":
        serve_ptb(args.port, args.api, PTB_TOKEN, SECRET)
        return 0
    return asyncio.run(bench(args))


if __name__ == "__main__":
    sys.exit(main())
