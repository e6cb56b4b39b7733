"""Marking a booking delivered, optionally with proof: a photo or a link to the work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from sqlalchemy import select

from core.booking.actions import apply_action
from core.booking.actors import Actor
from core.booking.states import Action
from core.db.tables import Booking, DeliveryProof
from core.errors import InvalidValue
from core.uow import UnitOfWork

MAX_URL = 2000
# A link to one of these is shown to the client as the photo itself.
PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp"})


@dataclass(frozen=True, slots=True)
class Proof:
    kind: str  # photo | link
    url: str


def proof_from_url(text: str) -> Proof:
    """A proof from what the provider typed: a web address (a photo when it names one)."""
    url = text.strip()
    parts = urlsplit(url)
    if (
        len(url) > MAX_URL
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in url)
    ):
        raise InvalidValue("proof_not_a_link")
    photo = PurePosixPath(parts.path).suffix.lower() in PHOTO_SUFFIXES
    return Proof("photo" if photo else "link", url)


async def mark_delivered(
    uow: UnitOfWork, booking_id: int, actor: Actor, *, now: datetime, proof: Proof | None
) -> Booking:
    """The transition (with its checks), and the proof in the same transaction, so the
    client's news, written at commit, finds it."""
    booking = await apply_action(uow, booking_id, Action.MARK_DELIVERED, actor, now=now)
    if proof is not None:
        uow.session.add(
            DeliveryProof(booking_id=booking.id, kind=proof.kind, url=proof.url, created_at=now)
        )
    return booking


async def proof_of(uow: UnitOfWork, booking_id: int) -> Proof | None:
    row = await uow.session.scalar(
        select(DeliveryProof).where(DeliveryProof.booking_id == booking_id)
    )
    return None if row is None else Proof(row.kind, row.url)
