"""Benchmark of the Telegram webhook: our app against a bare aiogram echo bot, same load.

Run ``python -m bench.telegram_webhook`` (SQLite in a temporary directory), or with
``--database-url`` pointing at a dedicated PostgreSQL database (it is emptied). See
bench/README.md ("Telegram webhook").

The fake Bot API (tests/fakes, rate limits off) and the load driver run in this process;
the bot under test runs in a child process, as `mounasabet serve` does, so that it has a
CPU of its own like a real deployment facing Telegram. The fake posts every update to the
bot's webhook and the latency is measured from the injection to the webhook's answer.
"""

# This module runs the measurements and is the child's entry point too (``serve-<kind>``);
# the pieces are beside it: telegram_mixes (the loads), telegram_data (our bot's database),
# telegram_processes (the child), telegram_echo and telegram_ptb (the baselines),
# telegram_load (the driver), telegram_profile (py-spy), telegram_report (figures, verdicts).

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.telegram_data import (
    bookings_by_state,
    load_done,
    outbox_settled,
    prepare_database,
    sweeps_ran_once,
)
from bench.telegram_echo import serve_echo
from bench.telegram_load import (
    drive,
    drive_by_step,
    echo_keyboards,
    replies_in,
    without_collector_pauses,
)
from bench.telegram_mixes import (
    CLIENT_TOKEN,
    MIXES,
    PROVIDER_TOKEN,
    Mix,
    before_clock,
    chat_values,
    echo_steps,
    open_chats,
    our_steps,
    users,
)
from bench.telegram_processes import child, cpu_seconds, dialog_paths, free_port, ready
from bench.telegram_profile import hot_spots, py_spy
from bench.telegram_ptb import serve_ptb
from bench.telegram_report import Run, cpu_model, step_table, verdicts
from tests.fakes import FakeTelegramAPI, FakeUser

ECHO_TOKEN = "333:echo"
PTB_TOKEN = "444:ptb"
SECRET = "s3cret-_"
KINDS = ("echo", "ptb", "ours")


def serve_ours(port: int) -> None:
    """Exactly `mounasabet serve`: settings from MOUNASABET_* variables."""
    from bots.cli import serve

    serve(host="127.0.0.1", port=port, no_worker=False)


@dataclass
class Bench:
    """What every measurement of one invocation shares."""

    workdir: Path
    database_url: str | None  # a dedicated PostgreSQL database, or None: SQLite files
    chats: int
    concurrency: int
    profile: bool
    catalog_cache: float | None
    by_step: bool = False  # ours only: the script one step at a time (drive_by_step)


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
                if not await sweeps_ran_once(db_url):
                    print(f"{mix.name}: the sweeps had not all run once after 60 s")
                await outbox_settled(db_url)
                states_before = await bookings_by_state(db_url)
                paths_before = await dialog_paths(port)
            whole = b.profile and not b.by_step  # by step: a profile of each step
            profiling = py_spy(proc.pid, b.workdir / f"{kind}-{n}.pyspy") if whole else None
            async with profiling or contextlib.nullcontext():
                calls_before, cpu_before = len(fake.calls(bot=token)), cpu_seconds(proc.pid)
                with without_collector_pauses():
                    if b.by_step:
                        await drive_by_step(
                            run,
                            chats,
                            b.concurrency,
                            lambda: cpu_seconds(proc.pid),
                            lambda: outbox_settled(db_url),
                            lambda: len(fake.calls(bot=token)),
                            (
                                lambda i: py_spy(
                                    proc.pid, b.workdir / f"{kind}-{n}-step{i + 1}.pyspy"
                                )
                            )
                            if b.profile
                            else None,
                        )
                    else:
                        await drive(run, chats, b.concurrency)
                    if kind == "ptb":  # answered before handled: ends with the last reply
                        await replies_in(fake, token, calls_before + run.updates, run)
                run.server_cpu_s = cpu_seconds(proc.pid) - cpu_before
            if kind == "ours":
                counted = await dialog_paths(port)
                run.paths = {k: v - paths_before.get(k, 0) for k, v in counted.items()}
            calls = fake.calls(bot=token)[calls_before:]
            run.api_calls, run.failed_calls = len(calls), sum(not c.ok for c in calls)
            run.webhook_replies = sum(c.source == "webhook-reply" for c in calls)
        if kind == "ours":
            after = await bookings_by_state(db_url)
            run.outcome = ", ".join(f"{v} {k}" for k, v in sorted(after.items()))
            run.load_done = load_done(mix, states_before, after, len(people))
    return run


async def bench(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-telegram-"))
    b = Bench(
        workdir,
        args.database_url,
        args.chats,
        args.concurrency,
        args.profile,
        args.catalog_cache_seconds,
        args.by_step,
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
            for kind in ["ours"] if args.by_step else args.only or KINDS:
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
    if args.by_step:  # no verdict: this mode's throughput is not the load's
        code = 0
        for run in runs:
            print(step_table(run, MIXES[run.mix].script))
    else:
        code = verdicts(runs)
    # PTB's refused calls are its own (presses answered after Telegram's deadline, as its
    # queue grows): reported on its line, not a failure of the benchmark.
    if any(r.undelivered or not r.load_done or (r.failed_calls and r.name != "ptb") for r in runs):
        print("some updates were not delivered, calls refused or steps left undone: see the logs")
        code = 2
    if args.profile:
        for i, run in enumerate(runs, 1):
            parts = [f"{run.name}-{i}-step{s.index + 1}" for s in run.steps] or [f"{run.name}-{i}"]
            for part in parts:
                print(f"\nprofile of {run.name} ({run.mix}), {part}:")
                path = workdir / f"{part}.pyspy"
                print(hot_spots(path) if path.exists() else f"(no profile at {path})")
    print(f"logs and profiles in {workdir}")
    return code


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
        "--profile",
        action="store_true",
        help="py-spy the bots under test during the load (with --by-step: each step apart)",
    )
    parser.add_argument("--only", choices=KINDS, action="append")
    parser.add_argument(
        "--by-step",
        action="store_true",
        help="ours only: play each step of the script for every chat before the next, and "
        "report the bot's CPU per update of each step (no verdict)",
    )
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
        serve_echo(args.port, args.api, ECHO_TOKEN, SECRET)
        return 0
    if args.command == "serve-ptb":
        serve_ptb(args.port, args.api, PTB_TOKEN, SECRET)
        return 0
    return asyncio.run(bench(args))


if __name__ == "__main__":
    sys.exit(main())
