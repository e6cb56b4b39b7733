"""The booking state machine, checked exhaustively: every state x action x role.

The expected table is written out here from DESIGN.md, independently of the code's
own table, so a transition added or dropped by mistake in core shows up as a failure.
"""

from __future__ import annotations

import itertools

import pytest

from core.booking.states import (
    ACTIVE_STATES,
    RELEASING_STATES,
    TERMINAL_STATES,
    TRANSITIONS,
    Action,
    BookingState,
    Role,
    decide,
)
from core.errors import IllegalTransition, InvalidValue, NotAllowed

S, A = BookingState, Action

# From the diagram in DESIGN.md ("Booking state machine").
LEGAL: dict[tuple[BookingState, Action], BookingState] = {
    (S.REQUESTED, A.ACCEPT): S.ACCEPTED,
    # the client takes the provider's counter-proposal (issue 13)
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
    # any active state --admin/dispute--> disputed
    (S.REQUESTED, A.DISPUTE): S.DISPUTED,
    (S.ACCEPTED, A.DISPUTE): S.DISPUTED,
    (S.CONFIRMED, A.DISPUTE): S.DISPUTED,
    (S.DELIVERED, A.DISPUTE): S.DISPUTED,
    (S.PAYMENT_DUE, A.DISPUTE): S.DISPUTED,
}

# Who may press which button (an admin may do anything, but must say why).
ROLES: dict[Action, set[Role]] = {
    A.ACCEPT: {Role.PROVIDER},
    A.DECLINE: {Role.PROVIDER},
    A.MARK_DELIVERED: {Role.PROVIDER},
    A.CANCEL: {Role.CLIENT, Role.PROVIDER},
    A.EXPIRE: {Role.SYSTEM},
    A.PAY_DEPOSIT: {Role.SYSTEM},
    A.PAY_BALANCE: {Role.SYSTEM},
    A.BALANCE_FAILED: {Role.SYSTEM},
    A.DISPUTE: {Role.SYSTEM},
    A.RESOLVE: set(),
    A.ACCEPT_PROPOSAL: {Role.CLIENT},
}
NEEDS_REASON = {A.DECLINE, A.DISPUTE, A.RESOLVE}

ALL = list(itertools.product(BookingState, Action, Role))


def _id(case: tuple[BookingState, Action, Role]) -> str:
    return "-".join(x.value for x in case)


def test_code_table_is_the_design_table() -> None:
    assert dict(TRANSITIONS) == LEGAL


def test_state_sets() -> None:
    assert S.DISPUTED in ACTIVE_STATES
    assert S.COMPLETED not in ACTIVE_STATES | RELEASING_STATES
    assert {S.DECLINED, S.EXPIRED, S.CANCELLED} == RELEASING_STATES
    assert RELEASING_STATES | {S.COMPLETED} == TERMINAL_STATES
    # Nothing leaves a terminal state except through an admin's resolve (not possible:
    # resolve starts from disputed only).
    assert not any(src in TERMINAL_STATES for src, _ in LEGAL)


@pytest.mark.parametrize("case", ALL, ids=[_id(c) for c in ALL])
def test_every_state_action_role(case: tuple[BookingState, Action, Role]) -> None:
    state, action, role = case
    allowed = role is Role.ADMIN or role in ROLES[action]
    if not allowed:
        # Authorisation comes first: a forged button learns nothing about the state.
        with pytest.raises(NotAllowed):
            decide(state, action, role, reason="because", resolve_to=S.CONFIRMED)
        return
    if action is A.RESOLVE:
        if state is S.DISPUTED:
            decision = decide(state, action, role, reason="settled", resolve_to=S.CONFIRMED)
            assert decision.target is S.CONFIRMED
        else:
            with pytest.raises(IllegalTransition):
                decide(state, action, role, reason="settled", resolve_to=S.CONFIRMED)
        return
    if (state, action) in LEGAL:
        decision = decide(state, action, role, reason="because")
        assert decision.source is state
        assert decision.target is LEGAL[(state, action)]
        assert decision.action is action
        assert decision.role is role
        assert decision.reason == "because"
        assert decision.releases_slot == (decision.target in RELEASING_STATES)
    else:
        with pytest.raises(IllegalTransition):
            decide(state, action, role, reason="because")


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("reason", [None, "", "   \n"])
def test_admin_must_give_a_reason(action: Action, reason: str | None) -> None:
    state = S.DISPUTED if action is A.RESOLVE else S.REQUESTED
    with pytest.raises(InvalidValue) as info:
        decide(state, action, Role.ADMIN, reason=reason, resolve_to=S.CONFIRMED)
    assert info.value.key == "admin_reason_required"


@pytest.mark.parametrize(
    ("state", "action", "role"),
    [
        (S.REQUESTED, A.DECLINE, Role.PROVIDER),
        (S.CONFIRMED, A.DISPUTE, Role.SYSTEM),
    ],
)
@pytest.mark.parametrize("reason", [None, "", "  "])
def test_reason_required(
    state: BookingState, action: Action, role: Role, reason: str | None
) -> None:
    with pytest.raises(InvalidValue) as info:
        decide(state, action, role, reason=reason)
    assert info.value.key == "reason_required"


def test_reason_is_stripped_and_optional_elsewhere() -> None:
    assert decide(S.REQUESTED, A.DECLINE, Role.PROVIDER, reason="  busy ").reason == "busy"
    assert decide(S.REQUESTED, A.ACCEPT, Role.PROVIDER).reason is None
    assert decide(S.REQUESTED, A.CANCEL, Role.CLIENT, reason="  ").reason is None


@pytest.mark.parametrize("target", [s for s in BookingState if s is not S.DISPUTED])
def test_resolve_goes_to_the_named_state(target: BookingState) -> None:
    decision = decide(S.DISPUTED, A.RESOLVE, Role.ADMIN, reason="call", resolve_to=target)
    assert (decision.source, decision.target) == (S.DISPUTED, target)
    assert decision.releases_slot == (target in RELEASING_STATES)


@pytest.mark.parametrize("target", [None, S.DISPUTED])
def test_resolve_needs_a_real_target(target: BookingState | None) -> None:
    with pytest.raises(InvalidValue) as info:
        decide(S.DISPUTED, A.RESOLVE, Role.ADMIN, reason="call", resolve_to=target)
    assert info.value.key == "resolve_target_required"


@pytest.mark.parametrize("state", [s for s in BookingState if s is not S.DISPUTED])
def test_resolve_only_from_disputed(state: BookingState) -> None:
    with pytest.raises(IllegalTransition):
        decide(state, A.RESOLVE, Role.ADMIN, reason="call", resolve_to=S.CONFIRMED)


@pytest.mark.parametrize("role", [Role.CLIENT, Role.PROVIDER, Role.SYSTEM])
def test_only_admin_resolves(role: Role) -> None:
    with pytest.raises(NotAllowed):
        decide(S.DISPUTED, A.RESOLVE, role, reason="call", resolve_to=S.CONFIRMED)


def test_errors_carry_translation_keys() -> None:
    with pytest.raises(IllegalTransition) as info:
        decide(S.COMPLETED, A.CANCEL, Role.CLIENT)
    assert info.value.key == "illegal_transition"
    assert info.value.params == {"state": "completed", "action": "cancel"}
    with pytest.raises(NotAllowed) as denied:
        decide(S.REQUESTED, A.ACCEPT, Role.CLIENT)
    assert denied.value.params == {"action": "accept", "role": "client"}
