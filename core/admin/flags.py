"""Flags seen from the admin side: list, read, resolve with a note, raise by hand."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.admin.audit import Operator, record
from core.admin.paging import Page, iso, one_of
from core.db.tables import Flag
from core.errors import IllegalTransition, InvalidValue, NotFound
from core.support.tickets import raise_flag
from core.uow import UnitOfWork

SEVERITIES = ("info", "warning", "error", "critical")
LISTED = ("open", "resolved", "all")  # list_flags's status


def flag_row(flag: Flag) -> dict[str, Any]:
    return {
        "id": flag.id,
        "kind": flag.kind,
        "severity": flag.severity,
        "subject_type": flag.subject_type,
        "subject_id": flag.subject_id,
        "occurrences": flag.occurrences,
        "details": flag.details,
        "created_at": iso(flag.created_at),
        "updated_at": iso(flag.updated_at),
        "resolved_at": iso(flag.resolved_at),
        "resolved_by": flag.resolved_by,
        "note": flag.note,
    }


async def list_flags(
    uow: UnitOfWork,
    page: Page,
    *,
    status: str = "open",
    kind: str | None = None,
    severity: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
) -> list[dict[str, Any]]:
    stmt = select(Flag)
    one_of("status", status, LISTED)
    if status == "open":
        stmt = stmt.where(Flag.resolved_at.is_(None))
    elif status == "resolved":
        stmt = stmt.where(Flag.resolved_at.is_not(None))
    if kind:
        stmt = stmt.where(Flag.kind == kind)
    if one_of("severity", severity, SEVERITIES):
        stmt = stmt.where(Flag.severity == severity)
    if subject_type:
        stmt = stmt.where(Flag.subject_type == subject_type)
    if subject_id:
        stmt = stmt.where(Flag.subject_id == subject_id)
    columns = {"id": Flag.id, "created": Flag.created_at, "updated": Flag.updated_at}
    stmt = page.apply(stmt, columns, default="created")
    return [flag_row(f) for f in (await uow.session.scalars(stmt)).all()]


async def get_flag(uow: UnitOfWork, flag_id: int) -> Flag:
    flag = await uow.session.get(Flag, flag_id, with_for_update=True)
    if flag is None:
        raise NotFound("flag_not_found", flag_id=flag_id)
    return flag


async def show_flag(uow: UnitOfWork, flag_id: int) -> dict[str, Any]:
    return flag_row(await get_flag(uow, flag_id))


async def resolve(uow: UnitOfWork, flag_id: int, note: str, *, by: Operator, now: datetime) -> Flag:
    flag = await get_flag(uow, flag_id)
    if flag.resolved_at is not None:
        raise IllegalTransition("flag_resolved", flag_id=flag_id)
    if not note.strip():
        raise InvalidValue("admin_reason_required")
    flag.resolved_at, flag.resolved_by, flag.note = now, by.name, note.strip()
    record(uow, by, "flags.resolve", "flag", flag.id, now=now, reason=note)
    return flag


async def create(
    uow: UnitOfWork,
    *,
    kind: str,
    subject_type: str,
    subject_id: str,
    note: str,
    severity: str,
    by: Operator,
    now: datetime,
) -> dict[str, Any]:
    """A flag raised by hand; one already open for the same cause and subject is updated."""
    if severity not in SEVERITIES:
        raise InvalidValue("unknown_severity", severity=severity)
    raise_flag(
        uow,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        now=now,
        details={"note": note, "by": by.name},
        severity=severity,
    )
    await uow.session.flush()
    flag = await uow.session.scalar(
        select(Flag)
        .where(
            Flag.kind == kind,
            Flag.subject_type == subject_type,
            Flag.subject_id == subject_id,
            Flag.resolved_at.is_(None),
        )
        .order_by(Flag.id)
    )
    assert flag is not None  # just written, or merged into the open one
    record(uow, by, "flags.create", "flag", flag.id, now=now, reason=note)
    return flag_row(flag)
