"""The unit of work's write tracking listens to the project's sessions only."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Integer, create_engine, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

import core.uow  # noqa: F401  (registers the listeners, as any program that uses core does)
from core.db.engine import AppSession


class _Base(DeclarativeBase):
    pass


class _Note(_Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


def _flush_and_update(session: Session) -> dict[str, object]:
    session.add(_Note(id=1, n=1))
    session.flush()
    session.execute(update(_Note).values(n=2))
    return dict(session.info)


def test_a_plain_session_in_the_same_process_is_not_tracked(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    _Base.metadata.create_all(engine)
    with Session(engine) as plain:
        assert _flush_and_update(plain) == {}
    # The project's own session class, on the same engine, is.
    with AppSession(engine) as ours:
        assert _flush_and_update(ours) == {"touched_rows": {"notes": None}}
    engine.dispose()
