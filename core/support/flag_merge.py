"""One open flag per cause and subject: a repeat updates the open flag instead of adding one.

Flags are raised from a dozen places, most of them synchronous code in the middle of a
transaction (``raise_flag`` only adds a row). So the merge happens where every one of
them passes, at flush: a new flag whose (kind, subject) already has an open one is not
inserted; the open one counts the occurrence and takes the newer details.

Two processes raising the same first flag in the same instant both find none open. The
database settles it: a unique index covers the open flags (``uq_flags_open_subject``), and
a first flag is inserted with ON CONFLICT DO NOTHING. The loser's insert waits for the
winner's commit and inserts nothing; it then merges into the winner's row like any repeat.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, event, select
from sqlalchemy.dialects import postgresql, sqlite
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
            session.expunge(flag)
            existing = seen.get(key) or _open_flag(session, key)
            if existing is None and _insert_first(session, flag):
                seen[key] = _open_flag(session, key) or flag
                continue
            # A repeat; or a first flag another process inserted an instant before us.
            existing = existing or _open_flag(session, key)
            if existing is not None:
                merge_into(existing, flag)
                seen[key] = existing


def _open_flag(session: Session, key: tuple[str, str, str]) -> Flag | None:
    return session.scalar(
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


def _insert_first(session: Session, flag: Flag) -> bool:
    """Insert ``flag`` unless an open one of its cause and subject exists; whether it did."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Flag)
        .values(
            kind=flag.kind,
            severity=flag.severity or "warning",
            subject_type=flag.subject_type,
            subject_id=str(flag.subject_id),
            details=dict(flag.details or {}),
            occurrences=flag.occurrences or 1,
            created_at=flag.created_at,
            updated_at=flag.updated_at,
        )
        .on_conflict_do_nothing(
            index_elements=["kind", "subject_type", "subject_id"],
            index_where=Flag.resolved_at.is_(None),
        )
    )
    inserted = cast(CursorResult[Any], session.execute(statement))
    return bool(inserted.rowcount)
