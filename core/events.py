"""Domain events: facts recorded by services, turned into messages by the notifier."""

from __future__ import annotations

from dataclasses import dataclass

from core.booking.states import Action, BookingState, Role

# Past-tense event names, stable: they key notifications and the outbox.
EVENT_NAMES: dict[Action, str] = {
    Action.ACCEPT: "booking_accepted",
    Action.DECLINE: "booking_declined",
    Action.EXPIRE: "booking_expired",
    Action.CANCEL: "booking_cancelled",
    Action.PAY_DEPOSIT: "deposit_paid",
    Action.MARK_DELIVERED: "booking_delivered",
    Action.PAY_BALANCE: "balance_paid",
    Action.BALANCE_FAILED: "balance_failed",
    Action.DISPUTE: "booking_disputed",
    Action.RESOLVE: "dispute_resolved",
    Action.ACCEPT_PROPOSAL: "proposal_accepted",
}


@dataclass(frozen=True, slots=True)
class BookingRequested:
    booking_id: int
    name: str = "booking_requested"


@dataclass(frozen=True, slots=True)
class BookingStateChanged:
    booking_id: int
    source: BookingState
    target: BookingState
    action: Action
    role: Role
    reason: str | None
    amount_minor: int | None = None

    @property
    def name(self) -> str:
        return EVENT_NAMES[self.action]


@dataclass(frozen=True, slots=True)
class ProposalMade:
    """The provider proposed another date or price for a request (the client answers)."""

    booking_id: int
    proposal_id: int
    name: str = "proposal_made"


@dataclass(frozen=True, slots=True)
class ProposalRefused:
    """The client kept the request as it was and refused the provider's proposal."""

    booking_id: int
    proposal_id: int
    name: str = "proposal_refused"


@dataclass(frozen=True, slots=True)
class RefusalExplained:
    """The client who refused a proposal said why (the provider hears it)."""

    booking_id: int
    proposal_id: int
    name: str = "proposal_refusal_explained"


DomainEvent = (
    BookingRequested | BookingStateChanged | ProposalMade | ProposalRefused | RefusalExplained
)
