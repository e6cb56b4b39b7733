"""Becoming a provider from the chat: the answers checked one by one, then a pending
account made of them, which an admin verifies (`mounasabet-admin providers verify`)."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, count
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.catalog.vocabulary import CATEGORIES, CITIES, LANGUAGES, MARKET_TIMEZONE
from core.db.tables import Provider, ProviderCategory, ProviderCity, ProviderStatus, User, UserRole
from core.errors import IllegalTransition, InvalidValue
from core.uow import UnitOfWork

NAME_LENGTH = (2, 80)
BIO_LENGTH = (20, 600)
MAX_CATEGORIES = 3
SLUG_LENGTH = 60
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# Each vocabulary a provider picks from, by the name the errors give it.
VOCABULARIES: Mapping[str, tuple[str, ...]] = {
    "category": CATEGORIES,
    "city": CITIES,
    "language": LANGUAGES,
}


@dataclass(frozen=True, slots=True)
class Registration:
    """What the onboarding asked, each answer already checked by the functions below."""

    name: str
    categories: tuple[str, ...]
    cities: tuple[str, ...]
    languages: tuple[str, ...]
    bio: Mapping[str, str]  # per language: one or more of ar, fr, en


def clean_name(text: str) -> str:
    name = " ".join(text.split())
    if not NAME_LENGTH[0] <= len(name) <= NAME_LENGTH[1]:
        raise InvalidValue("business_name_length", min=NAME_LENGTH[0], max=NAME_LENGTH[1])
    return name


def clean_bio(text: str) -> str:
    bio = text.strip()
    if not BIO_LENGTH[0] <= len(bio) <= BIO_LENGTH[1]:
        raise InvalidValue("bio_length", min=BIO_LENGTH[0], max=BIO_LENGTH[1], n=len(bio))
    return bio


def clean_choice(kind: str, codes: Iterable[str]) -> tuple[str, ...]:
    """Codes of one vocabulary, in its order, at least one (categories: at most three)."""
    vocabulary = VOCABULARIES[kind]
    chosen = set(codes)
    if not chosen <= set(vocabulary):
        raise InvalidValue("unknown_choice")
    if not chosen:
        raise InvalidValue(f"{kind}_required")
    if kind == "category" and len(chosen) > MAX_CATEGORIES:
        raise InvalidValue("too_many_categories", max=MAX_CATEGORIES)
    return tuple(code for code in vocabulary if code in chosen)


def clean_bios(bio: Mapping[str, str]) -> dict[str, str]:
    kept = {code: clean_bio(text) for code, text in bio.items() if text.strip()}
    if not kept:
        raise InvalidValue("bio_required")
    if not set(kept) <= set(LANGUAGES):
        raise InvalidValue("unknown_choice")
    return kept


async def register_provider(
    uow: UnitOfWork, user: User, answers: Registration, *, now: datetime
) -> Provider:
    """A pending provider owned by ``user``, whose proven phone is the account's contact."""
    if user.phone_e164 is None:
        raise InvalidValue("provider_phone_required")
    session = uow.session
    if await session.scalar(select(Provider.id).where(Provider.user_id == user.id)):
        raise IllegalTransition("already_provider")
    name = clean_name(answers.name)
    row = {
        "user_id": user.id,
        # A business has one name: every language shows it as it was written.
        "name": dict.fromkeys(LANGUAGES, name),
        "description": clean_bios(answers.bio),
        "languages": list(clean_choice("language", answers.languages)),
        "photos": [],
        "status": ProviderStatus.PENDING.value,
        "timezone": MARKET_TIMEZONE,
        "cancellation_policy": None,
        "calendar_token": secrets.token_hex(20),
        "created_at": now,
    }
    provider = await session.get_one(Provider, await _insert_with_free_slug(uow, name, row))
    session.add_all(
        ProviderCategory(provider_id=provider.id, category=c)
        for c in clean_choice("category", answers.categories)
    )
    session.add_all(
        ProviderCity(provider_id=provider.id, city=c) for c in clean_choice("city", answers.cities)
    )
    user.role = UserRole.PROVIDER.value
    await session.flush()
    return provider


def slug_of(name: str) -> str:
    """The name in lower-case ASCII words joined by '-' ("Dār Laila" -> "dar-laila")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_name.lower()).strip("-")[:SLUG_LENGTH].strip("-")


async def _insert_with_free_slug(uow: UnitOfWork, name: str, row: dict[str, Any]) -> int:
    """Insert the provider under the first free slug; its id.

    Two people registering the same name at once both read the slug as free: each
    candidate is inserted with ON CONFLICT DO NOTHING, so the unique index decides and the
    later one (PostgreSQL waits for the other's commit) moves on to the next number.
    """
    session = uow.session
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for slug in await slug_candidates(uow, name):
        provider_id = await session.scalar(
            insert(Provider)
            .values(slug=slug, **row)
            .on_conflict_do_nothing(index_elements=["slug"])
            .returning(Provider.id)
        )
        if provider_id is not None:
            return int(provider_id)
    raise AssertionError("slug_candidates is endless")  # pragma: no cover


async def slug_candidates(uow: UnitOfWork, name: str) -> Iterator[str]:
    """Slugs to try, best first: the name's, then numbered past those taken; a name with
    no Latin letter (Arabic) gets "provider" numbered."""
    base = slug_of(name) or "provider"
    taken = set(
        (
            await uow.session.scalars(select(Provider.slug).where(Provider.slug.like(f"{base}%")))
        ).all()
    )
    first = () if base in taken else (base,)
    numbered = (f"{base}-{n}" for n in count(2) if f"{base}-{n}" not in taken)
    return chain(first, numbered)
