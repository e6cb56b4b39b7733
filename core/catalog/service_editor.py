"""A provider's own services: list, create, change, pause and delete, each checked
against the provider who asks (a button can be forged, a service id guessed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from core.booking.policy import CancellationPolicy, PolicyPreset, preset_of, preset_policy
from core.booking.quote import PricingModel
from core.booking.states import ACTIVE_STATES
from core.catalog.service_rules import ServiceSpec, spec_problem
from core.catalog.vocabulary import DEFAULT_CURRENCY
from core.db.tables import Booking, ProviderCategory, Service
from core.errors import InvalidValue, NotAllowed, NotFound
from core.uow import UnitOfWork


async def provider_services(uow: UnitOfWork, provider_id: int) -> list[Service]:
    """The provider's services, paused ones included, deleted ones not; oldest first."""
    rows = await uow.session.scalars(
        select(Service)
        .where(Service.provider_id == provider_id, Service.deleted_at.is_(None))
        .order_by(Service.id)
    )
    return list(rows.all())


async def owned_service(
    uow: UnitOfWork, provider_id: int, service_id: int, *, lock: bool = False
) -> Service:
    """The service if it is this provider's and not deleted; NotFound otherwise."""
    service = await uow.session.get(Service, service_id, with_for_update=lock or None)
    if service is None or service.provider_id != provider_id or service.deleted_at is not None:
        raise NotFound("service_not_found")
    return service


def spec_of(service: Service) -> ServiceSpec:
    """What the editor shows of a stored service."""
    policy = CancellationPolicy.from_json(service.cancellation_policy)
    return ServiceSpec(
        category=service.category,
        title=dict(service.title),
        description=dict(service.description),
        pricing=PricingModel(service.pricing_model),
        price_minor=service.price_minor,
        deposit_bp=service.deposit_bp,
        duration_minutes=service.duration_minutes,
        daily_capacity=service.daily_capacity,
        min_guests=service.min_guests,
        max_guests=service.max_guests,
        min_notice_hours=service.min_notice_hours,
        buffer_minutes=service.buffer_minutes,
        # Tiers set outside the bot (an import) show as the default until one is picked.
        policy=preset_of(policy) or PolicyPreset.MODERATE,
    )


async def save_service(
    uow: UnitOfWork, provider_id: int, spec: ServiceSpec, *, service_id: int | None = None
) -> Service:
    """Create the service (``service_id`` None) or overwrite the provider's own one."""
    stored = None if service_id is None else await owned_service(uow, provider_id, service_id)
    problem = spec_problem(spec, since=None if stored is None else spec_of(stored))
    if problem is not None:
        raise InvalidValue(problem.key, **problem.params)
    if stored is None:
        service = Service(provider_id=provider_id, currency=DEFAULT_CURRENCY, days=1, active=True)
        uow.session.add(service)
    else:
        service = stored
    service.category = spec.category
    service.title = {k: v.strip() for k, v in spec.title.items() if v.strip()}
    service.description = {k: v.strip() for k, v in spec.description.items() if v.strip()}
    service.pricing_model = spec.pricing.value
    service.price_minor = spec.price_minor
    service.deposit_bp = spec.deposit_bp
    service.duration_minutes = spec.duration_minutes
    service.daily_capacity = spec.daily_capacity
    service.min_guests, service.max_guests = spec.min_guests, spec.max_guests
    service.min_notice_hours = spec.min_notice_hours
    service.buffer_minutes = spec.buffer_minutes
    service.cancellation_policy = preset_policy(spec.policy).to_json()
    await _offer_category(uow, provider_id, spec.category)
    await uow.session.flush()
    return service


async def _offer_category(uow: UnitOfWork, provider_id: int, category: str) -> None:
    """A service in a new category lists its provider under that category too."""
    if await uow.session.get(ProviderCategory, (provider_id, category)) is None:
        uow.session.add(ProviderCategory(provider_id=provider_id, category=category))


async def set_service_active(
    uow: UnitOfWork, provider_id: int, service_id: int, *, active: bool
) -> Service:
    """Pause (hidden from clients, bookings kept) or resume a service."""
    service = await owned_service(uow, provider_id, service_id)
    service.active = active
    await uow.session.flush()
    return service


async def active_booking_count(uow: UnitOfWork, service_id: int) -> int:
    """Bookings of the service still under way (they hold its days)."""
    count = await uow.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.service_id == service_id,
            Booking.state.in_([s.value for s in ACTIVE_STATES]),
        )
    )
    return int(count or 0)


async def delete_service(
    uow: UnitOfWork, provider_id: int, service_id: int, *, now: datetime
) -> Service:
    """Delete a service with no booking under way; the row stays for past bookings.

    The row lock waits for a request being written for this service (on PostgreSQL its
    foreign key holds a key-share lock on the row), so the count below sees it."""
    service = await owned_service(uow, provider_id, service_id, lock=True)
    under_way = await active_booking_count(uow, service.id)
    if under_way:
        raise NotAllowed("service_has_active_bookings", n=under_way)
    service.active = False
    service.deleted_at = now
    await uow.session.flush()
    return service
