"""The booking state machine of DESIGN.md, in one table.

``decide`` is pure: given the current state, an action and who acts, it returns the
next state or raises. Services apply the result, write the audit record and emit events.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.errors import IllegalTransition, InvalidValue, NotAllowed


class BookingState(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    CONFIRMED = "confirmed"
    DELIVERED = "delivered"
    PAYMENT_DUE = "payment_due"
    COMPLETED = "completed"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    DISPUTED = "disputed"


class Action(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    EXPIRE = "expire"
    CANCEL = "cancel"
    PAY_DEPOSIT = "pay_deposit"
    MARK_DELIVERED = "mark_delivered"
    PAY_BALANCE = "pay_balance"
    BALANCE_FAILED = "balance_failed"
    DISPUTE = "dispute"
    RESOLVE = "resolve"
    # The client takes the provider's counter-proposal (another date or price): the
    # request is accepted on the new terms (core/booking/proposals.py moves them first).
    ACCEPT_PROPOSAL = "accept_proposal"


class Role(StrEnum):
    CLIENT = "client"
    PROVIDER = "provider"
    ADMIN = "admin"
    SYSTEM = "system"


S, A = BookingState, Action

# States in which the booking holds its slot and can still move.
ACTIVE_STATES: frozenset[BookingState] = frozenset(
    {S.REQUESTED, S.ACCEPTED, S.CONFIRMED, S.DELIVERED, S.PAYMENT_DUE, S.DISPUTED}
)
# States whose booking occupies its time in the calendar: a completed booking's event took
# place, so its day stays taken (issue 14), as its seat in ``slot_holds`` does.
HOLDING_STATES: frozenset[BookingState] = ACTIVE_STATES | {S.COMPLETED}
# Leaving for one of these releases the slot; a completed booking keeps its day.
RELEASING_STATES: frozenset[BookingState] = frozenset({S.DECLINED, S.EXPIRED, S.CANCELLED})
TERMINAL_STATES: frozenset[BookingState] = frozenset(
    {S.COMPLETED, S.DECLINED, S.EXPIRED, S.CANCELLED}
)

TRANSITIONS: dict[tuple[BookingState, Action], BookingState] = {
    (S.REQUESTED, A.ACCEPT): S.ACCEPTED,
    (S.REQUESTED, A.ACCEPT_PROPOSAL): S.ACCEPTED,
    (S.REQUESTED, A.DECLINE): S.DECLINED,
    (S.REQUESTED, A.EXPIRE): S.EXPIRED,
    (S.REQUESTED, A.CANCEL): S.CANCELLED,
    (S.ACCEPTED, A.PAY_DEPOSIT): S.CONFIRMED,
    (S.ACCEPTED, A.EXPIRE): S.EXPIRED,
    (S.ACCEPTED, A.CANCEL): S.CANCELLED,
    (S.CONFIRMED, A.MARK_DELIVERED): S.DELIVERED,
    (S.CONFIRMED, A.CANCEL): S.CANCELLED,
    (S.DELIVERED, A.PAY_BALANCE): S.COMPLETED,
    (S.DELIVERED, A.BALANCE_FAILED): S.PAYMENT_DUE,
    (S.PAYMENT_DUE, A.PAY_BALANCE): S.COMPLETED,
}
for _state in ACTIVE_STATES - {S.DISPUTED}:
    TRANSITIONS[(_state, A.DISPUTE)] = S.DISPUTED

# Who may take each action besides an admin (admins may take any, with a reason).
ALLOWED_ROLES: dict[Action, frozenset[Role]] = {
    A.ACCEPT: frozenset({Role.PROVIDER}),
    A.DECLINE: frozenset({Role.PROVIDER}),
    A.MARK_DELIVERED: frozenset({Role.PROVIDER}),
    A.CANCEL: frozenset({Role.CLIENT, Role.PROVIDER}),
    A.EXPIRE: frozenset({Role.SYSTEM}),
    A.PAY_DEPOSIT: frozenset({Role.SYSTEM}),
    A.PAY_BALANCE: frozenset({Role.SYSTEM}),
    A.BALANCE_FAILED: frozenset({Role.SYSTEM}),
    A.DISPUTE: frozenset({Role.SYSTEM}),
    A.RESOLVE: frozenset(),
    A.ACCEPT_PROPOSAL: frozenset({Role.CLIENT}),
}
# Actions whose reason is required whoever acts.
REASON_REQUIRED: frozenset[Action] = frozenset({A.DECLINE, A.DISPUTE, A.RESOLVE})


@dataclass(frozen=True, slots=True)
class Decision:
    source: BookingState
    target: BookingState
    action: Action
    role: Role
    reason: str | None

    @property
    def releases_slot(self) -> bool:
        return self.source in ACTIVE_STATES and self.target in RELEASING_STATES


def decide(
    state: BookingState,
    action: Action,
    role: Role,
    *,
    reason: str | None = None,
    resolve_to: BookingState | None = None,
) -> Decision:
    """Return the transition ``action`` makes from ``state``, or raise why it can't."""
    reason = (reason or "").strip() or None
    if role is not Role.ADMIN and role not in ALLOWED_ROLES[action]:
        raise NotAllowed("action_not_allowed_for_role", action=action.value, role=role.value)
    if role is Role.ADMIN and reason is None:
        raise InvalidValue("admin_reason_required", action=action.value)
    if action in REASON_REQUIRED and reason is None:
        raise InvalidValue("reason_required", action=action.value)
    if action is A.RESOLVE:
        if state is not S.DISPUTED:
            raise IllegalTransition("illegal_transition", state=state.value, action=action.value)
        if resolve_to is None or resolve_to is S.DISPUTED:
            raise InvalidValue("resolve_target_required")
        return Decision(state, resolve_to, action, role, reason)
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise IllegalTransition("illegal_transition", state=state.value, action=action.value)
    return Decision(state, target, action, role, reason)
