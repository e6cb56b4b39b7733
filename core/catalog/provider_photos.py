"""A provider's own photos: checked, kept with a thumbnail in the photo store, listed on
the profile (``providers.photos``, shown first to last)."""

from __future__ import annotations

from sqlalchemy import select

from core.catalog.photo_checks import as_kept
from core.catalog.photo_store import PhotoStore, photo_name
from core.db.tables import Provider
from core.errors import InvalidValue, NotFound
from core.uow import UnitOfWork

MAX_PHOTOS = 10  # what a Telegram album holds


async def add_photo(uow: UnitOfWork, user_id: int, data: bytes, store: PhotoStore) -> int:
    """Keep the photo for the provider ``user_id`` runs; returns how many they now have.

    The file is written before the row changes: a failed transaction leaves an unused
    file (named by its content, so a retry reuses it), never a row without its file."""
    provider = await _owned(uow, user_id)
    if len(provider.photos) >= MAX_PHOTOS:
        raise InvalidValue("too_many_photos", max=MAX_PHOTOS)
    photo, thumbnail = as_kept(data)
    url = await store.save(photo_name(provider.id, photo), photo, thumbnail)
    if url not in provider.photos:
        provider.photos = [*provider.photos, url]  # a new list: the JSON column sees it
    return len(provider.photos)


async def keep_proof_photo(uow: UnitOfWork, user_id: int, data: bytes, store: PhotoStore) -> str:
    """A photo sent as proof of delivery: checked and kept as profile photos are (same
    store, same names, so the route serves it), but not shown on the profile; its URL."""
    provider = await _owned(uow, user_id)
    photo, thumbnail = as_kept(data)
    return await store.save(photo_name(provider.id, photo), photo, thumbnail)


async def remove_photo(uow: UnitOfWork, user_id: int, index: int) -> None:
    """Take the ``index``-th photo off the profile. Its file stays: deleting it before the
    commit could leave a listed photo without its file if the commit failed."""
    provider = await _owned(uow, user_id)
    if not 0 <= index < len(provider.photos):
        raise NotFound("photo_not_found")
    provider.photos = [u for i, u in enumerate(provider.photos) if i != index]


async def _owned(uow: UnitOfWork, user_id: int) -> Provider:
    provider = await uow.session.scalar(
        select(Provider).where(Provider.user_id == user_id).with_for_update()
    )
    if provider is None:
        raise NotFound("provider_account_missing")
    return provider
