"""Providers, what they sell, and when they work."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId, MinorUnits


def new_calendar_token() -> str:
    """A fresh secret for a provider's calendar feed address (rotating makes a new one)."""
    return secrets.token_hex(20)


class ProviderStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Provider(Base):
    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[dict[str, Any]]  # {"ar": ..., "fr": ..., "en": ...}
    description: Mapped[dict[str, Any]]
    languages: Mapped[list[Any]]
    photos: Mapped[list[Any]]
    status: Mapped[str] = mapped_column(String(16), default=ProviderStatus.PENDING.value)
    timezone: Mapped[str] = mapped_column(String(64), default="Africa/Casablanca")
    cancellation_policy: Mapped[list[Any] | None]
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)  # stars, 1-5 each
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    rating_x100: Mapped[int] = mapped_column(Integer, default=0, index=True)  # for sorting
    stripe_account_id: Mapped[str | None] = mapped_column(String(64))
    # The secret in the address of the provider's exported feed (/calendar/<token>.ics);
    # the imported calendar's address is in calendar_imports (tables_calendar.py).
    calendar_token: Mapped[str | None] = mapped_column(
        String(64), unique=True, default=new_calendar_token
    )
    # The business as its invoices name it: legal name, address, and the Moroccan
    # identifiers ICE (15 digits), IF (tax id) and RC (trade register).
    legal_name: Mapped[str | None] = mapped_column(String(200))
    legal_address: Mapped[str | None] = mapped_column(Text)
    legal_ice: Mapped[str | None] = mapped_column(String(15))
    legal_if: Mapped[str | None] = mapped_column(String(20))
    legal_rc: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]

    services: Mapped[list[Service]] = relationship(back_populates="provider")
    categories: Mapped[list[ProviderCategory]] = relationship(cascade="all, delete-orphan")
    cities: Mapped[list[ProviderCity]] = relationship(cascade="all, delete-orphan")


class ProviderCategory(Base):
    __tablename__ = "provider_categories"
    __table_args__ = (Index("ix_provider_categories_category", "category", "provider_id"),)

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)


class ProviderCity(Base):
    __tablename__ = "provider_cities"
    __table_args__ = (Index("ix_provider_cities_city", "city", "provider_id"),)

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), primary_key=True)
    city: Mapped[str] = mapped_column(String(32), primary_key=True)


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (
        Index("ix_services_provider_category", "provider_id", "category"),
        # Catalog search by category alone (core/catalog/search.py).
        Index("ix_services_category_provider", "category", "provider_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    category: Mapped[str] = mapped_column(String(32))
    title: Mapped[dict[str, Any]]
    description: Mapped[dict[str, Any]]
    pricing_model: Mapped[str] = mapped_column(String(16))
    price_minor: Mapped[int] = mapped_column(MinorUnits)
    currency: Mapped[str] = mapped_column(String(3), default="MAD")
    deposit_bp: Mapped[int] = mapped_column(Integer, default=3000)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)  # None: full day
    days: Mapped[int] = mapped_column(Integer, default=1)
    daily_capacity: Mapped[int] = mapped_column(Integer, default=1)
    min_notice_hours: Mapped[int] = mapped_column(Integer, default=48)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    min_guests: Mapped[int | None] = mapped_column(Integer)
    max_guests: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The service's own tiers, picked from presets in the bot; None: the provider's policy.
    cancellation_policy: Mapped[list[Any] | None]
    # Deleted by its provider: kept for the bookings that name it, shown nowhere.
    deleted_at: Mapped[datetime | None]
    # A kind within the category that clients ask for by name ("dakka" and "andalou" are
    # both bands, but not the same music); the codes are the NLU's (dialogs/nlu/styles.py).
    style: Mapped[str | None] = mapped_column(String(32))

    provider: Mapped[Provider] = relationship(back_populates="services")


class WeeklyRule(Base):
    __tablename__ = "weekly_rules"
    # "Works that weekday?" is one index probe for the search; serves provider_id alone too.
    __table_args__ = (Index("ix_weekly_rules_provider_weekday", "provider_id", "weekday"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)


class Blackout(Base):
    __tablename__ = "blackouts"
    __table_args__ = (
        Index("ix_blackouts_provider_day", "provider_id", "day", unique=True),
        Index("ix_blackouts_day", "day", "provider_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    day: Mapped[date] = mapped_column(Date)


class BusyInterval(Base):
    """Time taken elsewhere, imported from the provider's external calendar."""

    __tablename__ = "busy_intervals"
    __table_args__ = (
        Index("ix_busy_intervals_provider_start", "provider_id", "starts_at"),
        # Overlap tests (ends_at > day start AND starts_at < day end) read only this index
        # and skip the provider's past intervals, however long the imported history.
        Index("ix_busy_intervals_provider_end", "provider_id", "ends_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(255), default="")
