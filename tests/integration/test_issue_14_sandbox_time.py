"""Issue 14: the sandbox's "skip ahead" clock. Only forward; only where the sandbox runs on
a machine nobody else reaches and no real money moves; the composition root refuses it
elsewhere, whatever clock it is given; and the page's control speaks the page's language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bots import scheduler
from bots.programs.serve import build_app
from bots.sandbox.labels import page_labels
from bots.scheduler import SweepScheduler
from core.booking.states import BookingState
from core.bootstrap import build_core, build_uow_factory, serving_clock
from core.clock import FixedClock, ShiftedClock, SystemClock
from core.db.engine import make_engine
from core.scheduling.model import Sweep, SweepContext
from core.scheduling.registry import SWEEPS
from core.scheduling.runs import records
from core.settings import Settings
from core.uow import UnitOfWorkFactory
from dialogs.i18n.translator import translator
from tests.support.bookings import request
from tests.support.factories import make_provider, make_user
from tests.support.migrated import migrate
from tests.support.sweeps import booking
from tests.support.telegram_app import bound_socket, eventually

START = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


def settings(**more: Any) -> Settings:
    return Settings(database_url="sqlite+aiosqlite://", _env_file=None, **more)


def test_the_clock_only_skips_forward() -> None:
    clock = ShiftedClock(FixedClock(START))
    assert clock.now() == START and clock.offset == timedelta(0)
    assert clock.skip(timedelta(days=1)) == START + timedelta(days=1)
    clock.skip(timedelta(hours=1))
    assert clock.now() == START + timedelta(days=1, hours=1)
    for backwards in (timedelta(0), timedelta(hours=-1)):
        with pytest.raises(ValueError):
            clock.skip(backwards)
    assert clock.now() == START + timedelta(days=1, hours=1)


def test_time_travel_only_on_a_laptop_without_real_money() -> None:
    assert settings().time_travel_on
    assert isinstance(serving_clock(settings()), ShiftedClock)
    off = [
        settings(sandbox_enabled=False),
        # A public demo with the sandbox on: anyone could move everyone's time.
        settings(public_url="https://demo.example", sandbox_enabled=True, offline_payments=True),
        # A Stripe key: skipping would charge real balances early.
        settings(stripe_secret_key="sk_test_x", sandbox_enabled=True),
    ]
    for refused in off:
        assert not refused.time_travel_on
        assert isinstance(serving_clock(refused), SystemClock)


def test_the_control_is_translated() -> None:
    for locale in ("ar", "fr", "en"):
        labels = page_labels(locale)["labels"]
        assert isinstance(labels, dict)
        t = translator(locale)
        for key, msgid in (("skip_ahead", "Skip ahead"), ("skip_day", "+1 day")):
            assert labels[key] == t(msgid)
    fr = page_labels("fr")["labels"]
    assert isinstance(fr, dict)
    assert (fr["skip_ahead"], fr["skip_week"]) == ("Avancer le temps", "+1 semaine")


@asynccontextmanager
async def app_at(
    tmp_path: Path, clock: ShiftedClock, *, worker: bool = False, **more: Any
) -> AsyncIterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'time.db'}"
    migrate(url)
    sock = bound_socket()
    core = build_core(
        Settings(database_url=url, _env_file=None, **more),
        clock=clock,
    )
    runner = web.AppRunner(build_app(core, worker=worker), shutdown_timeout=1.0)
    await runner.setup()
    try:
        await web.SockSite(runner, sock).start()
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        await runner.cleanup()
        sock.close()


async def test_the_sandbox_api_skips_the_process_clock(tmp_path: Path) -> None:
    clock = ShiftedClock(FixedClock(START))
    async with app_at(tmp_path, clock) as url, aiohttp.ClientSession() as http:
        async with http.get(f"{url}/sandbox/api/time") as response:
            shown = await response.json()
        assert shown == {
            "enabled": True,
            "now": START.isoformat(),
            "market_time": "2026-12-03 17:00",  # Casablanca, UTC+1
            "time_zone": "Africa/Casablanca",
            "skipped_seconds": 0,
        }
        refused: list[object] = [{"skip": "year"}, {"skip": -1}, {}, []]
        for bad in refused:
            async with http.post(f"{url}/sandbox/api/time", json=bad) as response:
                assert response.status == 400, bad
        async with http.post(f"{url}/sandbox/api/time", data=b"not json") as response:
            assert response.status == 400
        async with http.post(f"{url}/sandbox/api/time", json={"skip": "day"}) as response:
            assert response.status == 200
            shown = await response.json()
        assert shown["market_time"] == "2026-12-04 17:00"
        assert shown["skipped_seconds"] == 86_400
        assert clock.now() == START + timedelta(days=1)  # the clock every part reads
        async with http.post(f"{url}/sandbox/api/time", json={"skip": "hour"}) as response:
            assert (await response.json())["market_time"] == "2026-12-04 18:00"


@dataclass
class Sweeping:
    """`serve` with its sweeps on the sandbox's clock, once every sweep has run once."""

    site: str
    http: aiohttp.ClientSession
    uows: UnitOfWorkFactory

    async def skip_day(self) -> None:
        async with self.http.post(f"{self.site}/sandbox/api/time", json={"skip": "day"}) as sent:
            assert sent.status == 200

    async def all_ran_on(self, when: datetime, what: str) -> None:
        async def ran() -> bool:
            done = (await records(self.uows)).values()
            return all(r.status == "ok" and r.last_started_at == when for r in done)

        await eventually(ran, within=10, what=what)


@asynccontextmanager
async def sweeping(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Sweeping]:
    # The first runs come soon after start (the tests wait for them before they skip).
    monkeypatch.setattr(scheduler, "STARTUP_DELAY", timedelta(milliseconds=100))
    monkeypatch.setattr(scheduler, "STAGGER", timedelta(milliseconds=20))
    url = f"sqlite+aiosqlite:///{tmp_path / 'time.db'}"
    clock = ShiftedClock(FixedClock(START))
    async with app_at(tmp_path, clock, worker=True) as site, aiohttp.ClientSession() as http:
        engine = make_engine(url)
        uows = build_uow_factory(engine)

        async def ran_once_each() -> bool:
            done = await records(uows)
            return len(done) == len(SWEEPS) and all(r.status == "ok" for r in done.values())

        await eventually(ran_once_each, within=20, what="the first run of every sweep")
        try:
            yield Sweeping(site, http, uows)
        finally:
            await engine.dispose()


async def test_a_skip_runs_the_sweeps_at_once_rather_than_at_their_next_tick(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make run` keeps the sweeps' own intervals (up to an hour): a person who skips a day
    past a request's deadline sees it expire now, and every sweep has run on the new day."""
    async with sweeping(tmp_path, monkeypatch) as s:
        _, _, service = await make_provider(s.uows, START)
        client = await make_user(s.uows, START)
        booking_id = await request(s.uows, START, client, service, date(2026, 12, 20))
        assert (await booking(s.uows, booking_id)).state == BookingState.REQUESTED.value
        await s.skip_day()

        async def expired() -> bool:
            return (await booking(s.uows, booking_id)).state == BookingState.EXPIRED.value

        # The expiry sweep's next tick is a minute away, the others' up to an hour.
        await eventually(expired, within=10, what="the request expired by the skip")
        await s.all_ran_on(START + timedelta(days=1), "every sweep run on the skipped-to day")

        # Two skips in a row: the second, during the first's catch-up, gets its own round.
        await s.skip_day()
        await s.skip_day()
        await s.all_ran_on(START + timedelta(days=3), "every sweep run after the second skip")


async def test_a_skip_right_after_a_reply_does_not_send_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reply is recorded sent within a quarter second (the chat journal's marks): a skip
    inside it must not let the catch-up's outbox sweep find its hold run out and send it
    again (the catch-up writes those marks first: the next test)."""
    async with sweeping(tmp_path, monkeypatch) as s:
        body = {"pane": "client", "chat": "quick", "text": "/start", "language": "en"}
        async with s.http.post(f"{s.site}/sandbox/api/send", json=body) as response:
            assert response.status == 200
        await s.skip_day()
        await s.all_ran_on(START + timedelta(days=1), "the catch-up")
        params = {"pane": "client", "chat": "quick", "after": "0"}
        async with s.http.get(f"{s.site}/sandbox/api/messages", params=params) as response:
            said = [m for m in (await response.json())["messages"] if m["from"] == "bot"]
        assert len(said) == 1, [m["text"][:40] for m in said]


async def test_a_catch_up_first_commits_what_the_process_has_in_hand(tmp_path: Path) -> None:
    """The chat journal's marks of replies sent are written before the catch-up's sweeps
    (serve passes the journal's flush as ``settle``): no reply is sent twice by design,
    not by the order of the sweeps."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'settle.db'}"
    migrate(url)
    engine = make_engine(url)
    order: list[str] = []

    async def settle() -> None:
        order.append("settle")

    async def probe(_: SweepContext) -> dict[str, int]:
        order.append("sweep")
        return {}

    sweeps = SweepScheduler(
        build_uow_factory(engine),
        ShiftedClock(FixedClock(START)),
        settings(),
        payments=None,
        sender=None,
        sweeps=(Sweep("probe", timedelta(hours=1), probe, "a probe"),),
        settle=settle,
    )
    sweeps.catch_up_soon()
    assert sweeps.catching_up is not None
    await sweeps.catching_up
    assert order == ["settle", "sweep"]
    await engine.dispose()


async def test_no_time_travel_on_a_public_url_whatever_clock_is_given(tmp_path: Path) -> None:
    clock = ShiftedClock(FixedClock(START))
    async with (
        app_at(
            tmp_path,
            clock,
            public_url="https://demo.example",
            sandbox_enabled=True,
            offline_payments=True,
        ) as url,
        aiohttp.ClientSession() as http,
    ):
        async with http.get(f"{url}/sandbox/api/time") as response:
            assert (await response.json())["enabled"] is False
        async with http.post(f"{url}/sandbox/api/time", json={"skip": "week"}) as response:
            assert response.status == 404
    assert clock.now() == START
