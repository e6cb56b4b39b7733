"""The admin trail: who did what to which subject, when and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.admin.paging import Page, iso
from core.db.tables import AdminAudit
from core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Operator:
    """The person behind an admin command (the OS user, or ``--as NAME``)."""

    name: str


def record(
    uow: UnitOfWork,
    by: Operator,
    action: str,
    subject_type: str,
    subject_id: object,
    *,
    now: datetime,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> AdminAudit:
    row = AdminAudit(
        at=now,
        actor=by.name[:64],
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        reason=(reason or "").strip() or None,
        details=details or {},
    )
    uow.session.add(row)
    return row


def audit_row(row: AdminAudit) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": iso(row.at),
        "actor": row.actor,
        "action": row.action,
        "subject_type": row.subject_type,
        "subject_id": row.subject_id,
        "reason": row.reason,
        "details": row.details,
    }


async def list_audit(
    uow: UnitOfWork,
    page: Page,
    *,
    actor: str | None = None,
    action: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    stmt = select(AdminAudit)
    if actor:
        stmt = stmt.where(AdminAudit.actor == actor)
    if action:
        stmt = stmt.where(AdminAudit.action.startswith(action))  # "tickets" or "tickets.reply"
    if subject_type:
        stmt = stmt.where(AdminAudit.subject_type == subject_type)
    if subject_id:
        stmt = stmt.where(AdminAudit.subject_id == subject_id)
    if since:
        stmt = stmt.where(AdminAudit.at >= since)
    if until:
        stmt = stmt.where(AdminAudit.at < until)
    stmt = page.apply(stmt, {"at": AdminAudit.at, "id": AdminAudit.id}, default="at")
    return [audit_row(r) for r in (await uow.session.scalars(stmt)).all()]
