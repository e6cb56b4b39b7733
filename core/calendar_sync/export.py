"""A provider's bookings as a feed for their own calendar app: the data, the secret address.

The address is the feed's only key (calendar apps can't log in), so it is a long random
token the provider can replace: the old address then answers 404. Building the ICS text
is the web layer's (web/calendar_feed.py): it is words in the provider's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.states import BookingState
from core.db.tables import Booking, Provider, Service, User
from core.db.tables_catalog import new_calendar_token
from core.errors import NotFound
from core.uow import UnitOfWork

FEED_PATH = "/calendar/{token}.ics"
# What a calendar shows: the provider said yes or the client is waiting for an answer;
# bookings that ended (declined, expired, cancelled) leave the feed.
SHOWN = (
    BookingState.REQUESTED.value,
    BookingState.ACCEPTED.value,
    BookingState.CONFIRMED.value,
    BookingState.DELIVERED.value,
    BookingState.PAYMENT_DUE.value,
    BookingState.COMPLETED.value,
    BookingState.DISPUTED.value,
)
HISTORY = timedelta(days=90)  # past bookings kept in the feed
MAX_EVENTS = 2000


@dataclass(frozen=True, slots=True)
class FeedBooking:
    id: int
    reference: str
    state: str
    event_type: str
    service_title: dict[str, Any]
    full_day: bool
    first_day: date
    days: int
    starts_at: datetime
    ends_at: datetime
    city: str
    venue: str
    guests: int | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ProviderFeed:
    provider_id: int
    name: dict[str, Any]
    locale: str
    timezone: str
    bookings: tuple[FeedBooking, ...]


def feed_address(base_url: str, token: str) -> str:
    return base_url.rstrip("/") + FEED_PATH.format(token=token)


async def feed_token(uow: UnitOfWork, provider_id: int) -> str:
    """The provider's feed token, made now if they never had one."""
    provider = await _provider(uow, provider_id)
    if provider.calendar_token is None:
        provider.calendar_token = new_calendar_token()
    return provider.calendar_token


async def rotate_feed_token(uow: UnitOfWork, provider_id: int) -> str:
    """A new secret address; the old one stops working at commit."""
    provider = await _provider(uow, provider_id)
    provider.calendar_token = new_calendar_token()
    return provider.calendar_token


async def _provider(uow: UnitOfWork, provider_id: int) -> Provider:
    provider = await uow.session.get(Provider, provider_id)
    if provider is None:
        raise NotFound("provider_not_found", provider=provider_id)
    return provider


async def feed_of_token(session: AsyncSession, token: str, *, now: datetime) -> ProviderFeed | None:
    """The bookings the feed at ``token`` shows, or None for a token nobody holds."""
    if not token:
        return None
    row = (
        await session.execute(
            select(Provider, User.locale)
            .join(User, User.id == Provider.user_id)
            .where(Provider.calendar_token == token)
        )
    ).first()
    if row is None:
        return None
    provider, locale = row
    rows = (
        await session.execute(
            select(Booking, Service)
            .join(Service, Service.id == Booking.service_id)
            .where(
                Booking.provider_id == provider.id,
                Booking.state.in_(SHOWN),
                Booking.ends_at > now - HISTORY,
            )
            .order_by(Booking.starts_at, Booking.id)
            .limit(MAX_EVENTS)
        )
    ).all()
    return ProviderFeed(
        provider.id,
        dict(provider.name),
        locale,
        provider.timezone,
        tuple(_feed_booking(b, s) for b, s in rows),
    )


def _feed_booking(booking: Booking, service: Service) -> FeedBooking:
    return FeedBooking(
        id=booking.id,
        reference=booking.reference,
        state=str(booking.state),
        event_type=booking.event_type,
        service_title=dict(service.title),
        full_day=service.duration_minutes is None,
        first_day=booking.event_date,
        days=service.days,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        city=booking.city,
        venue=booking.venue,
        guests=booking.guests,
        updated_at=booking.updated_at,
    )
