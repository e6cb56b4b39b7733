"""A provider's own profile, read and changed from their bot: every field the onboarding
asked, checked by the same rules. Only the account's owner reaches it (by user id)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from sqlalchemy import delete, select

from core.catalog.provider_profile import ProviderProfile, provider_profile
from core.catalog.provider_registration import clean_bio, clean_choice, clean_name
from core.catalog.vocabulary import LANGUAGES
from core.db.tables import Provider, ProviderCategory, ProviderCity, User
from core.errors import InvalidValue, NotFound
from core.people.users import normalize_phone, prove_phone
from core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class OwnProfile:
    """What the profile editor shows; plain data."""

    id: int
    slug: str
    status: str
    name: str
    bio: Mapping[str, str]
    categories: tuple[str, ...]
    cities: tuple[str, ...]
    languages: tuple[str, ...]
    photos: tuple[str, ...]
    phone: str | None


async def own_profile(uow: UnitOfWork, user_id: int) -> OwnProfile | None:
    """The profile of the provider ``user_id`` runs, whatever its status; None if none."""
    provider = await _find(uow, user_id)
    if provider is None:
        return None
    session = uow.session
    categories = set(
        (
            await session.scalars(
                select(ProviderCategory.category).where(ProviderCategory.provider_id == provider.id)
            )
        ).all()
    )
    cities = set(
        (
            await session.scalars(
                select(ProviderCity.city).where(ProviderCity.provider_id == provider.id)
            )
        ).all()
    )
    phone = await session.scalar(select(User.phone_e164).where(User.id == user_id))
    return OwnProfile(
        id=provider.id,
        slug=provider.slug,
        status=provider.status,
        name=_one_name(provider.name),
        bio=MappingProxyType({k: str(v) for k, v in provider.description.items() if v}),
        categories=tuple(sorted(categories)),
        cities=tuple(sorted(cities)),
        languages=tuple(str(code) for code in provider.languages),
        photos=tuple(str(url) for url in provider.photos),
        phone=phone,
    )


async def own_preview(uow: UnitOfWork, user_id: int, *, now: datetime) -> ProviderProfile | None:
    """The provider's profile as clients see it (or will, once verified)."""
    provider = await _find(uow, user_id)
    if provider is None:
        return None
    return await provider_profile(uow.session, provider.id, now=now, any_status=True)


async def rename(uow: UnitOfWork, user_id: int, text: str) -> None:
    provider = await _owned(uow, user_id)
    provider.name = dict.fromkeys(LANGUAGES, clean_name(text))


async def set_bio(uow: UnitOfWork, user_id: int, language: str, text: str) -> None:
    """The description in ``language``; an empty text removes it, unless it is the last."""
    if language not in LANGUAGES:
        raise InvalidValue("unknown_choice")
    provider = await _owned(uow, user_id)
    bio = {k: v for k, v in provider.description.items() if v}
    if text.strip():
        bio[language] = clean_bio(text)
    else:
        bio.pop(language, None)
        if not bio:
            raise InvalidValue("bio_required")
    provider.description = bio  # a new dict: the JSON column sees the change


async def set_choice(uow: UnitOfWork, user_id: int, kind: str, codes: Iterable[str]) -> None:
    """The provider's categories, cities or languages (``kind`` as in VOCABULARIES)."""
    chosen = clean_choice(kind, codes)
    provider = await _owned(uow, user_id)
    session = uow.session
    if kind == "language":
        provider.languages = list(chosen)
    elif kind == "category":
        await session.execute(
            delete(ProviderCategory).where(ProviderCategory.provider_id == provider.id)
        )
        session.add_all(ProviderCategory(provider_id=provider.id, category=c) for c in chosen)
    else:
        await session.execute(delete(ProviderCity).where(ProviderCity.provider_id == provider.id))
        session.add_all(ProviderCity(provider_id=provider.id, city=c) for c in chosen)
    await session.flush()


async def change_phone(uow: UnitOfWork, user: User, raw_phone: str) -> None:
    """A number the channel proved to be the sender's becomes the account's phone."""
    await _owned(uow, user.id)
    if not await prove_phone(uow, user, normalize_phone(raw_phone)):
        raise InvalidValue("phone_taken")


async def _find(uow: UnitOfWork, user_id: int) -> Provider | None:
    return await uow.session.scalar(select(Provider).where(Provider.user_id == user_id))


async def _owned(uow: UnitOfWork, user_id: int) -> Provider:
    provider = await _find(uow, user_id)
    if provider is None:
        raise NotFound("provider_account_missing")
    return provider


def _one_name(names: Mapping[str, object]) -> str:
    for code in ("fr", "en", "ar"):
        if names.get(code):
            return str(names[code])
    return next((str(v) for v in names.values() if v), "")
