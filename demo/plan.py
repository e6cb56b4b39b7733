"""Which demo bookings to make: a deterministic plan, computed without a database.

Each scenario names a client, a provider's service and a story — the states the booking
goes through. Times are offsets (from today, or from the event) so the seed can place
them around whatever ``now`` it runs at.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Final

from demo.catalogue import Catalogue
from demo.model import PersonSpec, ProviderSpec, ServiceSpec


class Story(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED_REQUEST = "cancelled_request"  # the client withdrew before an answer
    CANCELLED_PAID = "cancelled_paid"  # the client cancelled after paying the deposit
    CANCELLED_BY_PROVIDER = "cancelled_by_provider"
    DELIVERED = "delivered"  # the event is over, the client has not confirmed yet
    PAYMENT_DUE = "payment_due"  # the balance charge failed
    COMPLETED = "completed"


PAST_STORIES: Final = frozenset({Story.DELIVERED, Story.PAYMENT_DUE, Story.COMPLETED})

# How many of each; the total is the number of demo bookings.
STORY_COUNTS: Final[tuple[tuple[Story, int], ...]] = (
    (Story.REQUESTED, 8),
    (Story.ACCEPTED, 5),
    (Story.CONFIRMED, 8),
    (Story.DECLINED, 2),
    (Story.EXPIRED, 1),
    (Story.CANCELLED_REQUEST, 2),
    (Story.CANCELLED_PAID, 1),
    (Story.CANCELLED_BY_PROVIDER, 1),
    (Story.DELIVERED, 1),
    (Story.PAYMENT_DUE, 1),
    (Story.COMPLETED, 7),
)

# Providers whose bots are worth opening in a demo get several bookings each.
SHOWCASE: Final = ("studio-nour-rabat", "dj-amine-events", "traiteur-al-baraka")
# Stories some providers must have: a two-day booking holding both of its days.
PINNED: Final = (("riad-yasmine-marrakech", Story.CONFIRMED),)

# Event day, in days from today, per story (past stories are negative).
DAY_RANGES: Final[dict[Story, tuple[int, int]]] = {
    Story.DELIVERED: (-3, -2),
    Story.PAYMENT_DUE: (-9, -6),
    Story.COMPLETED: (-150, -10),
    Story.CONFIRMED: (10, 180),
}
FUTURE_DAYS: Final = (14, 150)

GUESTS: Final[dict[str, tuple[int, int]]] = {
    "wedding": (120, 450),
    "engagement": (40, 150),
    "henna": (30, 120),
    "aqiqa": (30, 150),
    "birthday": (15, 60),
    "graduation": (20, 80),
    "corporate": (30, 200),
    "other": (20, 100),
}


@dataclass(frozen=True, slots=True)
class Scenario:
    story: Story
    provider: ProviderSpec
    service_index: int
    client: PersonSpec
    event_type: str
    city: str
    guests: int | None
    day_offset: int  # the event's local day, from today
    start_pick: int  # which possible start time an hourly service takes
    lead: timedelta  # how long before now (or before the event, if past) it was requested
    venue: str
    notes: str
    reason: str | None

    @property
    def service(self) -> ServiceSpec:
        """The service booked."""
        return self.provider.services[self.service_index]

    @property
    def key(self) -> tuple[str, str, int]:
        """What makes a scenario unique, and what a second run looks for."""
        return self.client.key, self.provider.slug, self.service_index


def plan(cat: Catalogue, seed: int) -> list[Scenario]:
    """The demo bookings of ``cat``, the same for the same seed."""
    rng = random.Random(seed)
    stories = [story for story, n in STORY_COUNTS for _ in range(n)]
    for _, story in PINNED:
        stories.remove(story)
    rng.shuffle(stories)
    active = [p for p in cat.providers if p.status == "active"]
    by_slug = {p.slug: p for p in active}
    others = [p for p in active if p.slug not in SHOWCASE]
    rng.shuffle(others)
    order = [by_slug[s] for s in SHOWCASE] * 3 + others
    pairs = [(by_slug[slug], story) for slug, story in PINNED]
    pairs += [(order[i % len(order)], story) for i, story in enumerate(stories)]
    scenarios: list[Scenario] = []
    used: set[tuple[str, str, int]] = set()
    for provider, story in pairs:
        scenario = _scenario(cat, rng, story, provider, used)
        used.add(scenario.key)
        scenarios.append(scenario)
    return scenarios


def _scenario(
    cat: Catalogue,
    rng: random.Random,
    story: Story,
    provider: ProviderSpec,
    used: set[tuple[str, str, int]],
) -> Scenario:
    choices = [
        (client, index)
        for client in cat.clients
        for index in range(len(provider.services))
        if (client.key, provider.slug, index) not in used
    ]
    client, index = rng.choice(choices)
    service = provider.services[index]
    event_type = rng.choice(service.events or cat.category_events[service.category])
    city = rng.choice(provider.cities)
    low, high = DAY_RANGES.get(story, FUTURE_DAYS)
    return Scenario(
        story=story,
        provider=provider,
        service_index=index,
        client=client,
        event_type=event_type,
        city=city,
        guests=_guests(rng, service, event_type),
        day_offset=rng.randint(low, high),
        start_pick=rng.randrange(1000),
        lead=_lead(rng, story),
        venue="" if service.category == "venue" else rng.choice(cat.places[city]),
        notes=rng.choice(cat.notes[client.locale]),
        reason=_reason(cat, rng, story),
    )


def _guests(rng: random.Random, service: ServiceSpec, event_type: str) -> int:
    low, high = GUESTS[event_type]
    low = max(low, service.min_guests or 1)
    high = min(high, service.max_guests or high)
    guests = rng.randint(low, max(low, high))
    return guests if guests < 50 else max(low, guests // 10 * 10)


def _lead(rng: random.Random, story: Story) -> timedelta:
    if story in PAST_STORIES:
        return timedelta(days=rng.randint(20, 60))
    if story is Story.REQUESTED:
        return timedelta(hours=rng.randint(1, 10))
    if story is Story.ACCEPTED:
        return timedelta(hours=rng.randint(4, 20))
    if story in (Story.DECLINED, Story.CANCELLED_BY_PROVIDER):
        return timedelta(days=rng.randint(3, 6))
    if story in (Story.EXPIRED, Story.CANCELLED_REQUEST):
        return timedelta(days=rng.randint(3, 8))
    return timedelta(days=rng.randint(10, 30))  # confirmed, cancelled after paying


def _reason(cat: Catalogue, rng: random.Random, story: Story) -> str | None:
    if story is Story.DECLINED:
        return rng.choice(cat.decline_reasons)
    if story in (Story.CANCELLED_REQUEST, Story.CANCELLED_PAID):
        return rng.choice(cat.client_cancel_reasons)
    if story is Story.CANCELLED_BY_PROVIDER:
        return cat.provider_cancel_reason
    return None
