"""One open flag per cause and subject: a repeat updates the open flag instead of adding one.

Flags are raised from a dozen places, most of them synchronous code in the middle of a
transaction (``raise_flag`` only adds a row). So the merge happens where every one of
them passes, at flush: a new flag whose (kind, subject) already has an open one is not
inserted; the open one counts the occurrence and takes the newer details. Two processes
raising the same first flag in the same instant can still write two; the next repeat
lands on the older one, and resolving either is enough.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.db.engine import AppSession
from core.db.tables import Flag

SEVERITY_ORDER = ("info", "warning", "error", "critical")


def _rank(severity: str) -> int:
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else 1


def merge_into(existing: Flag, repeat: Flag) -> None:
    existing.occurrences = (existing.occurrences or 1) + 1
    existing.updated_at = repeat.created_at
    existing.details = dict(repeat.details)
    if _rank(repeat.severity) > _rank(existing.severity):
        existing.severity = repeat.severity


@event.listens_for(AppSession, "before_flush")
def _merge_repeated_flags(session: Session, _context: Any, _instances: Any) -> None:
    new_flags = [obj for obj in session.new if isinstance(obj, Flag)]
    if not new_flags:
        return
    seen: dict[tuple[str, str, str], Flag] = {}
    with session.no_autoflush:
        for flag in sorted(new_flags, key=lambda f: f.created_at):
            key = (flag.kind, flag.subject_type, str(flag.subject_id))
            existing = seen.get(key) or session.scalar(
                select(Flag)
                .where(
                    Flag.kind == key[0],
                    Flag.subject_type == key[1],
                    Flag.subject_id == key[2],
                    Flag.resolved_at.is_(None),
                )
                .order_by(Flag.id)
                .limit(1)
            )
            if existing is None:
                seen[key] = flag
                continue
            merge_into(existing, flag)
            session.expunge(flag)
