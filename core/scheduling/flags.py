"""Flags a sweep raises at most once per subject, however often it runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.db.tables import Flag
from core.support.tickets import raise_flag
from core.uow import UnitOfWork


async def flag_once(
    uow: UnitOfWork,
    *,
    kind: str,
    subject_type: str,
    subject_id: int,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> bool:
    """Raise the flag unless one of this kind already names this subject (open or resolved:
    an admin who resolved it has seen it). The caller locks the subject's row first."""
    seen = await uow.session.scalar(
        select(Flag.id).where(
            Flag.kind == kind,
            Flag.subject_type == subject_type,
            Flag.subject_id == str(subject_id),
        )
    )
    if seen is not None:
        return False
    raise_flag(
        uow, kind=kind, subject_type=subject_type, subject_id=subject_id, now=now, details=details
    )
    return True
