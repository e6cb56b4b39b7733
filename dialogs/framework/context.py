"""What a step sees: the user, the state, the unit of work, the clock, the translator."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, cast

from core.booking.availability import MAX_DAYS_AHEAD
from core.calendar_sync.imports import DEFAULT_HORIZON_DAYS
from core.calendar_sync.ports import CalendarFetcher
from core.catalog.photo_store import PhotoStore
from core.catalog.search_tally import SearchTally
from core.catalog.vocabulary import MARKET_TZ
from core.conversations.journal import ExtraWrite
from core.deadlines import Deadlines
from core.payments.links import PaymentLinks
from core.payments.ports import Payments
from core.rows import User
from core.uow import UnitOfWork
from dialogs.framework.replies import Button, Reply
from dialogs.framework.state import DialogState
from dialogs.i18n.translator import Translator, translator
from dialogs.nlu.model import NluParser

DEADLINES = Deadlines()  # the defaults; settings may change them

if TYPE_CHECKING:
    from dialogs.framework.reads import Reads


@dataclass(frozen=True, slots=True)
class Deps:
    """Long-lived collaborators, built once by the composition root."""

    nlu: NluParser
    public_url: str = "http://127.0.0.1:8080"
    payments: Payments | None = None  # None: payments are off (tests of other features)
    max_days_ahead: int = MAX_DAYS_AHEAD  # the booking horizon (a setting)
    # How long a provider has to answer, a client to pay the deposit... (settings).
    deadlines: Deadlines = DEADLINES
    searches: SearchTally | None = None  # counts the searches for the dashboard
    calendars: CalendarFetcher | None = None  # None: importing calendars is off
    calendar_horizon_days: int = DEFAULT_HORIZON_DAYS  # imported busy time kept this far
    photos: PhotoStore | None = None  # None: providers' photos are not taken (tests of others)
    payment_links: PaymentLinks | None = None  # makes "Pay"'s link before its transaction


class NoPaymentsWhenReading:
    """Stands for the payment gateway on the read-only path: a step declared to only read
    that reaches for it is declared wrongly, and fails (the engine logs it and apologises)
    instead of charging without a transaction."""

    def __getattr__(self, name: str) -> object:
        raise AttributeError(f"payments.{name}: a step declared read-only reached for payments")

    def __bool__(self) -> bool:
        raise TypeError("a step declared read-only asked whether payments are on")


def without_transaction(deps: Deps) -> Deps:
    """The collaborators a step declared read-only sees."""
    if deps.payments is None:
        return deps
    return replace(deps, payments=cast(Payments, NoPaymentsWhenReading()))


@dataclass
class Ctx:
    """One update's view. ``uow`` is None on the read-only path, which the engine takes
    only for what is declared to read (flow.Access): reaching for it there is a wrong
    declaration and raises AttributeError, which the engine logs with an apology."""

    _uow: UnitOfWork | None
    user: User
    state: DialogState
    now: datetime
    deps: Deps
    channel: str
    reads: Reads
    external_id: str = ""  # the sender's id on the channel (for joining identities)
    extra_replies: list[Reply] = field(default_factory=list)
    # This update's replies speak the message's language rather than the chosen one
    # (reply_language.py, issue 14); the chosen language itself is unchanged.
    locale_override: str | None = None
    # What the step's declared fetch brought before its transaction (fetching.py), if it
    # has one and it ran: a head start the step checks against what it reads.
    fetched: object = None
    # On the read-only path, the one write a step declared (flow.Access.writes_in_journal:
    # a booking request, a provider's answer), made with the chat's state in the
    # journal's batch, after this update's screens are read: what it moves (booking id:
    # its state before and after) they show moved.
    journal_write: ExtraWrite | None = None
    moved: dict[int, tuple[str, str]] = field(default_factory=dict)
    # Set by a step on the read-only path that finds it must write more than it declared
    # (an Accept whose provider's calendar is read again first): nothing it did is kept,
    # and the update runs in a transaction instead.
    needs_transaction: bool = False

    @property
    def uow(self) -> UnitOfWork:
        if self._uow is None:
            raise AttributeError("uow: this step runs on the read-only path (flow.Access)")
        return self._uow

    @property
    def in_transaction(self) -> bool:
        return self._uow is not None

    @property
    def locale(self) -> str:
        """The language of this update's replies."""
        return self.locale_override or self.user.locale

    @property
    def t(self) -> Translator:
        return translator(self.locale)

    @property
    def today(self) -> date:
        return self.now.astimezone(MARKET_TZ).date()

    def button(self, label: str, code: str) -> Button:
        """A button bound to the current screen (stale once the screen changes)."""
        return Button(label, f"{self.state.seq:x}|{code}")

    def nav_row(self, *, back: bool = True, cancel: bool = True) -> tuple[Button, ...]:
        row = []
        if back:
            row.append(self.button("« " + self.t("Back"), "nav:back"))
        if cancel:
            row.append(self.button("✖ " + self.t("Cancel"), "nav:cancel"))
        return tuple(row)

    def reply(
        self, text: str, buttons: list[tuple[Button, ...]] | None = None, **kwargs: object
    ) -> Reply:
        rows = tuple(row for row in (buttons or []) if row)
        meta = {"locale": self.locale}
        return Reply(text, rows, rtl=self.t.rtl, meta=meta, **kwargs)  # type: ignore[arg-type]


def global_button(label: str, code: str) -> Button:
    """A button valid on any screen; what it names is checked against the database."""
    return Button(label, f"g|{code}")
