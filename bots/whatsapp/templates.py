"""Approved WhatsApp templates for news sent outside the 24-hour window.

``MOUNASABET_TWILIO_TEMPLATES`` maps a notification to an approved ContentSid. Keys, most
specific first: ``provider.booking_cancelled:fr`` (one audience's copy), ``booking_cancelled:fr``,
``provider.booking_cancelled``, ``booking_cancelled`` (any language: better a French
template than silence). A value is ``"HX…"`` or ``{"sid": "HX…", "variables": [...]}``
naming what fills ``{{1}}``, ``{{2}}``…; the default is ``["ref", "provider"]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.tables import Booking, OutboxMessage, Provider, Service
from dialogs import labels
from dialogs.framework.errors import state_label
from dialogs.i18n.translator import Translator, translator

VARIABLES = ("ref", "provider", "service", "date", "deposit", "total", "reason", "state", "event")
DEFAULT_VARIABLES = ("ref", "provider")
MAX_VALUE = 200
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
        return {str(i): _clean(values[name]) for i, name in enumerate(template.variables, 1)}


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


def _clean(value: str) -> str:
    text = _SPACES.sub(" ", value).strip()[:MAX_VALUE]
    return text or "—"  # an empty parameter is refused
