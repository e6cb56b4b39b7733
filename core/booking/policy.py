"""Cancellation policy: how much of what was paid goes back, by who cancels and when.

"Days before" are calendar days in the market's time zone: the event's local start date
minus the local date of the cancellation. Cancelling at any hour on 10 June for an event
on 10 July is 30 days before; from 11 June it is 29. Counting 24-hour periods instead
would make the answer depend on the hour and on Morocco's clock changes around Ramadan
(30 calendar days can be 29 d 23 h of UTC). Once the event has started no tier applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any

from core.booking.states import Role
from core.catalog.vocabulary import MARKET_TZ
from core.errors import InvalidValue
from core.money import Money


@dataclass(frozen=True, slots=True)
class PolicyTier:
    min_days_before: int  # applies when the event is at least this many local days away
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
        days_before = calendar_days_before(event_start, cancelled_at)
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


def calendar_days_before(event_start: datetime, at: datetime, tz: tzinfo = MARKET_TZ) -> int:
    """Local calendar days from ``at`` to the event's start day; -1 once it has started."""
    if at > event_start:
        return -1
    return (event_start.astimezone(tz).date() - at.astimezone(tz).date()).days


class PolicyPreset(StrEnum):
    """The policies a provider picks from for a service (the editor offers no free tiers:
    clients compare providers more easily when there are few kinds)."""

    FLEXIBLE = "flexible"
    MODERATE = "moderate"
    STRICT = "strict"


def preset_policy(preset: PolicyPreset) -> CancellationPolicy:
    """The tiers of a preset; ``moderate`` is the marketplace's default."""
    if preset is PolicyPreset.FLEXIBLE:
        return CancellationPolicy((PolicyTier(7, 10_000), PolicyTier(2, 5_000), PolicyTier(0, 0)))
    if preset is PolicyPreset.STRICT:
        return CancellationPolicy((PolicyTier(60, 10_000), PolicyTier(30, 5_000), PolicyTier(0, 0)))
    return CancellationPolicy.default()


def preset_of(policy: CancellationPolicy) -> PolicyPreset | None:
    """Which preset ``policy`` is, or None for tiers set some other way (an import)."""
    return next((p for p in PolicyPreset if preset_policy(p) == policy), None)
