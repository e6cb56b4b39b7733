"""The unit of work's write tracking listens to the project's sessions only; those hold
the rows a transaction read until it ends."""

from __future__ import annotations

import gc
from pathlib import Path

from sqlalchemy import Integer, create_engine, event, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

import core.uow  # noqa: F401  (registers the listeners, as any program that uses core does)
from core.db.engine import AppSession


class _Base(DeclarativeBase):
    pass


class _Note(_Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


def _flush_and_update(session: Session) -> object:
    session.add(_Note(id=1, n=1))
    session.flush()
    session.execute(update(_Note).values(n=2))
    return session.info.get("touched_rows")


def test_a_plain_session_in_the_same_process_is_not_tracked(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    _Base.metadata.create_all(engine)
    with Session(engine) as plain:
        assert _flush_and_update(plain) is None
    # The project's own session class, on the same engine, is.
    with AppSession(engine) as ours:
        assert _flush_and_update(ours) == {"notes": None}
    engine.dispose()


def test_a_row_read_and_let_go_is_not_read_again_in_the_same_transaction(
    tmp_path: Path,
) -> None:
    """The identity map alone holds rows weakly: a row nobody refers to any more would be
    read again by the next get (the news handler's, at commit). Held until the end."""
    engine = create_engine(f"sqlite:///{tmp_path / 'held.db'}")
    _Base.metadata.create_all(engine)
    with AppSession(engine) as session:
        session.add(_Note(id=1, n=1))
        session.commit()
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    with AppSession(engine) as session:
        assert session.get(_Note, 1) is not None  # read, and let go of at once
        gc.collect()
        assert session.get(_Note, 1) is not None
        assert len([s for s in sent if s.startswith("SELECT")]) == 1
        with session.begin_nested():  # a savepoint's end keeps them
            pass
        gc.collect()
        assert session.get(_Note, 1) is not None
        assert len([s for s in sent if s.startswith("SELECT")]) == 1
        session.commit()
        assert "held_rows" not in session.info  # the transaction is over: let go
    engine.dispose()


def test_a_locked_read_refreshes_a_row_the_transaction_holds(tmp_path: Path) -> None:
    """Held rows must not hide another transaction's commit from a read under a lock: the
    checks after a lock rely on what it protects."""
    engine = create_engine(f"sqlite:///{tmp_path / 'locked.db'}")
    _Base.metadata.create_all(engine)
    with AppSession(engine) as session:
        session.add(_Note(id=1, n=1))
        session.commit()
    with AppSession(engine) as session:
        note = session.get(_Note, 1)
        assert note is not None and note.n == 1
        with engine.begin() as other:  # another transaction commits meanwhile
            other.execute(update(_Note).values(n=2))
        assert session.get(_Note, 1) is note and note.n == 1  # unlocked: as it was read
        assert session.get(_Note, 1, with_for_update=True) is note and note.n == 2
        with engine.begin() as other:
            other.execute(update(_Note).values(n=3))
        locked = session.scalars(select(_Note).where(_Note.id == 1).with_for_update()).one()
        assert locked is note and locked.n == 3
    engine.dispose()


def test_a_locked_read_keeps_this_transaction_s_own_changes(tmp_path: Path) -> None:
    """Our sessions do not autoflush: a change not yet written is flushed before the
    locked read refreshes the row, not overwritten by it."""
    engine = create_engine(f"sqlite:///{tmp_path / 'own.db'}")
    _Base.metadata.create_all(engine)
    with AppSession(engine) as session:
        session.add(_Note(id=1, n=1))
        session.commit()
    with AppSession(engine, autoflush=False) as session:
        note = session.get(_Note, 1)
        assert note is not None
        note.n = 7
        assert session.get(_Note, 1, with_for_update=True) is note and note.n == 7
        session.commit()
    with engine.connect() as conn:
        assert conn.execute(select(_Note.n)).scalar_one() == 7
    engine.dispose()
