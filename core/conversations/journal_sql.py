"""Plain SQL for the chat journal's hot path (core/conversations/journal.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Dialect, Table

from core.db.sqlite_driver import Execute
from core.db.tables import Conversation

CONVERSATIONS: Table = Conversation.__table__  # type: ignore[assignment]


class Sql:
    """Statements of the hot path written once in SQL both databases speak, with their
    parameters bound the driver's way: building them as SQLAlchemy expressions for every
    batch cost more than running them. Values pass through the columns' own types.
    One `Sql` is one statement: its parameters are bound in the order they are written."""

    def __init__(self, dialect: Dialect, execute: Execute) -> None:
        self.dialect, self.execute = dialect, execute
        self.postgres = self.dialect.name == "postgresql"
        self.false = "false" if self.postgres else "0"
        self.values: list[Any] = []
        column_type = CONVERSATIONS.c.updated_at.type.dialect_impl(self.dialect)
        self._time = column_type.bind_processor(self.dialect)

    def param(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}" if self.postgres else "?"

    def params(self, values: Sequence[Any]) -> str:
        return ", ".join(self.param(v) for v in values)

    def time(self, value: datetime) -> str:
        return self.param(self._time(value) if self._time else value)

    def value(self, column: Column[Any], value: Any) -> str:
        """A value for ``column``, converted by the column's own type."""
        process = column.type.dialect_impl(self.dialect).bind_processor(self.dialect)
        return self.param(process(value) if process and value is not None else value)

    def number(self, value: int) -> str:
        """An integer where PostgreSQL can't tell the type (a VALUES list)."""
        marker = self.param(value)
        return f"CAST({marker} AS BIGINT)" if self.postgres else marker

    def json(self, value: dict[str, Any]) -> str:
        return self.json_text(json.dumps(value))

    def json_text(self, text: str) -> str:
        """JSON already serialised (a conversation's state: the step did it once)."""
        marker = self.param(text)
        return f"CAST({marker} AS JSON)" if self.postgres else marker

    def run(self, statement: str) -> list[tuple[Any, ...]]:
        """Its rows ([] for a statement that returns none)."""
        return self.execute(statement, self.values)
