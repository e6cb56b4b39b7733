"""Issue 13: which calendar addresses our server agrees to fetch (pure rules)."""

from __future__ import annotations

import pytest

from core.calendar_sync.feed_address import address_allowed, allowed_networks, feed_url
from core.calendar_sync.ports import CalendarFeedError


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",  # loopback
        "::1",
        "10.1.2.3",  # private
        "172.16.0.9",
        "192.168.1.20",
        "169.254.169.254",  # link-local: the cloud metadata service
        "fe80::1%eth0",
        "fc00::5",  # IPv6 unique local
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",  # multicast
        "::ffff:127.0.0.1",  # loopback dressed as IPv6
    ],
)
def test_inside_addresses_are_refused(address: str) -> None:
    assert not address_allowed(address)


@pytest.mark.parametrize("address", ["142.250.200.78", "2a00:1450:4007:80e::200e"])
def test_public_addresses_are_fetched(address: str) -> None:
    assert address_allowed(address)


def test_a_setting_lets_named_networks_through_and_no_others() -> None:
    exceptions = allowed_networks(["127.0.0.1/32"])
    assert address_allowed("127.0.0.1", exceptions)
    assert not address_allowed("127.0.0.2", exceptions)
    assert not address_allowed("10.0.0.1", exceptions)


@pytest.mark.parametrize(
    ("pasted", "fetched"),
    [
        (
            " https://calendar.google.com/calendar/ical/x%40gmail.com/private-abc/basic.ics ",
            "https://calendar.google.com/calendar/ical/x%40gmail.com/private-abc/basic.ics",
        ),
        (
            "webcal://p42-caldav.icloud.com/published/2/MTIz",
            "https://p42-caldav.icloud.com/published/2/MTIz",
        ),
        ("http://example.com/cal.ics", "http://example.com/cal.ics"),
    ],
)
def test_pasted_addresses_become_what_we_fetch(pasted: str, fetched: str) -> None:
    assert feed_url(pasted) == fetched


@pytest.mark.parametrize(
    "pasted",
    [
        "",
        "calendar.google.com/basic.ics",  # no scheme
        "ftp://example.com/cal.ics",
        "file:///etc/passwd",
        "https://user:secret@example.com/cal.ics",
        "https:///no-host",
        "https://example.com/a b.ics",
        "https://example.com/" + "a" * 2100,
    ],
)
def test_other_addresses_are_refused_before_any_fetch(pasted: str) -> None:
    with pytest.raises(CalendarFeedError, match="calendar_url_invalid"):
        feed_url(pasted)
