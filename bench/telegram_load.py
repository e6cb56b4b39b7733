"""The load driver of the Telegram webhook benchmark: chats play their scripts through the
fake Bot API, a number of them at a time, and each step's latency is recorded."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bench.telegram_mixes import Mix, Step, echo_codes
from bench.telegram_report import Run, StepCost
from tests.fakes import FakeTelegramAPI, FakeUser


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


@contextlib.contextmanager
def without_collector_pauses() -> Iterator[None]:
    """No garbage collection in this process while the load runs. It plays Telegram, and
    Telegram does not stop to collect garbage: the fake keeps every message of the run, so
    the collector's full passes here took 150-190 ms mid-load, and every step in flight
    waited for them (the "~250 ms stalls" of every bot's runs, bench/README.md). What the
    load allocates is collected once it ends."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


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


async def drive_by_step(
    run: Run,
    chats: dict[int, list[Step]],
    concurrency: int,
    bot_cpu: Callable[[], float],
    settled: Callable[[], Awaitable[None]],
    calls: Callable[[], int],
    around_step: Callable[[int], AbstractAsyncContextManager[None]] | None = None,
) -> None:
    """The script one step at a time (``--by-step``): every chat's first step, ``concurrency``
    chats at a time, then every chat's second, and so on. Each step's cost is the bot's CPU
    from its first update until what the step queued has gone out (``settled``): where a
    mix's CPU goes, step by step. The throughput of this mode is not the load's (the chats
    wait for each other between steps). ``around_step`` wraps each step (a profiler)."""
    gate = asyncio.Semaphore(concurrency)
    playing = dict(chats)
    steps = len(next(iter(chats.values()), []))

    async def play(chat: int, step: Step) -> None:
        async with gate:
            started = time.perf_counter()
            delivery = await step()
            run.latencies_ms.append((time.perf_counter() - started) * 1000)
            if (delivery.state, delivery.status) != ("delivered", 200):
                run.undelivered += 1
                del playing[chat]  # its next button may not exist

    started, cpu_started = time.perf_counter(), time.process_time()
    for n in range(steps):
        players = list(playing.items())
        async with around_step(n) if around_step else contextlib.nullcontext():
            cpu_before, calls_before = bot_cpu(), calls()
            await asyncio.gather(*(play(chat, script[n]) for chat, script in players))
            await settled()
            cpu, made = bot_cpu() - cpu_before, calls() - calls_before
        run.steps.append(StepCost(n, len(players), cpu, made))
    run.wall_s = time.perf_counter() - started
    run.driver_cpu_s = time.process_time() - cpu_started


async def replies_in(fake: FakeTelegramAPI, token: str, calls: int, run: Run) -> None:
    """Wait for the PTB bot's replies (one call per update), counted in the run's wall time."""
    started = time.perf_counter() - run.wall_s
    for _ in range(60_000):  # 5 minutes at most
        if len(fake.calls(bot=token)) >= calls:
            break
        await asyncio.sleep(0.005)
    run.wall_s = time.perf_counter() - started
