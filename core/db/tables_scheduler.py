"""Scheduler tables: the lease that lets one process run the sweeps, and each sweep's record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base


class SchedulerLease(Base):
    """Who runs the sweeps, until when; another process takes over once it has expired."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[datetime]
    renewed_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class SweepRecord(Base):
    """One row per sweep: what its last run did, and when the next one is due."""

    __tablename__ = "scheduler_sweeps"

    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # running | ok | error
    holder: Mapped[str | None] = mapped_column(String(128))
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    next_run_at: Mapped[datetime | None]
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    last_result: Mapped[dict[str, Any]]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    runs: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
