"""What a step fetches from the network before its transaction opens.

A step that reads a provider's calendar feed (connecting it, "Refresh now", Accept) would
otherwise wait for the calendar's host with its transaction open, and on SQLite every other
chat's writes would wait with it (core/calendar_sync/prefetch.py). The step or action
declares a fetch (flow.Step.fetch, flow.Action.fetch); the engine runs it right before
the transaction, with no unit of work, and hands its result to the step as
``ctx.fetched``. What it fetched is checked by the step against what the transaction
reads (the chat may have moved on meanwhile): it is only ever a head start.

The fetch is chosen from where this process remembers the chat. Another process may have
moved the chat since (a separate worker recording news on a WhatsApp screen, where "1"
then means Pay): when the chat as the transaction reads it wants another fetch, the engine
lets that transaction go, fetches that one and runs the update again, once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from core.catalog.reads import CatalogQuery, SessionFactory, ask_read_only
from dialogs.framework.context import Deps

if TYPE_CHECKING:
    from dialogs.framework.reads import Reads

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Fetching:
    """What a fetch sees: who wrote, the collaborators, and read-only reads (no
    transaction is open, and none may be: that is the point)."""

    deps: Deps
    channel: str
    external_id: str  # the sender on the channel: reads join their identity
    user_id: int | None  # their user, when this process remembers them
    reads: Reads  # the engine's cached reads (a question most chats answer "no" to)
    sessions: SessionFactory  # for the exact reads, on a read-only session

    async def read(self, query: CatalogQuery[T]) -> T:
        return await ask_read_only(self.sessions, query)


Fetch = Callable[[Fetching], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class BoundFetch:
    """A step's or an action's fetch with what it fetches for (the answer, the button's
    argument): the routes of two reads of a chat that would fetch the same compare equal."""

    fetch: Callable[[Fetching, Any], Awaitable[object]]
    arg: Any

    async def __call__(self, fetching: Fetching) -> object:
        return await self.fetch(fetching, self.arg)


@dataclass(frozen=True, slots=True)
class Fetched:
    """Which fetch ran before the transaction (None: none did) and what it gave: the
    engine fetches again when the chat, read in the transaction, wants another."""

    fetch: Fetch | None
    result: object = None


NOTHING_FETCHED = Fetched(None)
