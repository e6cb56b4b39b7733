"""What a step sees: the user, the state, the unit of work, the clock, the translator."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, cast

from core.booking.availability import MAX_DAYS_AHEAD
from core.catalog.vocabulary import MARKET_TZ
from core.db.tables import User
from core.payments.ports import Payments
from core.uow import UnitOfWork
from dialogs.framework.replies import Button, Reply
from dialogs.framework.state import DialogState
from dialogs.i18n.translator import Translator, translator
from dialogs.nlu.model import NluParser

if TYPE_CHECKING:
    from dialogs.framework.reads import Reads


@dataclass(frozen=True, slots=True)
class Deps:
    """Long-lived collaborators, built once by the composition root."""

    nlu: NluParser
    public_url: str = "http://127.0.0.1:8080"
    payments: Payments | None = None  # None: payments are off (tests of other features)
    max_days_ahead: int = MAX_DAYS_AHEAD  # the booking horizon (a setting)


class NeedsTransaction(Exception):
    """A step run without a transaction reached for one: the engine runs it again inside."""


class PaymentsNeedTransaction:
    """Stands for the payment gateway while a step runs without a transaction: a step
    that reaches for it is about to charge or refund, so it runs in one first."""

    def __getattr__(self, name: str) -> object:
        raise NeedsTransaction

    def __bool__(self) -> bool:
        raise NeedsTransaction


def without_transaction(deps: Deps) -> Deps:
    """The collaborators a step sees when it runs without a transaction."""
    if deps.payments is None:
        return deps
    return replace(deps, payments=cast(Payments, PaymentsNeedTransaction()))


@dataclass
class Ctx:
    """One update's view. ``uow`` is None while the engine tries the step without a
    transaction (navigation and reads): reaching for it then raises NeedsTransaction and
    the engine runs the update again in a transaction, so steps may simply use it."""

    _uow: UnitOfWork | None
    user: User
    state: DialogState
    now: datetime
    deps: Deps
    channel: str
    reads: Reads
    external_id: str = ""  # the sender's id on the channel (for joining identities)
    extra_replies: list[Reply] = field(default_factory=list)

    @property
    def uow(self) -> UnitOfWork:
        if self._uow is None:
            raise NeedsTransaction
        return self._uow

    @property
    def in_transaction(self) -> bool:
        return self._uow is not None

    @property
    def t(self) -> Translator:
        return translator(self.user.locale)

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
        meta = {"locale": self.user.locale}
        return Reply(text, rows, rtl=self.t.rtl, meta=meta, **kwargs)  # type: ignore[arg-type]


def global_button(label: str, code: str) -> Button:
    """A button valid on any screen; what it names is checked against the database."""
    return Button(label, f"g|{code}")
