"""Users and the channel identities they reach us through."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, BigId


class UserRole(StrEnum):
    CLIENT = "client"
    PROVIDER = "provider"
    ADMIN = "admin"


class Channel(StrEnum):
    TELEGRAM_CLIENT = "telegram_client"
    TELEGRAM_PROVIDER = "telegram_provider"
    WHATSAPP = "whatsapp"
    SANDBOX = "sandbox"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    role: Mapped[str] = mapped_column(String(16), default=UserRole.CLIENT.value)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str] = mapped_column(String(8), default="fr")
    # A number proven to be this person's (WhatsApp's sender, Telegram's own contact
    # share) or registered by an admin for a provider: the only one that joins accounts.
    phone_e164: Mapped[str | None] = mapped_column(String(20), unique=True)
    # The number they typed to be called on: a booking contact, proving nothing.
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(320))
    # The name they gave for invoices (the channel's display name is often a nickname).
    full_name: Mapped[str | None] = mapped_column(String(200))
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]

    identities: Mapped[list[ChannelIdentity]] = relationship(back_populates="user")


class ChannelIdentity(Base):
    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(64))
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    last_inbound_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    user: Mapped[User] = relationship(back_populates="identities")
