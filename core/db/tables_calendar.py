"""A provider's external calendar: where we import their busy time from, and how it went.

The busy time itself is in ``busy_intervals`` (tables_catalog.py), which search reads;
the export feed's secret is ``providers.calendar_token``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base


class CalendarImport(Base):
    __tablename__ = "calendar_imports"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), primary_key=True)
    url: Mapped[str] = mapped_column(Text)  # a secret: shown to its provider only, shortened
    connected_at: Mapped[datetime]
    refreshed_at: Mapped[datetime | None]  # the last fetch that was read and stored
    busy_count: Mapped[int] = mapped_column(Integer, default=0)  # intervals stored then
    # Why the last scheduled refresh failed (an error key), until one succeeds again.
    last_error: Mapped[str | None] = mapped_column(String(64))
    last_error_at: Mapped[datetime | None]
