"""What the booking rules read of a service: its row as the ORM loads it, or as a plain
statement reads it (a request's, in one go: core/booking/request_write.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Row, Table, bindparam, select

from core.db.tables import Service


@dataclass(frozen=True, slots=True)
class ServiceTerms:
    id: int
    provider_id: int
    active: bool
    pricing_model: str
    price_minor: int
    currency: str
    deposit_bp: int
    duration_minutes: int | None
    days: int
    daily_capacity: int
    min_notice_hours: int
    buffer_minutes: int
    min_guests: int | None
    max_guests: int | None

    @classmethod
    def of(cls, row: Row[tuple[object, ...]]) -> ServiceTerms:
        return cls(**row._mapping)


ServiceLike = Service | ServiceTerms

_SERVICES: Table = Service.__table__  # type: ignore[assignment]
# Built once (every request reads it); its columns are the fields above, in their order.
TERMS = select(*(_SERVICES.c[name] for name in ServiceTerms.__dataclass_fields__)).where(
    _SERVICES.c.id == bindparam("service")
)
