"""Users and their channel identities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Connection, Table, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from core.catalog.vocabulary import LANGUAGES
from core.db.tables import ChannelIdentity, User, UserRole
from core.errors import InvalidValue
from core.notifications.outbox import release_held
from core.uow import UnitOfWork

DEFAULT_REGION = "MA"
INBOUND_RESOLUTION = timedelta(minutes=1)


def normalize_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """E.164 form of a phone number typed any usual way; InvalidValue if it isn't one."""
    phone = phone_in(raw, region)
    if phone is None:
        raise InvalidValue("invalid_phone")
    return phone


def phone_in(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """E.164 form of ``raw`` if it is a phone number typed any usual way ("06 61 23 45 67",
    "+212661234567"), else None."""
    try:
        number = phonenumbers.parse(raw.strip()[:40], region)
    except phonenumbers.NumberParseException:  # the library's way of saying "not a number"
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    """An email address as a mail server takes it; InvalidValue if it isn't one.

    email-validator knows the RFCs (no markup, spaces or quoting tricks get through); no
    DNS look-up: an answer must not wait on the network. Local parts must be ASCII, as
    SMTP servers without SMTPUTF8 refuse the rest; a Unicode domain is kept in its
    ASCII (IDNA) form for the same reason.
    """
    try:
        checked = validate_email(
            raw.strip()[:400], check_deliverability=False, allow_smtputf8=False
        )
    except EmailNotValidError as exc:
        raise InvalidValue("invalid_email") from exc
    return checked.ascii_email or checked.normalized


def pick_locale(code: str | None, default: str = "fr") -> str:
    base = (code or "").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else default


# What a step may set on a user the journal is still to create (a first contact on the
# read-only path): the deep link's acquisition source, which then goes into its INSERT.
NEW_USER_FIELDS = frozenset({User.source.key})


def first_contact_values(
    display_name: str,
    locale: str,
    *,
    now: datetime,
    verified_phone: str | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """The columns of a newcomer's user (``locale`` as `pick_locale` chose it), the one
    statement of what a first contact is: `identified` (ORM), the fast path's user in memory
    (dialogs/framework/fast_path.py) and the chat journal's SQL
    (core/conversations/journal.py) all make it from this."""
    return {
        "role": UserRole.CLIENT.value,
        "display_name": display_name[:200],
        "locale": locale,
        "phone_e164": verified_phone,
        "blocked": False,
        "created_at": now,
        "source": source,
    }


def contact_is_news(last_inbound_at: datetime | None, now: datetime) -> bool:
    """Whether a message moves the identity's last contact on: a write per message only
    when it says something new, as the 24-hour window needs minutes, not milliseconds."""
    return last_inbound_at is None or now - last_inbound_at >= INBOUND_RESOLUTION


@dataclass(frozen=True, slots=True)
class Identified:
    """Who wrote: the channel identity and the user behind it, as the unit of work holds
    them (what it commits of them is what the engine's memory may keep afterwards)."""

    identity: ChannelIdentity
    user: User


_USERS: Table = User.__table__  # type: ignore[assignment]
_PHONE_OWNER = select(_USERS.c.id).where(_USERS.c.phone_e164 == bindparam("phone"))
# Built once: every transaction step reads it (building it cost more than running it).
_IDENTITY = (
    select(ChannelIdentity, User)
    .join(User, User.id == ChannelIdentity.user_id)
    .where(
        ChannelIdentity.channel == bindparam("channel"),
        ChannelIdentity.external_id == bindparam("external_id"),
    )
)


async def identified(
    uow: UnitOfWork,
    *,
    channel: str,
    external_id: str,
    now: datetime,
    display_name: str = "",
    locale: str | None = None,
    verified_phone: str | None = None,
) -> Identified:
    """The channel identity and its user, both created on first contact.

    ``verified_phone`` is the sender's own number as the channel proves it (WhatsApp's
    sender): a first contact joins the account whose proven number it is, instead of
    creating a second one. Typed numbers are never proven (see `keep_contact`).
    """
    session = uow.session
    row = (
        await session.execute(_IDENTITY, {"channel": channel, "external_id": external_id})
    ).first()
    if row is not None:
        identity, known = row
        if contact_is_news(identity.last_inbound_at, now):
            identity.last_inbound_at = now
        if identity.unreachable:
            identity.unreachable = False  # they wrote: reachable again
        return Identified(identity, known)
    user = None
    if verified_phone:
        user = await session.scalar(select(User).where(User.phone_e164 == verified_phone))
    joins = user is not None
    try:
        # The new user goes in the same savepoint as the identity: losing the race below
        # must not leave a user nobody can reach.
        async with session.begin_nested():
            if user is None:
                values = first_contact_values(
                    display_name, pick_locale(locale), now=now, verified_phone=verified_phone
                )
                user = User(**values)
                session.add(user)
                await session.flush()
            made = ChannelIdentity(
                user_id=user.id,
                channel=channel,
                external_id=external_id,
                last_inbound_at=now,
                created_at=now,
            )
            session.add(made)
            if joins:
                # An account reached by its proven number until now: news that waited for
                # a way to it goes, ahead of the answer this step queues.
                await release_held(session, user.id, now=now)
    except IntegrityError:  # the same person's first two messages raced; keep the winner's
        winner = await session.scalar(
            select(ChannelIdentity).where(
                ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
            )
        )
        assert winner is not None
        found = await session.get(User, winner.user_id)
        assert found is not None
        return Identified(winner, found)
    return Identified(made, user)


@dataclass(frozen=True, slots=True)
class KeptContact:
    """What a sent booking form leaves on the client's account for the next booking: the
    name and email typed, a typed phone as a contact, a shared contact's number as proven.
    """

    name: str | None = None
    email: str | None = None
    typed_phone: str | None = None
    proven_phone: str | None = None


def keep_contact(conn: Connection, user_id: int, kept: KeptContact) -> bool:
    """Leave ``kept`` on the account (one UPDATE); whether there was anything to write.

    A typed number is a contact, never a proof: anyone can type anyone's number, so it
    never becomes the proven phone (``phone_e164``) nor joins accounts, and the first one
    sticks (a spouse's number given for one booking does not replace the person's own).
    A proven number already another account's stays this booking's contact only.
    """
    values: dict[str, Any] = {}
    if kept.name is not None:
        values["full_name"] = kept.name
    if kept.email is not None:
        values["email"] = kept.email
    if kept.typed_phone is not None:
        values["contact_phone"] = func.coalesce(_USERS.c.contact_phone, kept.typed_phone)
    if kept.proven_phone is not None and phone_is_free_for(conn, user_id, kept.proven_phone):
        values["phone_e164"] = kept.proven_phone
    if values:
        conn.execute(update(_USERS).where(_USERS.c.id == user_id).values(values))
    return bool(values)


def phone_is_free_for(conn: Connection, user_id: int, phone: str) -> bool:
    """Whether ``phone`` may become this user's proven number: no other account's."""
    owner = conn.execute(_PHONE_OWNER, {"phone": phone}).scalar()
    return owner is None or owner == user_id


async def prove_phone(uow: UnitOfWork, user: User, phone: str) -> bool:
    """Record a number the channel proved to be this user's (Telegram's own contact share).

    False when it is already another account's proven number: the two are not joined here
    (this account may hold bookings of its own); the number then serves as a contact.
    """
    user_id = user.id
    free = await uow.session.run_sync(
        lambda session: phone_is_free_for(session.connection(), user_id, phone)
    )
    if free:
        user.phone_e164 = phone
    return free


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
    """Move this channel identity to the account whose proven number this is, if any.

    The caller must have verified the number belongs to the sender (Telegram's own
    contact share, WhatsApp's From): never pass a typed number. Returns the account the
    identity now belongs to.
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
