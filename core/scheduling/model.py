"""A sweep: a stable id, a period and a plain function of a context.

A sweep is a plain function of a ``SweepContext`` (a unit-of-work factory, the instant it
runs for, a batch size, the ports it needs) that returns counts. It commits each item on
its own and can run twice, or late, without doing anything twice. The runtime that calls
them on time lives outside core (bots/scheduler.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from core.calendar_sync.ports import CalendarFetcher
from core.notifications.outbox import LEASE, MessageSender
from core.payments.ports import Payments
from core.uow import UnitOfWorkFactory

Counts = dict[str, int]


@dataclass(frozen=True, slots=True)
class SweepConfig:
    """The delays the timed rules wait for (defaults from the issue; settings override)."""

    deposit_reminder_after: timedelta = timedelta(hours=24)
    auto_confirm_after: timedelta = timedelta(days=3)
    event_reminder_days: tuple[int, ...] = (7, 1)
    event_reminder_at: time = time(10, 0)
    ticket_sla: timedelta = timedelta(hours=4)
    balance_reminders: int = 3
    balance_reminder_every: timedelta = timedelta(hours=24)
    refund_give_up_after: timedelta = timedelta(days=3)
    digest_at: time = time(7, 0)
    admin_emails: tuple[str, ...] = ()
    review_request_after: timedelta = timedelta(0)  # after completion: the next run asks
    review_reminder_after: timedelta = timedelta(days=3)  # after the request, if unanswered
    review_give_up_after: timedelta = timedelta(days=30)  # after completion: never asked
    calendar_horizon_days: int = 365  # imported busy time kept this far ahead
    send_lease: timedelta = LEASE  # the outbox sweep's claim on each message


@dataclass(frozen=True, slots=True)
class SweepContext:
    uows: UnitOfWorkFactory
    now: datetime
    payments: Payments | None = None
    sender: MessageSender | None = None
    config: SweepConfig = field(default_factory=SweepConfig)
    batch: int = 200
    calendars: CalendarFetcher | None = None  # fetches providers' ICS feeds


SweepFn = Callable[[SweepContext], Awaitable[Counts]]


@dataclass(frozen=True, slots=True)
class Sweep:
    id: str
    every: timedelta
    run: SweepFn
    summary: str
    needs_payments: bool = False
    needs_sender: bool = False
    # Up to this much later than its period, at random: sweeps that call other hosts (the
    # providers' calendars) do not all knock at the same second after every deployment.
    jitter: timedelta = timedelta(0)
