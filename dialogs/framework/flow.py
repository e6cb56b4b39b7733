"""Flows as explicit step tables, and what a step can answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dialogs.framework.replies import Reply

if TYPE_CHECKING:
    from dialogs.framework.context import Ctx
    from dialogs.framework.fetching import Fetching


# Why an attachment came without a photo: not a picture, past the size we fetch, or the
# channel could not hand it over.
ATTACHMENT_NOT_PHOTO = "not_photo"
ATTACHMENT_TOO_BIG = "too_big"
ATTACHMENT_UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class Answer:
    """What the user did: pressed a button (``code``), typed ``text``, shared a contact
    or sent a ``photo`` (or another ``attachment``, one of ATTACHMENT_*)."""

    code: str | None = None
    text: str | None = None
    contact_phone: str | None = None
    photo: bytes | None = None
    attachment: str | None = None

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


@dataclass(frozen=True, slots=True)
class Remind:
    """Stay on this step: say this (already translated) above its question, asked again.
    For help: on WhatsApp the numbers then still name this step's options."""

    text: str


Outcome = Go | Invalid | Show | Remind
Prompt = Callable[["Ctx"], Awaitable[Reply]]
Handler = Callable[["Ctx", Answer], Awaitable[Outcome]]
# Network IO an answer or an action needs, run before its transaction (fetching.py).
AnswerFetch = Callable[["Fetching", Answer], Awaitable[object]]
ArgFetch = Callable[["Fetching", str], Awaitable[object]]


def never(_: object) -> bool:
    return False


def always(_: object) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Access:
    """A step's declared path, which the engine reads before it runs anything
    (dialogs/framework/fast_path.py). What is declared to read runs on a context without a
    unit of work, so a step that writes there fails loudly instead of writing."""

    shows_only: bool  # the prompt only reads (through ctx.reads)
    # Which answers only read and lead only to screens whose prompt only reads.
    reads_only: Callable[[Answer], bool]
    # Which answers read, and write only what they hand over as ``ctx.journal_write`` (a
    # booking request, checked and written with the chat's state in the journal's batch:
    # core/conversations/journal.py); lead only to screens whose prompt only reads.
    writes_in_journal: Callable[[Answer], bool] = never


WRITES = Access(shows_only=False, reads_only=never)  # all of it in a transaction
READS = Access(shows_only=True, reads_only=always)  # navigation through the catalog
SHOWS = Access(shows_only=True, reads_only=never)  # a screen that reads; its answers write


def reads_on(test: Callable[[Answer], bool]) -> Access:
    """A step whose prompt only reads, as do the answers ``test`` picks."""
    return Access(shows_only=True, reads_only=test)


@dataclass(frozen=True, slots=True)
class Step:
    prompt: Prompt
    answer: Handler
    access: Access  # declared, never guessed: see Access
    # What is typed here is content for clients (a business name, a service's title in
    # the language the form names), not words to us: its script says nothing of the
    # language to answer in (dialogs/framework/reply_language.py).
    content: bool = False
    # Fetched before the transaction of an answer that writes, as ``ctx.fetched``.
    fetch: AnswerFetch | None = None


@dataclass(frozen=True, slots=True)
class Action:
    """A /command or a button valid on any screen, with its declared path."""

    run: Callable[[Ctx, str], Awaitable[Outcome]]
    reads_only: Callable[[str], bool]  # for which arguments it only reads
    # For which arguments it writes nothing but what a first contact's user is created
    # with (core.people.users.NEW_USER_FIELDS: a deep link's source): on a first contact
    # that takes the read-only path too, and the journal creates the user with it.
    sets_new_user: Callable[[str], bool] = never
    # Fetched before its transaction, when it writes, as ``ctx.fetched`` (fetching.py).
    fetch: ArgFetch | None = None
    # For which arguments it reads, and writes only what it hands over as
    # ``ctx.journal_write`` (a provider's answer: core/booking/provider_answer.py), as
    # Access.writes_in_journal; in a transaction (a refused write's retry) it writes itself.
    writes_in_journal: Callable[[str], bool] = never


def reading(
    run: Callable[[Ctx, str], Awaitable[Outcome]],
    when: Callable[[str], bool] = always,
    *,
    new_user: Callable[[str], bool] = never,
) -> Action:
    return Action(run, when, new_user)


def writing(
    run: Callable[[Ctx, str], Awaitable[Outcome]], *, fetch: ArgFetch | None = None
) -> Action:
    return Action(run, never, fetch=fetch)


def journaled(
    run: Callable[[Ctx, str], Awaitable[Outcome]], *, fetch: ArgFetch | None = None
) -> Action:
    """An action whose one write goes in the chat journal's batch (Action.writes_in_journal);
    ``fetch``: what its transaction needs first, when it runs in one."""
    return Action(run, never, fetch=fetch, writes_in_journal=always)


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    first: str
    steps: dict[str, Step] = field(default_factory=dict)
    # Where Cancel leads: the main menu unless a flow says otherwise.
    on_cancel: tuple[str, str] = ("menu", "main")
    # Its Mermaid diagram, which the engine holds each step's moves to (diagrams.py).
    diagram: Path | None = None
