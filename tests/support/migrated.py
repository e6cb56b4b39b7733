"""Migrated databases for tests, without running every migration for each test.

Alembic takes ~0.4 s to migrate an empty SQLite file, and many tests start from one. The
migrations run once per test process into a template file; a new SQLite file is a copy of
it. A file that already holds something, and PostgreSQL, are migrated for real.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from core.db.migrate import upgrade

_template: Path | None = None


def migrate(url: str) -> None:
    """The database at ``url`` at the migrations' head, as ``core.db.migrate.upgrade`` leaves it."""
    parsed = make_url(url)
    path = (
        Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None
    )
    if path is None or (path.exists() and path.stat().st_size > 0):
        upgrade(url)
        return
    shutil.copyfile(_migrated_template(), path)


def _migrated_template() -> Path:
    global _template
    if _template is None:
        directory = Path(tempfile.mkdtemp(prefix="mounasabet-template-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        template = directory / "template.db"
        upgrade(f"sqlite+aiosqlite:///{template}")
        # Alembic's engine is disposed: the write-ahead log is checkpointed and gone.
        assert not template.with_name("template.db-wal").exists()
        _template = template
    return _template
