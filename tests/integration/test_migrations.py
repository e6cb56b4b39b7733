"""Migrations: upgrade, downgrade, upgrade again, and the result matches the models.

Runs on an empty SQLite file and on a throwaway PostgreSQL database created (and
dropped) on the server named by MOUNASABET_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url

from core.db.engine import make_engine
from core.db.migrate import alembic_config, downgrade, upgrade, upgrade_async
from core.db.tables import Base

PG_URL = os.environ.get("MOUNASABET_TEST_POSTGRES_URL")
TABLES = {t.name for t in Base.metadata.sorted_tables}


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a brand-new, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    if PG_URL is None:
        pytest.skip("MOUNASABET_TEST_POSTGRES_URL is not set: no PostgreSQL server to migrate")
    name = f"msb_mig_{secrets.token_hex(6)}"
    server = make_url(PG_URL)
    admin = make_engine(
        server.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def _differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, Base.metadata))


def _describe(diffs: list[Any]) -> str:
    """One line per difference, e.g. ``add_index ix_outbox_due`` (for the failure message)."""
    lines = []
    for diff in diffs:
        for op in diff if isinstance(diff, list) else [diff]:
            named = [getattr(x, "name", None) for x in op[1:]]
            lines.append(" ".join([op[0], *(str(n) for n in named if n)]))
    return "migrations and core.db.tables disagree:\n" + "\n".join(lines)


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def _revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


async def _look(url: str) -> tuple[set[str], str | None, list[Any]]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(_tables)
            revision = await conn.run_sync(_revision)
            diffs = await conn.run_sync(_differences)
    finally:
        await engine.dispose()
    return tables, revision, diffs


def test_history_is_one_line() -> None:
    """One head and one base: ``upgrade head`` is unambiguous for every deployment."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, f"several heads: {script.get_heads()}"
    assert len(script.get_bases()) == 1


async def test_upgrade_downgrade_upgrade_matches_the_models(empty_db: str) -> None:
    head = ScriptDirectory.from_config(alembic_config(empty_db)).get_current_head()
    tables, revision, _ = await _look(empty_db)
    assert tables == set()
    assert revision is None

    upgrade(empty_db)  # blocking API, usable from inside a running loop
    tables, revision, diffs = await _look(empty_db)
    assert tables == TABLES | {"alembic_version"}
    assert revision == head
    assert diffs == [], _describe(diffs)

    downgrade(empty_db, "base")
    tables, revision, _ = await _look(empty_db)
    assert tables <= {"alembic_version"}
    assert revision is None

    await upgrade_async(empty_db)
    tables, revision, diffs = await _look(empty_db)
    assert tables == TABLES | {"alembic_version"}
    assert revision == head
    assert diffs == [], _describe(diffs)

    upgrade(empty_db)  # at head already: nothing to do, nothing breaks
    assert (await _look(empty_db))[1] == head

    # The comparison can fail: a schema that drifted from the models is reported.
    engine = make_engine(empty_db)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP INDEX ix_outbox_due"))
    finally:
        await engine.dispose()
    _, _, diffs = await _look(empty_db)
    assert [(d[0], d[1].name) for d in diffs] == [("add_index", "ix_outbox_due")]


async def test_0005_keeps_only_proven_phones_on_accounts(empty_db: str) -> None:
    """Issue 12: numbers stored before 0005 may have been typed by anyone. A provider's
    registered number and an account's own WhatsApp sender stay; the rest become contacts."""
    upgrade(empty_db, "0003")
    engine = make_engine(empty_db)
    try:
        async with engine.begin() as conn:
            for user_id, phone in (
                (1, "+212661234567"),
                (2, "+212661000111"),
                (3, "+212600000003"),
            ):
                await conn.execute(
                    text(
                        "INSERT INTO users (id, role, display_name, locale, phone_e164, blocked,"
                        " created_at) VALUES (:id, 'client', '', 'fr', :phone, false,"
                        " CURRENT_TIMESTAMP)"
                    ),
                    {"id": user_id, "phone": phone},
                )
            await conn.execute(
                text(
                    "INSERT INTO providers (user_id, slug, name, description, languages, photos,"
                    " status, timezone, rating_sum, rating_count, rating_x100, created_at)"
                    " VALUES (2, 'studio', '{}', '{}', '[]', '[]', 'active',"
                    " 'Africa/Casablanca', 0, 0, 0, CURRENT_TIMESTAMP)"
                )
            )
            identities = (
                (1, "telegram_client", "6666"),  # typed at the phone step: no proof
                (3, "whatsapp", "+212600000003"),  # WhatsApp's own sender: a proof
            )
            for user_id, channel, external in identities:
                await conn.execute(
                    text(
                        "INSERT INTO channel_identities (user_id, channel, external_id,"
                        " unreachable, created_at) VALUES (:u, :c, :e, false, CURRENT_TIMESTAMP)"
                    ),
                    {"u": user_id, "c": channel, "e": external},
                )
        upgrade(empty_db)
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT id, phone_e164, contact_phone FROM users ORDER BY id")
            )
            assert [tuple(r) for r in rows] == [
                (1, None, "+212661234567"),
                (2, "+212661000111", None),
                (3, "+212600000003", None),
            ]
    finally:
        await engine.dispose()


# Tables made after 0004, with BIGINT money from the start (0014, 0015).
MADE_LATER = {"booking_proposals", "credit_notes"}
MONEY = {
    (t.name, c.name)
    for t in Base.metadata.sorted_tables
    for c in t.columns
    if c.name.endswith("_minor") and t.name not in MADE_LATER
}


def _money_types(conn: Connection) -> set[str]:
    """The types the database reports for the money columns, and their check constraints."""
    inspector = inspect(conn)
    found = set()
    for table, name in MONEY:
        kinds = {c["name"]: type(c["type"]).__name__.upper() for c in inspector.get_columns(table)}
        found.add(kinds[name])
    return found


def _checks(conn: Connection) -> set[str]:
    inspector = inspect(conn)
    return {
        str(check["name"])
        for table in {t for t, _ in MONEY}
        for check in inspector.get_check_constraints(table)
    }


async def test_0004_makes_every_money_column_64_bit_and_back(empty_db: str) -> None:
    """Issue 12: PostgreSQL's INTEGER refused totals that SQLite stored; BIGINT on both."""
    assert len(MONEY) == 15
    engine = make_engine(empty_db)
    try:
        upgrade(empty_db, "0003")
        async with engine.connect() as conn:
            assert await conn.run_sync(_money_types) == {"INTEGER"}
            checks = await conn.run_sync(_checks)
        upgrade(empty_db, "0004")
        async with engine.connect() as conn:
            assert await conn.run_sync(_money_types) == {"BIGINT"}
            # SQLite's batch mode copies each table: its check constraints come along.
            assert await conn.run_sync(_checks) == checks
        downgrade(empty_db, "0003")
        async with engine.connect() as conn:
            assert await conn.run_sync(_money_types) == {"INTEGER"}
            assert await conn.run_sync(_checks) == checks
    finally:
        await engine.dispose()
