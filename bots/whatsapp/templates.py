"""Approved WhatsApp templates for news sent outside the 24-hour window.

``MOUNASABET_TWILIO_TEMPLATES`` maps a notification to an approved ContentSid. Keys, most
specific first: ``provider.booking_cancelled:fr`` (one audience's copy), ``booking_cancelled:fr``,
``provider.booking_cancelled``, ``booking_cancelled`` (any language: better a French
template than silence). A value is ``"HX…"`` or ``{"sid": "HX…", "variables": [...]}``
naming what fills ``{{1}}``, ``{{2}}``…; the default is ``["ref", "provider"]``.

A payment link survives the closed window two ways: ``link`` (the whole URL) or
``link_path`` (what follows the host, for a URL button whose template holds
``https://host/{{n}}``: WhatsApp lets only a URL's end vary), and the full message with
its link goes too, once the person writes again (``FOLLOWED_IN_SESSION``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.tables import Booking, OutboxMessage, Provider, Service
from core.payments.links import pending_checkout_in
from dialogs import labels
from dialogs.framework.errors import state_label
from dialogs.i18n.translator import Translator, translator
from dialogs.notifications.payment_news import LINKED

VARIABLES = (
    "ref",
    "provider",
    "service",
    "date",
    "deposit",
    "total",
    "reason",
    "state",
    "event",
    "link",
    "link_path",
)
# News whose template cannot hold everything (a link to pay): the full message follows as
# soon as the person opens the window again.
FOLLOWED_IN_SESSION = frozenset({"booking_accepted", "balance_failed", "balance_reminder"})
DEFAULT_VARIABLES = ("ref", "provider")
MAX_VALUE = 200
MAX_LINK = 1000  # a Checkout URL runs long; cut, it would open nothing
# WhatsApp refuses template parameters with new lines, tabs or more than 4 spaces in a row.
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Template:
    sid: str
    variables: tuple[str, ...] = DEFAULT_VARIABLES


def parse_templates(raw: Mapping[str, str | Mapping[str, Any]]) -> dict[str, Template]:
    """Read the setting; a mistake fails at start-up, not when a message is due."""
    book: dict[str, Template] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            template = Template(value)
        else:
            names = tuple(str(v) for v in value.get("variables", DEFAULT_VARIABLES))
            template = Template(str(value.get("sid", "")), names)
        if not template.sid.startswith("HX"):
            raise ValueError(f"MOUNASABET_TWILIO_TEMPLATES[{key!r}]: a ContentSid starts with HX")
        unknown = set(template.variables) - set(VARIABLES)
        if unknown:
            raise ValueError(
                f"MOUNASABET_TWILIO_TEMPLATES[{key!r}]: unknown variables {sorted(unknown)}; "
                f"known: {', '.join(VARIABLES)}"
            )
        book[key] = template
    return book


class TemplateBook:
    def __init__(self, raw: Mapping[str, str | Mapping[str, Any]]) -> None:
        self.templates = parse_templates(raw)

    def find(self, kind: str, audience: str | None, locale: str) -> Template | None:
        keys = [f"{kind}:{locale}", kind]
        if audience:
            keys = [f"{audience}.{kind}:{locale}", keys[0], f"{audience}.{kind}", kind]
        for key in keys:
            if key in self.templates:
                return self.templates[key]
        return None

    async def variables(
        self, session: AsyncSession, template: Template, outbox_id: int, locale: str
    ) -> dict[str, str] | None:
        """ContentVariables for the message's booking; None when it has no booking."""
        row = await session.get(OutboxMessage, outbox_id)
        booking = None if row is None else await session.get(Booking, row.payload.get("booking_id"))
        if row is None or booking is None:
            return None
        t = translator(locale)
        provider = await session.get(Provider, booking.provider_id)
        service = await session.get(Service, booking.service_id)
        values = _values(booking, provider, service, row.payload, t)
        link = await _link(session, booking, row.kind)
        values |= {"link": link, "link_path": _path(link)}
        return {
            str(i): _clean(values[name], MAX_LINK if name.startswith("link") else MAX_VALUE)
            for i, name in enumerate(template.variables, 1)
        }


def _values(
    booking: Booking,
    provider: Provider | None,
    service: Service | None,
    payload: Mapping[str, Any],
    t: Translator,
) -> dict[str, str]:
    return {
        "ref": booking.reference,
        "provider": t.pick(provider.name) if provider else "",
        "service": t.pick(service.title) if service else "",
        "date": t.date(booking.event_date),
        "deposit": t.money(booking.deposit_minor, booking.currency),
        "total": t.money(booking.total_minor, booking.currency),
        "reason": str(payload.get("reason") or ""),
        "state": state_label(booking.state, t),
        "event": labels.event(booking.event_type, t),
    }


async def _link(session: AsyncSession, booking: Booking, kind: str) -> str:
    """The payment link the news is about, while the booking still owes it (the outbox
    worker made or reused it just before: core/payments/links.py)."""
    state, payment_kind = LINKED.get(kind, (None, None))
    if state is None or payment_kind is None or booking.state != state:
        return ""
    found = await pending_checkout_in(session, booking.id, payment_kind)
    return found.url if found else ""


def _path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")) if url else ""


def _clean(value: str, most: int) -> str:
    text = _SPACES.sub(" ", value).strip()[:most]
    return text or "—"  # an empty parameter is refused
