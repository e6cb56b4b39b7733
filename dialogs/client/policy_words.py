"""The cancellation policy and the deposit, in plain words, before the client confirms
a request (issue 14): "full refund up to 30 days before, half up to 7 days before"."""

from __future__ import annotations

from datetime import datetime

from core.booking.policy import CancellationPolicy, PolicyTier
from core.booking.states import Role
from core.money import Money
from dialogs.i18n.translator import Translator

FULL, HALF = 10_000, 5_000


def _tier(tier: PolicyTier, t: Translator) -> str:
    n = tier.min_days_before
    if n == 0:
        if tier.refund_bp == 0:
            return t("nothing after that")
        return t("{share} refunded after that", share=share(tier.refund_bp))
    if tier.refund_bp == FULL:
        return t.plural("full refund up to {n} day before", "full refund up to {n} days before", n)
    if tier.refund_bp == HALF:
        return t.plural(
            "half refunded up to {n} day before", "half refunded up to {n} days before", n
        )
    return t.plural(
        "{share} refunded up to {n} day before",
        "{share} refunded up to {n} days before",
        n,
        share=share(tier.refund_bp),
    )


def policy_words(policy: CancellationPolicy, t: Translator) -> str:
    """One sentence for the tiers, one for a cancellation by the provider."""
    terms = t.join(_tier(tier, t) for tier in policy.tiers)
    return (
        t("If you cancel: {terms}.", terms=terms)
        + " "
        + t("If the provider cancels, everything you paid is refunded.")
    )


def refund_today(
    policy: CancellationPolicy, deposit: Money, event_start: datetime, now: datetime, t: Translator
) -> str | None:
    """What cancelling today would give back of the deposit, when the event is already past
    the policy's most generous tier: a request for next week is refunded nothing if
    cancelled, and the client should read that before paying, not on the cancel screen."""
    best = policy.tiers[0].refund_bp if policy.tiers else 0
    refund_bp = policy.refund_bp(event_start=event_start, cancelled_at=now, by=Role.CLIENT)
    if refund_bp >= best:
        return None
    return t(
        "If you cancelled today, after paying the deposit, you would get back {back} of {deposit}.",
        back=t.money(deposit.percent_bp(refund_bp).amount, deposit.currency),
        deposit=t.money(deposit.amount, deposit.currency),
    )


def deposit_reason(deposit_bp: int, t: Translator) -> str:
    return t(
        "Why a deposit of {share}: it holds the date for you, and the provider turns other "
        "clients away for it. The rest is paid after the event.",
        share=share(deposit_bp),
    )


def share(basis_points: int) -> str:
    """A share in basis points as whole percent, e.g. ``50 %`` (no ``%`` in any msgid)."""
    return f"{basis_points // 100} %"
