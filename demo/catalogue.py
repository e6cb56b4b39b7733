"""The demo catalogue, read from ``demo/data/*.yaml`` and checked against the market's
words (categories, cities, languages, event types) before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from core.booking.quote import PricingModel
from core.catalog.vocabulary import CATEGORIES, CITIES, EVENT_TYPES, LANGUAGES
from demo.model import PersonSpec, ProviderSpec, ServiceSpec, Text, Window

DATA = Path(__file__).resolve().parent / "data"
# One file per trade, in this order: the order decides ids and the booking plan.
PROVIDER_FILES = ("photo", "video", "caterers", "pastry", "venues", "music", "negafa", "decor")


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Everything the demo seeds, and the words its bookings use."""

    providers: tuple[ProviderSpec, ...]
    admin: PersonSpec
    clients: tuple[PersonSpec, ...]
    domain: str  # of every demo e-mail address: a reserved TLD, no mail ever leaves
    category_events: dict[str, tuple[str, ...]]  # when a service names none; repeats weigh
    places: dict[str, tuple[str, ...]]  # per city, for services that come to the client
    notes: dict[str, tuple[str, ...]]  # a few words from the client, per language
    decline_reasons: tuple[str, ...]
    client_cancel_reasons: tuple[str, ...]
    provider_cancel_reason: str


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue, read once per process."""
    return load_catalogue(DATA)


def load_catalogue(folder: Path) -> Catalogue:
    """Read and check the catalogue in ``folder``; ValueError names what is wrong."""
    hours = {name: _windows(w) for name, w in _read(folder / "hours.yaml").items()}
    people = _read(folder / "people.yaml")
    domain = people["domain"]
    words = _read(folder / "bookings.yaml")
    providers = tuple(
        _provider(raw, hours)
        for name in PROVIDER_FILES
        for raw in _read(folder / "providers" / f"{name}.yaml")
    )
    cat = Catalogue(
        providers=providers,
        admin=_person(people["admin"], domain),
        clients=tuple(_person(p, domain) for p in people["clients"]),
        domain=domain,
        category_events=_tuples(words["category_events"]),
        places=_tuples(words["places"]),
        notes=_tuples(words["notes"]),
        decline_reasons=tuple(words["decline_reasons"]),
        client_cancel_reasons=tuple(words["client_cancel_reasons"]),
        provider_cancel_reason=words["provider_cancel_reason"],
    )
    check(cat)
    return cat


def check(cat: Catalogue) -> None:
    """Fail fast (at seed time and in tests) if the demo data breaks its own rules."""
    slugs = [p.slug for p in cat.providers]
    if len(slugs) != len(set(slugs)):
        raise ValueError("duplicate demo provider slug")
    for p in cat.providers:
        bad = (
            set(p.cities) - set(CITIES)
            or set(p.categories) - set(CATEGORIES)
            or set(p.languages) - set(LANGUAGES)
            or {e for s in p.services for e in s.events} - set(EVENT_TYPES)
        )
        if bad or not 1 <= len(p.services) <= 3:
            raise ValueError(f"bad demo provider {p.slug}: {bad or 'services'}")
        if any(c not in cat.places for c in p.cities):
            raise ValueError(f"no demo places for a city of {p.slug}")
    if set(cat.category_events) != set(CATEGORIES):
        raise ValueError("category_events must cover every category")


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def _text(raw: dict[str, str]) -> Text:
    return Text(ar=raw["ar"], fr=raw["fr"], en=raw["en"])


def _windows(raw: list[dict[str, Any]]) -> tuple[Window, ...]:
    # One "HH:MM-HH:MM" string per window: YAML reads a bare 10:00 as a number (600).
    windows: list[Window] = []
    for w in raw:
        start, end = (time.fromisoformat(part) for part in w["hours"].split("-"))
        windows.append((tuple(w["days"]), start, end))
    return tuple(windows)


def _service(raw: dict[str, Any]) -> ServiceSpec:
    fields = dict(raw)
    return ServiceSpec(
        **{
            **fields,
            "title": _text(fields["title"]),
            "description": _text(fields["description"]),
            "pricing": PricingModel(fields["pricing"]),
            "events": tuple(fields.get("events", ())),
        }
    )


def _provider(raw: dict[str, Any], hours: dict[str, tuple[Window, ...]]) -> ProviderSpec:
    fields = dict(raw)
    if fields["hours"] not in hours:
        raise ValueError(f"bad demo provider {fields['slug']}: hours {fields['hours']}")
    policy = fields.pop("policy", None)
    return ProviderSpec(
        **{
            **fields,
            "name": _text(fields["name"]),
            "description": _text(fields["description"]),
            "cities": tuple(fields["cities"]),
            "languages": tuple(fields["languages"]),
            "windows": hours[fields["hours"]],
            "services": tuple(_service(s) for s in fields["services"]),
            "policy": (
                tuple((t["min_days_before"], t["refund_bp"]) for t in policy) if policy else None
            ),
        }
    )


def _person(raw: dict[str, str], domain: str) -> PersonSpec:
    return PersonSpec(raw["key"], raw["display_name"], raw["locale"], f"{raw['email']}@{domain}")


def _tuples(raw: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {key: tuple(values) for key, values in raw.items()}
