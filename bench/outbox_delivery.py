"""Benchmark of outbox delivery against the channels' rate limits (issue 18).

Run ``python -m bench.outbox_delivery`` (SQLite in a temporary directory; ``--channel``
telegram or whatsapp, ``--messages N``, ``--chats N``). See bench/README.md ("Outbox
delivery").

A database holds ``--messages`` due outbox rows (kept replies, ``direct_reply``: what
most rows are, one per answered step), spread over ``--chats`` recipients in turn. The
real `mounasabet worker` runs in a child process against a fake that enforces the
limits and refuses what is over them: the fake Bot API 30 messages/s per bot and 1 per
second per chat (`tests/fakes/telegram_state.RateLimits`), the fake Twilio the WhatsApp
sender's 80 messages/s (`FakeTwilioAPI(sender_mps=...)`). The clock runs from the first
message the fake accepts to the last; at the end every chat's messages are counted at
the fake (nothing lost, nothing twice) and the refusals (429) are counted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from core.clock import SystemClock
from core.db.engine import make_engine
from core.db.migrate import upgrade
from core.db.tables import ChannelIdentity, OutboxMessage, User
from core.notifications.direct_replies import KIND
from dialogs.framework.replies import Reply
from tests.fakes import FakeTelegramAPI, FakeUser
from tests.fakes.telegram_state import RateLimits
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, WHATSAPP_FROM, FakeTwilioAPI

TOKEN = "111:client"
TELEGRAM_LIMITS = RateLimits(per_chat=1, per_chat_window=1.0, per_bot=30, per_bot_window=1.0)
# Twilio's default throughput of a WhatsApp sender (messages per second), the figure
# bots/whatsapp/sender.py keeps to.
WHATSAPP_MPS = 80
TARGET = {"telegram": 29.0, "whatsapp": None}  # messages/s sustained (issue 18)
FIRST_CHAT = 500_000


@dataclass
class Result:
    channel: str
    messages: int
    wall_s: float = 0.0
    delivered: int = 0
    refused_429: int = 0
    per_chat: Counter[str] = field(default_factory=Counter)
    statuses: dict[str, int] = field(default_factory=dict)
    worker_cpu_s: float = 0.0
    # Messages accepted by the fake in each second of the run: the sustained rate.
    per_second: list[int] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.delivered / self.wall_s if self.wall_s else 0.0

    def line(self, chats: int) -> str:
        expected = self.messages // chats
        wrong = sum(1 for n in self.per_chat.values() if n != expected)
        missing = chats - len(self.per_chat)
        steady = sorted(self.per_second[1:-1]) or [0]
        return (
            f"{self.channel}: {self.delivered:,} of {self.messages:,} messages in "
            f"{self.wall_s:.1f} s = {self.rate:.1f} messages/s (seconds in between: min "
            f"{steady[0]}, median {steady[len(steady) // 2]}, max {steady[-1]}); "
            f"429 refusals {self.refused_429}; chats with a wrong count {wrong + missing} "
            f"(of {chats}, {expected} each); outbox {self.statuses}; worker CPU "
            f"{1000 * self.worker_cpu_s / max(self.delivered, 1):.2f} ms/message"
        )

    def meets(self, chats: int) -> bool:
        target = TARGET[self.channel]
        exact = len(self.per_chat) == chats and set(self.per_chat.values()) == {
            self.messages // chats
        }
        fast = target is None or self.rate >= target
        return fast and exact and not self.refused_429 and self.delivered == self.messages


def external_id(channel: str, n: int) -> str:
    return str(FIRST_CHAT + n) if channel == "telegram" else f"+2126{FIRST_CHAT + n:08d}"


async def seed(url: str, channel: str, chats: int, messages: int, *, runs: bool = False) -> None:
    """The recipients (a user and an identity each, inside WhatsApp's 24-hour window) and
    ``messages`` due replies, to the chats in turn (``runs``: each chat's one after the
    other, as the notices of one booking are queued together)."""
    per_chat = messages // chats
    upgrade(url)
    now = SystemClock().now()
    identity_channel = "telegram_client" if channel == "telegram" else "whatsapp"
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            first = await conn.scalar(text("SELECT coalesce(max(id), 0) FROM users")) or 0
            users = [
                {
                    "id": first + 1 + n,
                    "role": "client",
                    "display_name": f"Chat {n}",
                    "locale": "fr",
                    "created_at": now,
                }
                for n in range(chats)
            ]
            await conn.execute(insert(User), users)
            await conn.execute(
                insert(ChannelIdentity),
                [
                    {
                        "user_id": u["id"],
                        "channel": identity_channel,
                        "external_id": external_id(channel, n),
                        "unreachable": False,
                        "last_inbound_at": now,
                        "created_at": now,
                    }
                    for n, u in enumerate(users)
                ],
            )
            for start in range(0, messages, 5000):
                rows = [
                    {
                        "kind": KIND,
                        "user_id": users[i // per_chat if runs else i % chats]["id"],
                        "channel": identity_channel,
                        "payload": {"replies": [Reply(f"Message {i} of the benchmark").to_json()]},
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for i in range(start, min(start + 5000, messages))
                ]
                await conn.execute(insert(OutboxMessage), rows)
    finally:
        await engine.dispose()


async def outbox_statuses(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT status, count(*) FROM outbox GROUP BY status"))
            return {str(s): int(n) for s, n in rows}
    finally:
        await engine.dispose()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def worker(env: dict[str, str], log: Path) -> Any:
    """`mounasabet worker`, as deployed: the outbox loop and the sweeps."""
    exe = Path(sys.executable).parent / "mounasabet"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            str(exe), "worker", env=env, stdout=out, stderr=out
        )
        try:
            yield proc
        finally:
            if proc.returncode is None:
                proc.terminate()  # SIGTERM: the worker stops cleanly
                try:
                    await asyncio.wait_for(proc.wait(), 30)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


async def recorded(url: str) -> None:
    """Let the worker record its last sends before it is stopped (up to 30 s): the fake has
    them all, the database says so a moment later."""
    for _ in range(300):
        statuses = await outbox_statuses(url)
        if not statuses.get("sending") and not statuses.get("pending"):
            return
        await asyncio.sleep(0.1)


async def watch(result: Result, accepted: Any, proc: Any, stall_s: float) -> None:
    """Count what the fake accepts, second by second, until all has arrived (or stalls)."""
    started: float | None = None
    last_change = time.monotonic()
    seen = 0
    cpu_before = 0.0
    while accepted() < result.messages:
        await asyncio.sleep(0.05)
        now, count = time.monotonic(), accepted()
        if count and started is None:
            started, cpu_before = now, cpu_seconds(proc.pid)  # start-up not counted
        if count != seen:
            seen, last_change = count, now
        if now - last_change > stall_s or proc.returncode is not None:
            break
        if started is not None:
            second = int(now - started)
            while len(result.per_second) <= second:
                result.per_second.append(0)
            result.per_second[second] = count - sum(result.per_second[:second])
    result.worker_cpu_s = cpu_seconds(proc.pid) - cpu_before
    result.wall_s = time.monotonic() - (started or time.monotonic())
    result.delivered = accepted()


async def run_telegram(
    url: str, workdir: Path, chats: int, messages: int, latency: float = 0.0
) -> Result:
    result = Result("telegram", messages)
    async with FakeTelegramAPI(rate_limits=TELEGRAM_LIMITS) as fake:
        if latency:  # the round trip to Telegram's servers, which loopback does not have
            fake.stall("sendMessage", latency)
        for n in range(chats):
            fake.open_chat(TOKEN, FakeUser(FIRST_CHAT + n, f"Chat {n}"))
        env = dict(os.environ) | {
            "MOUNASABET_DATABASE_URL": url,
            "MOUNASABET_TELEGRAM_CLIENT_TOKEN": TOKEN,
            "MOUNASABET_TELEGRAM_API_URL": fake.base_url,
            "MOUNASABET_OFFLINE_PAYMENTS": "1",
        }

        def accepted() -> int:
            return sum(1 for c in fake.calls("sendMessage", bot=TOKEN) if c.ok)

        async with worker(env, workdir / "telegram-worker.log") as proc:
            await watch(result, accepted, proc, stall_s=60)
            await recorded(url)
        calls = fake.calls(bot=TOKEN)
        result.refused_429 = sum(1 for c in calls if c.status == 429)
        result.per_chat = Counter(
            str(c.params["chat_id"]) for c in calls if c.method == "sendMessage" and c.ok
        )
    result.statuses = await outbox_statuses(url)
    return result


def whatsapp_env(url: str, fake: FakeTwilioAPI, public_url: str) -> dict[str, str]:
    """A `mounasabet` program's settings for WhatsApp through ``fake`` (and payments off)."""
    return dict(os.environ) | {
        "MOUNASABET_DATABASE_URL": url,
        "MOUNASABET_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "MOUNASABET_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "MOUNASABET_TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
        "MOUNASABET_TWILIO_API_URL": fake.base_url,
        "MOUNASABET_PUBLIC_URL": public_url,
        "MOUNASABET_OFFLINE_PAYMENTS": "1",
    }


async def run_whatsapp(
    url: str, workdir: Path, chats: int, messages: int, latency: float = 0.0
) -> Result:
    if latency:
        raise SystemExit("--latency: the fake Twilio API has no delay to set")
    result = Result("whatsapp", messages)
    async with FakeTwilioAPI(sender_mps=WHATSAPP_MPS) as fake:
        for n in range(chats):
            fake.session_opened(external_id("whatsapp", n))
        env = whatsapp_env(url, fake, "http://127.0.0.1:9")  # status callbacks: never called
        async with worker(env, workdir / "whatsapp-worker.log") as proc:
            await watch(result, lambda: len(fake.messages), proc, stall_s=60)
            await recorded(url)
        result.refused_429 = fake.refused_for_rate
        result.per_chat = Counter(m.phone for m in fake.messages)
        outside = sum(m.outside_window for m in fake.messages)
        if outside:
            print(f"  {outside} session messages outside the 24-hour window")
    result.statuses = await outbox_statuses(url)
    return result


async def bench(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-outbox-"))
    code = 0
    for channel in args.channel or ("telegram", "whatsapp"):
        url = f"sqlite+aiosqlite:///{workdir / f'{channel}.db'}"
        started = time.perf_counter()
        await seed(url, channel, args.chats, args.messages, runs=args.order == "runs")
        print(
            f"{channel}: {args.messages:,} due messages seeded in "
            f"{time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.1f}"
        )
        run = run_telegram if channel == "telegram" else run_whatsapp
        result = await run(url, workdir, args.chats, args.messages, args.latency)
        target = TARGET[channel]
        verdict = "meets" if result.meets(args.chats) else "MISSES"
        aim = f">= {target:.0f} messages/s, " if target else ""
        print(result.line(args.chats), flush=True)
        print(
            f"  target ({aim}no 429, nothing lost or twice): {verdict}; "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        code |= 0 if result.meets(args.chats) else 1
    print(f"logs in {workdir}")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--channel", choices=("telegram", "whatsapp"), action="append")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--chats", type=int, default=1_000, help="recipients")
    parser.add_argument(
        "--order",
        choices=("turn", "runs"),
        default="turn",
        help="the backlog's order: the chats in turn, or each chat's messages together",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds each sendMessage is held at the fake Bot API (Telegram's round trip)",
    )
    args = parser.parse_args(argv)
    if args.messages % args.chats:
        parser.error("--messages must be a multiple of --chats (the same count per chat)")
    return asyncio.run(bench(args))


if __name__ == "__main__":
    sys.exit(main())
