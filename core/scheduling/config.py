"""The sweeps' settings, and the name a process holds the lease under: shared by the
scheduler's runtime (bots/scheduler.py) and `mounasabet-admin jobs run`."""

from __future__ import annotations

import os
import secrets
import socket
from datetime import time, timedelta

from core.scheduling.model import SweepConfig
from core.settings import Settings


def sweep_config(settings: Settings) -> SweepConfig:
    return SweepConfig(
        deposit_reminder_after=timedelta(hours=settings.deposit_reminder_hours),
        auto_confirm_after=timedelta(days=settings.auto_confirm_delivery_days),
        event_reminder_at=time(settings.event_reminder_hour),
        ticket_sla=timedelta(hours=settings.ticket_sla_hours),
        digest_at=time(settings.admin_digest_hour),
        calendar_horizon_days=settings.calendar_horizon_days,
        send_lease=timedelta(seconds=settings.send_lease_seconds),
    )


def holder_name() -> str:
    """Which process holds the lease, as /healthz and `jobs` show it."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
