"""Users and their channel identities."""

from __future__ import annotations

from datetime import datetime, timedelta

import phonenumbers
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db.tables import ChannelIdentity, User, UserRole
from core.domain.catalog import LANGUAGES
from core.errors import InvalidValue
from core.uow import UnitOfWork

DEFAULT_REGION = "MA"
INBOUND_RESOLUTION = timedelta(minutes=1)


def normalize_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """E.164 form of a phone number typed any usual way; InvalidValue if it isn't one."""
    try:
        number = phonenumbers.parse(raw.strip()[:40], region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue("invalid_phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue("invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def pick_locale(code: str | None, default: str = "fr") -> str:
    base = (code or "").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else default


async def identify(
    uow: UnitOfWork,
    *,
    channel: str,
    external_id: str,
    now: datetime,
    display_name: str = "",
    locale: str | None = None,
    phone_e164: str | None = None,
) -> User:
    """The user behind a channel identity, created on first contact.

    A phone number already known (say, shared on Telegram) joins the new identity to
    the same person instead of creating a second one.
    """
    session = uow.session
    row = (
        await session.execute(
            select(ChannelIdentity, User)
            .join(User, User.id == ChannelIdentity.user_id)
            .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
        )
    ).first()
    if row is not None:
        identity, known = row
        # A write per message only when it says something new: the 24-hour window needs
        # minutes, not milliseconds.
        last = identity.last_inbound_at
        if last is None or now - last >= INBOUND_RESOLUTION:
            identity.last_inbound_at = now
        if identity.unreachable:
            identity.unreachable = False  # they wrote: reachable again
        return known
    user = None
    if phone_e164:
        user = await session.scalar(select(User).where(User.phone_e164 == phone_e164))
    try:
        # The new user goes in the same savepoint as the identity: losing the race below
        # must not leave a user nobody can reach.
        async with session.begin_nested():
            if user is None:
                user = User(
                    role=UserRole.CLIENT.value,
                    display_name=display_name[:200],
                    locale=pick_locale(locale),
                    phone_e164=phone_e164,
                    created_at=now,
                )
                session.add(user)
                await session.flush()
            session.add(
                ChannelIdentity(
                    user_id=user.id,
                    channel=channel,
                    external_id=external_id,
                    last_inbound_at=now,
                    created_at=now,
                )
            )
    except IntegrityError:  # the same person's first two messages raced; keep the winner's
        winner = await session.scalar(
            select(ChannelIdentity).where(
                ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
            )
        )
        assert winner is not None
        found = await session.get(User, winner.user_id)
        assert found is not None
        return found
    return user


async def set_phone(uow: UnitOfWork, user: User, raw: str) -> str:
    """Attach a phone number; if another user already owns it, that's a clear error."""
    phone = normalize_phone(raw)
    owner = await uow.session.scalar(select(User).where(User.phone_e164 == phone))
    if owner is not None and owner.id != user.id:
        raise InvalidValue("phone_in_use")
    user.phone_e164 = phone
    return phone


def record_source(user: User, source: str | None) -> None:
    """The first acquisition source sticks; later deep links don't overwrite it."""
    if source and not user.source:
        user.source = source[:64]


def set_locale(user: User, code: str) -> None:
    if code not in LANGUAGES:
        raise InvalidValue("unknown_language", code=code)
    user.locale = code


async def join_by_phone(
    uow: UnitOfWork, user: User, *, channel: str, external_id: str, raw_phone: str
) -> User:
    """Move this channel identity to the account that owns the phone number, if any.

    The caller must have verified the number belongs to the sender (Telegram's own
    contact share, WhatsApp's From). Returns the account the identity now belongs to.
    """
    phone = normalize_phone(raw_phone)
    owner = await uow.session.scalar(select(User).where(User.phone_e164 == phone))
    if owner is None:
        user.phone_e164 = phone
        return user
    if owner.id == user.id:
        return user
    identity = await uow.session.scalar(
        select(ChannelIdentity).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
        )
    )
    if identity is not None:
        identity.user_id = owner.id
    return owner


def new_client(display_name: str, locale: str, *, now: datetime) -> User:
    """A first contact's user as `identify` would make it, not yet saved: the fast path
    runs the step on it before the journal decides whether it is created."""
    return User(
        role=UserRole.CLIENT.value,
        display_name=display_name[:200],
        locale=locale,
        blocked=False,
        created_at=now,
    )
