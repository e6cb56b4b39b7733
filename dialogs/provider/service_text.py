"""What the services editor says: labels of pricing models and policy presets, the
explanation of each refused answer, and a service as its provider reviews it."""

from __future__ import annotations

from collections.abc import Mapping

from core.booking.policy import PolicyPreset, preset_policy
from core.booking.quote import PricingModel
from core.catalog.service_rules import Problem, ServiceSpec
from dialogs import labels
from dialogs.i18n.translator import N_, Translator

PRICING_LABELS: dict[str, str] = {
    PricingModel.FIXED: N_("Fixed price"),
    PricingModel.PER_GUEST: N_("Price per guest"),
    PricingModel.PER_HOUR: N_("Price per hour"),
}
PRICE_UNITS: dict[str, str] = {
    PricingModel.FIXED: "",
    PricingModel.PER_GUEST: N_("per guest"),
    PricingModel.PER_HOUR: N_("per hour"),
}
PRESET_LABELS: dict[str, str] = {
    PolicyPreset.FLEXIBLE: N_("Flexible"),
    PolicyPreset.MODERATE: N_("Moderate"),
    PolicyPreset.STRICT: N_("Strict"),
}
PROBLEMS: dict[str, str] = {
    "service_bad_category": N_("Please choose a category from the list."),
    "service_text_missing": N_("Please write it in at least one language."),
    "service_text_length": N_("Please write between {min} and {max} characters."),
    "service_price_too_low": N_("The price must be at least {min_money}."),
    "service_price_too_high": N_(
        "That is more than a service on Mounasabet can cost with this pricing: at most"
        " {max_money}. Please check the number of zeros."
    ),
    "service_deposit_range": N_("The deposit must be between {min} % and {max} % of the price."),
    "service_hourly_needs_duration": N_(
        "An hourly price needs a duration: a full day can't be priced by the hour."
    ),
    "service_duration_range": N_("The duration must be between {min} minutes and {max} hours."),
    "service_capacity_range": N_("Please give a number of events per day between 1 and {max}."),
    "service_guests_range": N_("Guest numbers must be between 1 and {max}."),
    "service_guests_order": N_("The smallest number of guests must come first, e.g. 50-300."),
    "service_notice_range": N_("The notice can be at most {max} days."),
    "service_buffer_range": N_("The break between events can be at most {max} hours."),
}
FIELD_LABELS: dict[str, str] = {
    "category": N_("Category"),
    "title": N_("Title"),
    "description": N_("Description"),
    "pricing": N_("Pricing"),
    "price": N_("Price"),
    "deposit": N_("Deposit"),
    "duration": N_("Duration"),
    "capacity": N_("Events per day"),
    "guests": N_("Guests"),
    "notice": N_("Minimum notice"),
    "buffer": N_("Break between events"),
    "policy": N_("Cancellation"),
}


def problem_text(problem: Problem, t: Translator) -> str:
    params: dict[str, object] = dict(problem.params)
    for key in ("min_minor", "max_minor"):
        if key in params:
            params[key.replace("minor", "money")] = t.money(int(problem.params[key]))
    return t(PROBLEMS.get(problem.key, N_("Sorry, that did not work. Please try again.")), **params)


def price_text(pricing: str, minor: int, t: Translator) -> str:
    unit = PRICE_UNITS.get(pricing, "")
    return t.money(minor) + (" " + t(unit) if unit else "")


def duration_text(minutes: int | None, t: Translator) -> str:
    if minutes is None:
        return t("Full day")
    hours, rest = divmod(minutes, 60)
    if not rest:
        return t.plural("{n} hour", "{n} hours", hours)
    if not hours:
        return t.plural("{n} minute", "{n} minutes", rest)
    return t("{h} h {m} min", h=hours, m=f"{rest:02d}")


def guests_text(low: int | None, high: int | None, t: Translator) -> str:
    if low is None and high is None:
        return t("No limit")
    if low is None:
        return t("Up to {max}", max=t.number(high or 0))
    if high is None:
        return t("At least {min}", min=t.number(low))
    return t("{min} to {max}", min=t.number(low), max=t.number(high))


def policy_text(preset: str, t: Translator) -> str:
    """ "Moderate: 100 % back if cancelled 30 days or more before, 50 % if cancelled 7 days
    or more before, nothing later." (as the site words the same tiers, web/render.py)"""
    tiers = preset_policy(PolicyPreset(preset)).tiers
    parts = [
        t.plural(
            "{percent} % back if cancelled {n} day or more before",
            "{percent} % back if cancelled {n} days or more before",
            tier.min_days_before,
            percent=tier.refund_bp // 100,
        )
        for tier in tiers
        if tier.refund_bp
    ]
    parts.append(t("nothing later"))
    return t(PRESET_LABELS[preset]) + ": " + t.join(parts)


def texts_text(texts: Mapping[str, str]) -> str:
    """One line a language; "—" for none (a service stored before descriptions were asked)."""
    lines = [f"  {labels.LANGUAGE_NAMES[k]}: {v}" for k, v in texts.items() if v]
    return "\n".join(lines) or "  —"


def service_card(spec: ServiceSpec, t: Translator, *, active: bool | None) -> str:
    """The whole service, one line a field; ``active`` None for one not saved yet."""
    status = {None: t("Not saved yet"), True: t("On offer"), False: t("Paused")}[active]
    lines = [
        t.pick(spec.title) + " — " + status,
        t("Category") + ": " + labels.category(spec.category, t),
        t("Title") + ":\n" + texts_text(spec.title),
        t("Description") + ":\n" + texts_text(spec.description),
        t("Price") + ": " + price_text(spec.pricing, spec.price_minor, t),
        t("Deposit") + ": " + t.isolate(f"{spec.deposit_bp // 100} %"),
        t("Duration") + ": " + duration_text(spec.duration_minutes, t),
        t("Events per day") + ": " + t.number(spec.daily_capacity),
        t("Guests") + ": " + guests_text(spec.min_guests, spec.max_guests, t),
        t("Minimum notice") + ": " + labels.notice_text(spec.min_notice_hours, t),
        t("Break between events") + ": " + duration_text(spec.buffer_minutes, t)
        if spec.buffer_minutes
        else t("Break between events") + ": " + t("none"),
        t("Cancellation") + ": " + policy_text(spec.policy, t),
    ]
    return "\n".join(lines)
