"""The site's calls to action: deep links into the bots that carry where the visit came from.

A link opens the client bot on the page's provider or search, and its payload's source
names the page and the visit's ``utm_source`` / ``utm_campaign``:
``p-studio-nour-rabat__s-site-prov-instagram-ramadan`` (``dialogs.client.deeplinks`` reads it).
Telegram takes at most 64 characters of ``A-Za-z0-9_-`` after ``?start=``, so the source
is cut to what the provider's slug leaves; a WhatsApp ``wa.me`` code is the same payload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from core.settings import Settings
from dialogs.client.deeplinks import MAX_LEN, DeepLink

SITE = "site"
# How a page is named in a source: short, so the campaign keeps room in 64 characters.
PAGES = {"home": "home", "directory": "dir", "provider": "prov", "faq": "faq"}
UTM_PART_MAX = 24
_NOT_TOKEN = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Visit:
    """Where the visitor came from: the first utm_* values seen (query or cookie)."""

    utm_source: str = ""
    utm_campaign: str = ""

    @classmethod
    def read(cls, query: dict[str, str], cookie: str | None) -> Visit:
        """The query's utm values, or else those kept in the cookie by an earlier page."""
        if query.get("utm_source") or query.get("utm_campaign"):
            return cls(_token(query.get("utm_source", "")), _token(query.get("utm_campaign", "")))
        source, _, campaign = (cookie or "").partition(".")
        return cls(_token(source), _token(campaign))

    @property
    def cookie(self) -> str:
        return f"{self.utm_source}.{self.utm_campaign}" if self else ""

    def __bool__(self) -> bool:
        return bool(self.utm_source or self.utm_campaign)

    def source(self, page: str) -> str:
        parts = [SITE, PAGES.get(page, page), self.utm_source, self.utm_campaign]
        return "-".join(p for p in parts if p)


def _token(value: str) -> str:
    """Lower-case letters and digits joined by single hyphens: no ``__`` (our separator)."""
    return _NOT_TOKEN.sub("-", value.lower()).strip("-")[:UTM_PART_MAX].strip("-")


def payload(
    *,
    visit: Visit,
    page: str,
    provider: str | None = None,
    category: str | None = None,
    city: str | None = None,
) -> str:
    """The deep-link payload, the source shortened to fit Telegram's 64 characters."""
    if provider is not None and len(f"p-{provider}") > MAX_LEN:
        provider = None  # slugs go up to 80: such a link opens the bot's menu instead
    # A long slug leaves no room for the page's filters: the provider's profile is what the
    # link opens, so the city goes first, then the category.
    while (city or category) and len(
        DeepLink(provider=provider, category=category, city=city).encode_unchecked()
    ) > MAX_LEN:
        city, category = (None, category) if city else (None, None)
    target = DeepLink(provider=provider, category=category, city=city).encode()
    room = MAX_LEN - len(target) - (len("__s-") if target else len("s-"))
    source = visit.source(page)[: max(room, 0)].rstrip("-")
    if not source:  # a slug of 60+ characters leaves no room: the provider matters more
        return target
    return DeepLink(provider=provider, category=category, city=city, source=source).encode()


@dataclass(frozen=True, slots=True)
class Channels:
    """Which bots the site can open; a channel left out has no button."""

    telegram_username: str | None = None
    whatsapp_number: str | None = None  # digits only, as wa.me wants them
    sandbox: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Channels:
        number = None
        if settings.whatsapp_enabled and settings.twilio_whatsapp_from:
            number = re.sub(r"\D", "", settings.twilio_whatsapp_from) or None
        return cls(
            telegram_username=settings.telegram_client_username,
            whatsapp_number=number,
            sandbox=settings.sandbox_on,
        )

    @property
    def any_chat(self) -> bool:
        return bool(self.telegram_username or self.whatsapp_number)


@dataclass(frozen=True, slots=True)
class CallToAction:
    kind: str  # telegram | whatsapp | sandbox
    url: str


def calls_to_action(channels: Channels, code: str) -> list[CallToAction]:
    """The buttons for one payload: Telegram and WhatsApp when configured; without either,
    the local sandbox on the same payload when it runs."""
    found: list[CallToAction] = []
    if channels.telegram_username:
        url = f"https://t.me/{channels.telegram_username}"
        found.append(CallToAction("telegram", f"{url}?start={code}" if code else url))
    if channels.whatsapp_number:
        url = f"https://wa.me/{channels.whatsapp_number}"
        found.append(CallToAction("whatsapp", f"{url}?text={quote(code)}" if code else url))
    if not found and channels.sandbox:
        found.append(CallToAction("sandbox", "/sandbox?" + urlencode({"start": code})))
    return found
