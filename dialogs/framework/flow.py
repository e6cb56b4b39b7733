"""Flows as explicit step tables, and what a step can answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dialogs.framework.replies import Reply

if TYPE_CHECKING:
    from dialogs.framework.context import Ctx


@dataclass(frozen=True, slots=True)
class Answer:
    """What the user did: pressed a button (``code``), typed ``text`` or shared a contact."""

    code: str | None = None
    text: str | None = None
    contact_phone: str | None = None

    @property
    def is_text(self) -> bool:
        return self.code is None and self.text is not None


@dataclass(frozen=True, slots=True)
class Go:
    """Move to ``step`` (of ``flow``, default the current one) and prompt it."""

    step: str
    flow: str | None = None
    before: tuple[Reply, ...] = ()  # said before the next prompt
    reset: bool = False  # forget the flow's answers and the Back history


@dataclass(frozen=True, slots=True)
class Invalid:
    """Stay on this step: say why (already translated) and ask again."""

    reason: str


@dataclass(frozen=True, slots=True)
class Show:
    """Say these replies and stay where we are without re-prompting."""

    replies: tuple[Reply, ...]


Outcome = Go | Invalid | Show
Prompt = Callable[["Ctx"], Awaitable[Reply]]
Handler = Callable[["Ctx", Answer], Awaitable[Outcome]]


@dataclass(frozen=True, slots=True)
class Step:
    prompt: Prompt
    answer: Handler


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    first: str
    steps: dict[str, Step] = field(default_factory=dict)
    # Where Cancel leads: the main menu unless a flow says otherwise.
    on_cancel: tuple[str, str] = ("menu", "main")
