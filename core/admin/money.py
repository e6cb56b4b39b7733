"""The money journal for admins: entries with filters, and their totals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select

from core.admin.paging import Page, iso, one_of
from core.admin.providers import provider_ref
from core.db.tables import LedgerEntry, Provider
from core.uow import UnitOfWork

KINDS = ("payment", "refund", "payout")
STATUSES = ("settled", "owed", "paid_via_connect")  # LedgerEntry.status's
S = TypeVar("S", bound=Select[*tuple[Any, ...]])


def entry_row(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": iso(entry.at),
        "kind": entry.kind,
        "status": entry.status,
        "booking_id": entry.booking_id,
        "provider_id": entry.provider_id,
        "amount_minor": entry.amount_minor,
        "currency": entry.currency,
        "commission_minor": entry.commission_minor,
        "external_id": entry.external_id,
    }


def _filtered(
    stmt: S,
    *,
    kind: str | None,
    status: str | None,
    provider: str | None,
    booking_id: int | None,
    since: datetime | None,
    until: datetime | None,
) -> S:
    if one_of("kind", kind, KINDS):
        stmt = stmt.where(LedgerEntry.kind == kind)
    if one_of("status", status, STATUSES):
        stmt = stmt.where(LedgerEntry.status == status)
    if provider:
        stmt = stmt.where(
            LedgerEntry.provider_id.in_(select(Provider.id).where(provider_ref(provider)))
        )
    if booking_id is not None:
        stmt = stmt.where(LedgerEntry.booking_id == booking_id)
    if since:
        stmt = stmt.where(LedgerEntry.at >= since)
    if until:
        stmt = stmt.where(LedgerEntry.at < until)
    return stmt


async def list_entries(uow: UnitOfWork, page: Page, **filters: Any) -> list[dict[str, Any]]:
    stmt = _filtered(select(LedgerEntry), **filters)
    stmt = page.apply(stmt, {"id": LedgerEntry.id, "at": LedgerEntry.at}, default="at")
    return [entry_row(e) for e in (await uow.session.scalars(stmt)).all()]


async def totals(uow: UnitOfWork, **filters: Any) -> list[dict[str, Any]]:
    """Per kind, status and currency: how many entries, how much, and our commission."""
    stmt = _filtered(
        select(
            LedgerEntry.kind,
            LedgerEntry.status,
            LedgerEntry.currency,
            func.count(),
            func.coalesce(func.sum(LedgerEntry.amount_minor), 0),
            func.coalesce(func.sum(LedgerEntry.commission_minor), 0),
        ).group_by(LedgerEntry.kind, LedgerEntry.status, LedgerEntry.currency),
        **filters,
    )
    return [
        {
            "kind": kind,
            "status": status,
            "currency": currency,
            "count": int(count),
            "amount_minor": int(amount or 0),
            "commission_minor": int(commission or 0),
        }
        for kind, status, currency, count, amount, commission in (
            await uow.session.execute(stmt.order_by(LedgerEntry.kind, LedgerEntry.status))
        ).all()
    ]


async def stream_entries(
    uow: UnitOfWork, *, batch: int = 1000, **filters: Any
) -> AsyncIterator[dict[str, Any]]:
    """Every matching entry in id order, read a batch at a time (exports)."""
    last = 0
    while True:
        stmt = _filtered(select(LedgerEntry), **filters).where(LedgerEntry.id > last)
        rows = (await uow.session.scalars(stmt.order_by(LedgerEntry.id).limit(batch))).all()
        if not rows:
            return
        for row in rows:
            yield entry_row(row)
        last = rows[-1].id
