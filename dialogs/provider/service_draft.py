"""A service being written or changed in the chat: a JSON-safe draft kept in the dialog
state (it must survive a restart), and its conversion to core's ``ServiceSpec``."""

from __future__ import annotations

from typing import Any

from core.booking.policy import PolicyPreset
from core.booking.quote import PricingModel
from core.catalog.service_rules import ServiceSpec

# The editor's questions, in the order a new service asks them (step names too).
FIELDS = (
    "category",
    "title",
    "description",
    "pricing",
    "price",
    "deposit",
    "duration",
    "capacity",
    "guests",
    "notice",
    "buffer",
    "policy",
)
Draft = dict[str, Any]


def draft_of(spec: ServiceSpec) -> Draft:
    return {
        "category": spec.category,
        "title": dict(spec.title),
        "description": dict(spec.description),
        "pricing": spec.pricing.value,
        "price": spec.price_minor,
        "deposit": spec.deposit_bp,
        "duration": spec.duration_minutes,
        "capacity": spec.daily_capacity,
        "guests": [spec.min_guests, spec.max_guests],
        "notice": spec.min_notice_hours,
        "buffer": spec.buffer_minutes,
        "policy": spec.policy.value,
    }


def spec_from(draft: Draft) -> ServiceSpec | None:
    """The service the draft describes, or None while a question is unanswered."""
    if any(name not in draft for name in FIELDS):
        return None
    low, high = draft["guests"]
    return ServiceSpec(
        category=draft["category"],
        title=draft["title"],
        description=draft["description"],
        pricing=PricingModel(draft["pricing"]),
        price_minor=int(draft["price"]),
        deposit_bp=int(draft["deposit"]),
        duration_minutes=draft["duration"],
        daily_capacity=int(draft["capacity"]),
        min_guests=low,
        max_guests=high,
        min_notice_hours=int(draft["notice"]),
        buffer_minutes=int(draft["buffer"]),
        policy=PolicyPreset(draft["policy"]),
    )


def next_field(draft: Draft) -> str | None:
    """The first question a new service has not answered yet."""
    return next((name for name in FIELDS if name not in draft), None)


def pricing_of(draft: Draft) -> PricingModel:
    return PricingModel(draft.get("pricing", PricingModel.FIXED.value))
