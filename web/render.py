"""The site's Jinja2 environment and the wording helpers its templates call.

Templates translate through the chat's own ``Translator`` (``t("...")``, ``plural(...)``)
and Babel catalogs, so one string has one translation on the site and in the bots;
``python -m dialogs.i18n.extract`` reads ``t`` and ``_`` calls in ``web/templates``.
Autoescaping is on: provider names and descriptions are shown as typed, never as markup.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from core.booking.policy import PolicyTier
from core.catalog.site_catalog import ServiceTerms
from dialogs import labels
from dialogs.client.prices import price_text
from dialogs.i18n.translator import Translator
from dialogs.labels import LANGUAGE_NAMES, notice_text

WEB_DIR = Path(__file__).parent
TEMPLATES = WEB_DIR / "templates"
STATIC = WEB_DIR / "static"
STYLESHEET = "site/site.css"


@cache
def environment() -> Environment:
    """Built on first use (never at import), then shared: templates compile once."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates change with a deploy, not while serving: no stat() of each template
        # file (and its base) on every page to see whether to compile it again.
        auto_reload=False,
    )
    env.globals |= {
        "category_label": labels.category,
        "city_label": labels.city,
        "city_list": lambda codes, t: t.join(labels.city(c, t) for c in codes),
        "language_name": LANGUAGE_NAMES.get,
        "price_text": price_text,
        "price_note": price_note,
        "duration_text": duration_text,
        "guests_text": guests_text,
        "notice_text": notice_text,
        "tier_text": tier_text,
        "share": share,
    }
    return env


@cache
def stylesheet_url() -> str:
    """The stylesheet's address with its content hash: cached for a year, never stale."""
    digest = hashlib.sha256((STATIC / STYLESHEET).read_bytes()).hexdigest()[:10]
    return f"/static/{STYLESHEET}?v={digest}"


def price_note(service: ServiceTerms, t: Translator) -> str:
    """What the price means, in a sentence."""
    if service.pricing_model == "per_guest":
        return t("The total is this price times the number of guests.")
    if service.pricing_model == "per_hour":
        return t("The total is this price times the hours booked.")
    if service.days > 1:
        return t("One price for the whole service ({days} days).", days=service.days)
    return t("One price for the whole service.")


def duration_text(service: ServiceTerms, t: Translator) -> str:
    if service.duration_minutes is None:
        return t("the whole day")
    hours, minutes = divmod(service.duration_minutes, 60)
    if minutes:
        return t("{hours} h {minutes} min", hours=hours, minutes=minutes)
    return t.plural("{n} hour", "{n} hours", hours)


def guests_text(service: ServiceTerms, t: Translator) -> str | None:
    low, high = service.min_guests or 0, service.max_guests or 0
    if low and high:
        return t("From {min} to {max} guests", min=t.number(low), max=t.number(high))
    if low:
        return t("At least {min} guests", min=t.number(low))
    if high:
        return t("Up to {max} guests", max=t.number(high))
    return None


def tier_text(tier: PolicyTier, t: Translator) -> str:
    """One line of the cancellation policy, as the client would cancel."""
    if tier.min_days_before == 0:
        if tier.refund_bp == 0:
            return t("Cancelled later: nothing is refunded.")
        return t(
            "Cancelled later: {share} of what you paid is refunded.", share=share(tier.refund_bp)
        )
    return t.plural(
        "Cancelled {n} day or more before the event: {share} of what you paid is refunded.",
        "Cancelled {n} days or more before the event: {share} of what you paid is refunded.",
        tier.min_days_before,
        share=share(tier.refund_bp),
    )


def share(basis_points: int) -> str:
    """A share in basis points as whole percent, e.g. ``50 %`` (no ``%`` in any msgid)."""
    return f"{basis_points // 100} %"


def iso(day: date) -> str:
    return day.isoformat()
