"""What an operator sees: /metrics after a journey, /healthz when the database or the
worker is gone, and log lines that carry one id from the webhook to the outbox send."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bots.logs import log_handler
from bots.programs.serve import build_app
from core.bootstrap import build_core
from core.clock import FixedClock
from core.db.tables import OutboxMessage, SchedulerLease
from core.scheduling.lease import SWEEPS_LEASE
from core.settings import Settings
from tests.fakes import FakeUser
from tests.reliability.journeys import connect_provider, to_summary
from tests.reliability.world import World, fresh_database, world
from tests.support.sweeps import sweep


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The root logger's lines as `mounasabet` writes them off a terminal: JSON."""
    stream = io.StringIO()
    handler = log_handler(stream, json_lines=True)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_metrics_after_a_journey(on_sqlite: World, json_log: io.StringIO) -> None:
    w = on_sqlite
    client, owner = FakeUser(id=8100, first_name="Nadia"), FakeUser(id=8200, first_name="Karim")
    await connect_provider(w, owner)
    await to_summary(w, client, "20 June", "0612345678")
    await w.tap(client, "confirm")
    await w.say(client, "/help")  # declared to read: no transaction
    await w.quiet()
    await w.tap(owner, "pacc:1", bot="provider")
    await w.quiet()
    for event in w.stripe.pay_checkout(next(iter(w.stripe.sessions))):
        assert await w.stripe.post_event(event) == 200
    assert await w.post_update("client", {"update_id": 1}, secret="wrong") == 403
    await sweep(w.uows, "expire-pending", w.container.clock.now())
    await w.quiet()
    status, text = await w.get("/metrics")
    assert status == 200
    found = samples(text)

    assert (
        value(found, "mounasabet_updates_total", channel="telegram_client", outcome="handled") >= 10
    )
    assert (
        value(found, "mounasabet_updates_total", channel="telegram_client", outcome="refused") == 1
    )
    assert value(found, "mounasabet_updates_total", channel="stripe", outcome="handled") == 2
    assert value(found, "mounasabet_update_seconds_count", channel="telegram_client") >= 11
    # The client's navigation and request without a transaction (the request goes in the
    # chat journal's batch); the provider's Accept with one.
    fast = value(found, "mounasabet_dialog_updates_total", bot="client", path="fast")
    slow = value(found, "mounasabet_dialog_updates_total", bot="provider", path="transaction")
    assert fast >= 11 and slow >= 1
    assert ("mounasabet_dialog_version_conflicts_total", (("bot", "client"),)) in found
    assert value(found, "mounasabet_payments", kind="deposit", status="paid") == 1
    assert (
        value(
            found, "mounasabet_outbox_deliveries_total", channel="telegram_provider", outcome="sent"
        )
        >= 1
    )
    assert value(found, "mounasabet_outbox_messages", channel="any", status="sent") >= 1
    assert ("mounasabet_outbox_oldest_waiting_seconds", ()) in found
    assert value(found, "mounasabet_sweep_runs", sweep="expire-pending") >= 1
    assert value(found, "mounasabet_sweep_failing", sweep="expire-pending") == 0
    assert ("mounasabet_sweep_last_duration_seconds", (("sweep", "expire-pending"),)) in found
    assert (
        value(
            found,
            "mounasabet_http_responses_total",
            route="/webhooks/telegram/{kind}",
            status="403",
        )
        + value(
            found,
            "mounasabet_http_responses_total",
            route="/webhooks/telegram/client",
            status="403",
        )
        == 1
    )

    # The request's id, from the update that queued it to the worker's send of it.
    async with w.uows() as uow:
        row = (
            await uow.session.execute(
                select(OutboxMessage.id, OutboxMessage.trace_id).where(
                    OutboxMessage.kind == "booking_requested"
                )
            )
        ).one()
    assert row.trace_id is not None and row.trace_id.startswith("tg-client-")
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    sends = [
        line
        for line in lines
        if line["logger"] == "bots.observed" and line["message"].startswith(f"outbox {row.id} ")
    ]
    assert sends and {line["trace"] for line in sends} == {row.trace_id}
    assert all(set(line) >= {"time", "level", "logger", "trace", "message"} for line in lines)
    # Ids only: no name nor phone number of the people in the journey.
    assert not [
        line for line in lines if "Nadia" in line["message"] or "0612345678" in line["message"]
    ]


async def test_healthz_says_503_when_the_worker_lease_is_stale(
    tmp_path: Path, clock: FixedClock, request: pytest.FixtureRequest
) -> None:
    url = await fresh_database("sqlite", request, tmp_path)
    async with world(url, clock, worker=False) as w:  # a web process: the worker is apart
        assert (await w.get("/healthz"))[0] == 200  # no worker yet: nothing to say stale
        now = clock.now()
        async with w.uows() as uow:
            uow.session.add(
                SchedulerLease(
                    name=SWEEPS_LEASE,
                    holder="worker:1",
                    acquired_at=now,
                    renewed_at=now,
                    expires_at=now + timedelta(seconds=30),
                )
            )
            await uow.commit()
        assert (await w.get("/healthz"))[0] == 200  # the worker renews its lease
        clock.advance(timedelta(minutes=2))  # and then stops renewing it
        status, text = await w.get("/healthz")
    assert status == 503
    body = json.loads(text)
    assert body["status"] == "stale worker" and body["scheduler"]["stale"] is True


async def test_healthz_says_503_when_the_database_is_unreachable() -> None:
    settings = Settings(
        _env_file=None,
        database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none",
        sandbox_enabled=True,
    )
    app: web.Application = build_app(build_core(settings), worker=False)
    async with TestClient(TestServer(app)) as http:
        answer = await http.get("/healthz")
        assert answer.status == 503
        assert (await answer.json())["status"] == "error"
        metrics = await http.get("/metrics")  # the process's own figures still come
        assert metrics.status == 200
        assert "mounasabet_http_responses_total" in await metrics.text()
