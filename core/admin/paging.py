"""Paging and sorting shared by every admin listing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Select

from core.errors import InvalidValue

T = TypeVar("T", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True, slots=True)
class Page:
    limit: int = 50
    offset: int = 0
    sort: str | None = None  # a column name; "-name" sorts descending
    descending_by_default: bool = True

    def apply(
        self,
        stmt: T,
        columns: Mapping[str, Any],
        *,
        default: str,
    ) -> T:
        """Order by ``sort`` (one of ``columns``), newest first unless told otherwise."""
        name = self.sort or (("-" if self.descending_by_default else "") + default)
        descending = name.startswith("-")
        column = columns.get(name.lstrip("-"))
        if column is None:
            raise InvalidValue("unknown_sort", sort=name, allowed=", ".join(sorted(columns)))
        order = column.desc() if descending else column.asc()
        tie = columns.get("id", column)  # a stable order across pages
        return (
            stmt.order_by(order, tie.desc() if descending else tie.asc())
            .limit(self.limit)
            .offset(self.offset)
        )


def one_of(name: str, value: str | None, allowed: Iterable[str]) -> str | None:
    """A listing's filter on a closed set of values. A value outside it is a typo, and is
    said to be one: matched as given it would list nothing, which reads as "there are none"."""
    choices = tuple(allowed)
    if value and value not in choices:
        raise InvalidValue("unknown_filter", filter=name, value=value, allowed=", ".join(choices))
    return value


def iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def money_text(minor: int, currency: str) -> str:
    """An amount in text for people ("2880.00 MAD"); the rows' ``*_minor`` stay for tools."""
    sign = "-" if minor < 0 else ""
    units, cents = divmod(abs(minor), 100)
    return f"{sign}{units}.{cents:02d} {currency}"
