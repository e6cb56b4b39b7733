"""Cancellation policy: how much of what was paid goes back, by who cancels and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.domain.booking_states import Role
from core.domain.money import Money
from core.errors import InvalidValue


@dataclass(frozen=True, slots=True)
class PolicyTier:
    min_days_before: int  # applies when the event is at least this many days away
    refund_bp: int


@dataclass(frozen=True, slots=True)
class CancellationPolicy:
    """Tiers sorted from the most generous (furthest from the event) down."""

    tiers: tuple[PolicyTier, ...]

    @classmethod
    def default(cls) -> CancellationPolicy:
        return cls((PolicyTier(30, 10_000), PolicyTier(7, 5_000), PolicyTier(0, 0)))

    @classmethod
    def from_json(cls, data: list[dict[str, Any]] | None) -> CancellationPolicy:
        if not data:
            return cls.default()
        tiers = tuple(PolicyTier(int(t["min_days_before"]), int(t["refund_bp"])) for t in data)
        for t in tiers:
            if t.min_days_before < 0 or not 0 <= t.refund_bp <= 10_000:
                raise InvalidValue("bad_policy_tier")
        return cls(tuple(sorted(tiers, key=lambda t: -t.min_days_before)))

    def to_json(self) -> list[dict[str, int]]:
        return [
            {"min_days_before": t.min_days_before, "refund_bp": t.refund_bp} for t in self.tiers
        ]

    def refund_bp(self, *, event_start: datetime, cancelled_at: datetime, by: Role) -> int:
        """Share of the amount paid to give back, in basis points."""
        if by in (Role.PROVIDER, Role.SYSTEM):
            return 10_000
        days_before = (event_start - cancelled_at).total_seconds() / 86_400
        for tier in self.tiers:
            if days_before >= tier.min_days_before:
                return tier.refund_bp
        return 0

    def refund(
        self, *, paid: Money, event_start: datetime, cancelled_at: datetime, by: Role
    ) -> Money:
        return paid.percent_bp(
            self.refund_bp(event_start=event_start, cancelled_at=cancelled_at, by=by)
        )
