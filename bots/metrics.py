"""/metrics in Prometheus' text format, from the official prometheus-client library.

Three sources:
- Counted in this process: HTTP responses by route and status (where aiohttp writes them:
  its access-logger hook, which also sees the answers no handler produced: 404 and 405
  from the router, 500 for an exception that escaped a handler, 400 for a request aiohttp
  could not parse); inbound updates by channel and outcome, with their handling time
  (bots/observed.py); outbox deliveries by channel and outcome, where this process runs
  the worker.
- Kept by the dialog engines: updates by path (fast, transaction) and version conflicts.
- Read from the database at each scrape (core/observability.py): the outbox by channel
  and status with the age of its oldest waiting message, payments by kind and status,
  and the sweeps' runs, failures and last durations. Whichever process is scraped, these
  are the deployment's, also when web and worker run apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.registry import Collector

from core.clock import Clock
from core.observability import stored_state
from core.uow import UnitOfWorkFactory

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from dialogs.framework.engine import DialogEngine

# Handling times of updates: a navigation step takes milliseconds, a payment call seconds.
UPDATE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED = "unmatched"  # no route: the router's 404/405, or a request aiohttp refused


ROUTE_KEY = web.RequestKey("route", str)  # set by bots/observed.py's middleware


def labelled(metric: MetricWrapperBase) -> Callable[..., Any]:
    """``metric.labels(*values)``, each child looked up once: `labels()` checks and hashes
    its arguments on every call, a measurable share of a cheap update's CPU. Only for
    labels whose values come from fixed sets (routes, statuses, channels, outcomes), so the
    lookup stays as small as the metric, and for metrics whose children are never removed."""
    children: dict[tuple[str, ...], Any] = {}

    def child(*values: str) -> Any:
        found = children.get(values)
        if found is None:
            found = children[values] = metric.labels(*values)
        return found

    return child


def route_of(request: BaseRequest) -> str:
    """The route's pattern ("/providers/{slug}"), never the path itself: the label's values
    stay few whatever paths are asked for. A request that no middleware saw (aiohttp could
    not parse it) has none."""
    return str(request.get(ROUTE_KEY, UNMATCHED))


class EngineCollector(Collector):
    """Reads the dialog engines' path counters at each scrape."""

    def __init__(self) -> None:
        self.engines: dict[str, DialogEngine] = {}

    def collect(self) -> Iterable[Metric]:
        paths = CounterMetricFamily(
            "mounasabet_dialog_updates",
            "Dialog updates by bot and path: fast (no transaction) or transaction.",
            labels=["bot", "path"],
        )
        conflicts = CounterMetricFamily(
            "mounasabet_dialog_version_conflicts",
            "Fast-path writes refused by the conversation's version check (run again in a "
            "transaction): another process moved the chat on first.",
            labels=["bot"],
        )
        for bot, engine in sorted(self.engines.items()):
            for path in ("fast", "transaction"):
                paths.add_metric([bot, path], engine.paths[path])
            conflicts.add_metric([bot], engine.paths["conflict"])
        yield paths
        yield conflicts


class Metrics:
    def __init__(self) -> None:
        # A registry per app, not the library's global one: tests build many apps.
        self.registry = registry = CollectorRegistry()
        self.responses = Counter(
            "mounasabet_http_responses",
            "HTTP responses sent, by status code and route (errors and refusals included).",
            ["status", "route"],
            registry=registry,
        )
        self.updates = Counter(
            "mounasabet_updates",
            "Inbound updates by channel and outcome: handled, refused (authentication), "
            "invalid (unreadable input) or error (ours).",
            ["channel", "outcome"],
            registry=registry,
        )
        self.update_seconds = Histogram(
            "mounasabet_update_seconds",
            "Time to handle an inbound update, by channel (refused ones included).",
            ["channel"],
            buckets=UPDATE_BUCKETS,
            registry=registry,
        )
        self.deliveries = Counter(
            "mounasabet_outbox_deliveries",
            "Outbox delivery attempts made by this process, by channel and outcome (sent, "
            "retry, hold, give_up, switched_off: its channel is not set up here).",
            ["channel", "outcome"],
            registry=registry,
        )
        self.outbox = Gauge(
            "mounasabet_outbox_messages",
            "Outbox rows by channel and status (pending, sending, sent, held, dead); sent rows "
            "are pruned after a while.",
            ["channel", "status"],
            registry=registry,
        )
        self.outbox_oldest = Gauge(
            "mounasabet_outbox_oldest_waiting_seconds",
            "Age of the oldest message waiting to be sent (0 when none waits).",
            registry=registry,
        )
        self.payments = Gauge(
            "mounasabet_payments",
            "Payments by kind and status.",
            ["kind", "status"],
            registry=registry,
        )
        self.sweep_runs = Gauge(
            "mounasabet_sweep_runs",
            "Runs of each sweep since it was first scheduled.",
            ["sweep"],
            registry=registry,
        )
        self.sweep_failures = Gauge(
            "mounasabet_sweep_failures",
            "Failed runs of each sweep.",
            ["sweep"],
            registry=registry,
        )
        self.sweep_seconds = Gauge(
            "mounasabet_sweep_last_duration_seconds",
            "How long each sweep's last run took.",
            ["sweep"],
            registry=registry,
        )
        self.sweep_failing = Gauge(
            "mounasabet_sweep_failing",
            "1 when a sweep's last run failed.",
            ["sweep"],
            registry=registry,
        )
        self.engines = EngineCollector()
        registry.register(self.engines)

    def watch_engines(self, engines: Mapping[str, DialogEngine]) -> None:
        self.engines.engines.update(engines)

    def access_log_class(self) -> type[AbstractAccessLogger]:
        """For aiohttp's runner (``access_log_class=``): counts every response written."""
        responses = labelled(self.responses)

        class CountingAccessLog(AbstractAccessLogger):
            def log(self, request: BaseRequest, response: web.StreamResponse, time: float) -> None:
                responses(str(response.status), route_of(request)).inc()

        return CountingAccessLog

    async def refresh(self, uows: UnitOfWorkFactory, clock: Clock) -> None:
        """Set the gauges from the database; labels no row carries any more go."""
        state = await stored_state(uows, clock.now())
        for gauge in (
            self.outbox,
            self.payments,
            self.sweep_runs,
            self.sweep_failures,
            self.sweep_seconds,
            self.sweep_failing,
        ):
            gauge.clear()
        for rows in state.outbox:
            self.outbox.labels(channel=rows.channel, status=rows.status).set(rows.count)
        self.outbox_oldest.set(state.oldest_waiting_seconds)
        for (kind, status), count in state.payments.items():
            self.payments.labels(kind=kind, status=status).set(count)
        for sweep in state.sweeps:
            self.sweep_runs.labels(sweep=sweep.sweep).set(sweep.runs)
            self.sweep_failures.labels(sweep=sweep.sweep).set(sweep.failures)
            self.sweep_failing.labels(sweep=sweep.sweep).set(1 if sweep.failing else 0)
            if sweep.last_seconds is not None:
                self.sweep_seconds.labels(sweep=sweep.sweep).set(sweep.last_seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    @staticmethod
    def content_type() -> str:
        return CONTENT_TYPE_LATEST
