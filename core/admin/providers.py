"""Providers seen from the admin side: list, read, verify, suspend, reinstate.

A suspended provider leaves search and the site (both show only ``active`` providers).
Suspending never moves money: requests nobody paid for are declined (the client is told
and pointed to other providers), and bookings holding the client's money are listed, and
flagged, for an admin to decide one by one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select

from core.admin.audit import Operator, record
from core.admin.operators import admin_actor
from core.admin.paging import Page, iso, one_of
from core.booking.actions import apply_action
from core.booking.states import Action, BookingState
from core.calendar_sync.export import feed_address
from core.catalog.provider_news import tell_provider
from core.catalog.vocabulary import CATEGORIES, CITIES
from core.db.tables import (
    Booking,
    Provider,
    ProviderCategory,
    ProviderCity,
    ProviderStatus,
    Service,
)
from core.errors import IllegalTransition, InvalidValue, NotFound
from core.support.tickets import raise_flag
from core.uow import UnitOfWork

# Said to the client whose request is declined (translated when the news is rendered; the
# decline message itself invites them to look for another provider).
SUSPENDED_REASON = "This provider is not taking bookings on Mounasabet at the moment."
UNPAID = (BookingState.REQUESTED.value, BookingState.ACCEPTED.value)
HOLDING_MONEY = (
    BookingState.CONFIRMED.value,
    BookingState.DELIVERED.value,
    BookingState.PAYMENT_DUE.value,
    BookingState.DISPUTED.value,
)


def provider_row(provider: Provider) -> dict[str, Any]:
    return {
        "id": provider.id,
        "slug": provider.slug,
        "name": provider.name.get("fr") or provider.name.get("en") or "",
        "status": provider.status,
        "rating_x100": provider.rating_x100,
        "reviews": provider.rating_count,
        "created_at": iso(provider.created_at),
    }


def provider_ref(ref: str) -> ColumnElement[bool]:
    """An id (digits that fit a 64-bit id) or a slug."""
    if ref.isdigit() and len(ref) < 19:
        return Provider.id == int(ref)
    return Provider.slug == ref


async def find_provider(uow: UnitOfWork, ref: str, *, lock: bool = False) -> Provider:
    stmt = select(Provider).where(provider_ref(ref))
    provider = await uow.session.scalar(stmt.with_for_update() if lock else stmt)
    if provider is None:
        raise NotFound("provider_not_found", provider=ref)
    return provider


async def list_providers(
    uow: UnitOfWork,
    page: Page,
    *,
    status: str | None = None,
    category: str | None = None,
    city: str | None = None,
) -> list[dict[str, Any]]:
    stmt = select(Provider)
    if one_of("status", status, (s.value for s in ProviderStatus)):
        stmt = stmt.where(Provider.status == status)
    if one_of("category", category, CATEGORIES):
        stmt = stmt.where(
            Provider.id.in_(
                select(ProviderCategory.provider_id).where(ProviderCategory.category == category)
            )
        )
    if one_of("city", city, CITIES):
        stmt = stmt.where(
            Provider.id.in_(select(ProviderCity.provider_id).where(ProviderCity.city == city))
        )
    columns = {
        "id": Provider.id,
        "slug": Provider.slug,
        "rating": Provider.rating_x100,
        "created": Provider.created_at,
    }
    page = Page(page.limit, page.offset, page.sort or "slug")
    stmt = page.apply(stmt, columns, default="slug")
    return [provider_row(p) for p in (await uow.session.scalars(stmt)).all()]


async def show_provider(uow: UnitOfWork, ref: str, *, public_url: str) -> dict[str, Any]:
    """One provider; ``public_url`` makes the address of their calendar feed."""
    provider = await find_provider(uow, ref)
    session = uow.session
    services = (
        await session.scalars(select(Service).where(Service.provider_id == provider.id))
    ).all()
    by_state = dict(
        (
            await session.execute(
                select(Booking.state, func.count())
                .where(Booking.provider_id == provider.id)
                .group_by(Booking.state)
            )
        ).all()
    )
    categories = (
        await session.scalars(
            select(ProviderCategory.category).where(ProviderCategory.provider_id == provider.id)
        )
    ).all()
    cities = (
        await session.scalars(
            select(ProviderCity.city).where(ProviderCity.provider_id == provider.id)
        )
    ).all()
    return provider_row(provider) | {
        "user_id": provider.user_id,
        "names": provider.name,
        "languages": provider.languages,
        "categories": sorted(categories),
        "cities": sorted(cities),
        "timezone": provider.timezone,
        "stripe_account_id": provider.stripe_account_id,
        # The provider's exported bookings (GET /calendar/<token>.ics); null without a token.
        "calendar_feed_url": (
            feed_address(public_url, provider.calendar_token) if provider.calendar_token else None
        ),
        "services": [
            {
                "id": s.id,
                "category": s.category,
                "title": s.title.get("fr") or s.title.get("en") or "",
                "price_minor": s.price_minor,
                "currency": s.currency,
                "pricing_model": s.pricing_model,
            }
            for s in services
        ],
        "bookings_by_state": {str(k): v for k, v in by_state.items()},
    }


async def _move(
    uow: UnitOfWork,
    ref: str,
    to: ProviderStatus,
    allowed_from: tuple[str, ...],
    action: str,
    *,
    by: Operator,
    now: datetime,
    reason: str | None,
) -> Provider:
    provider = await find_provider(uow, ref, lock=True)
    if provider.status not in allowed_from:
        raise IllegalTransition(
            "provider_status", provider=provider.slug, status=provider.status, action=action
        )
    before, provider.status = provider.status, to.value
    record(
        uow,
        by,
        f"providers.{action}",
        "provider",
        provider.id,
        now=now,
        reason=reason,
        details={"from": before, "to": to.value},
    )
    return provider


async def verify(
    uow: UnitOfWork, ref: str, *, by: Operator, now: datetime, reason: str | None = None
) -> dict[str, Any]:
    """A pending provider has been checked: they appear in search and can take bookings."""
    provider = await _move(
        uow,
        ref,
        ProviderStatus.ACTIVE,
        (ProviderStatus.PENDING.value,),
        "verify",
        by=by,
        now=now,
        reason=reason,
    )
    tell_provider(uow, provider, "provider_verified", now=now)  # in their chat, with the change
    return provider_row(provider)


async def reinstate(
    uow: UnitOfWork, ref: str, *, by: Operator, now: datetime, reason: str
) -> dict[str, Any]:
    if not reason.strip():
        raise InvalidValue("admin_reason_required")
    provider = await _move(
        uow,
        ref,
        ProviderStatus.ACTIVE,
        (ProviderStatus.SUSPENDED.value,),
        "reinstate",
        by=by,
        now=now,
        reason=reason,
    )
    return provider_row(provider)


async def suspend(
    uow: UnitOfWork, ref: str, *, by: Operator, now: datetime, reason: str
) -> dict[str, Any]:
    """Suspend; decline what nobody paid for; list (and flag) what holds money."""
    if not reason.strip():
        raise InvalidValue("admin_reason_required")
    provider = await _move(
        uow,
        ref,
        ProviderStatus.SUSPENDED,
        (ProviderStatus.PENDING.value, ProviderStatus.ACTIVE.value),
        "suspend",
        by=by,
        now=now,
        reason=reason,
    )
    actor = await admin_actor(uow, by, now=now)
    unpaid = (
        await uow.session.scalars(
            select(Booking)
            .where(Booking.provider_id == provider.id, Booking.state.in_(UNPAID))
            .order_by(Booking.id)
        )
    ).all()
    declined: list[str] = []
    for booking in unpaid:
        # A request is declined; an accepted one whose deposit is not paid is cancelled:
        # either way the client holds no money here and is told by the news of the move.
        action = Action.DECLINE if booking.state == BookingState.REQUESTED else Action.CANCEL
        await apply_action(uow, booking.id, action, actor, now=now, reason=SUSPENDED_REASON)
        declined.append(booking.reference)
    holding = (
        await uow.session.scalars(
            select(Booking)
            .where(Booking.provider_id == provider.id, Booking.state.in_(HOLDING_MONEY))
            .order_by(Booking.event_date)
        )
    ).all()
    for booking in holding:
        raise_flag(
            uow,
            kind="suspended_provider_booking",
            subject_type="booking",
            subject_id=booking.id,
            now=now,
            details={"provider": provider.slug, "state": str(booking.state)},
        )
    return provider_row(provider) | {
        "declined": declined,
        "to_decide": [
            {
                "id": b.id,
                "reference": b.reference,
                "state": str(b.state),
                "event_date": iso(b.event_date),
                "client_id": b.client_id,
                "paid_minor": b.paid_minor - b.refunded_minor,
            }
            for b in holding
        ],
    }
