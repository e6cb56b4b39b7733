"""Issue 13: the calendar fetcher over real HTTP on loopback: what it fetches, what it refuses.

The server is on 127.0.0.1, which is loopback: a fetcher allowed 127.0.0.1/32 (as the
setting allows for tests) reads it; without the setting, or for any other inside address,
a redirect's target included, it refuses before connecting.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest

from bots.calendar_fetcher import AiohttpCalendarFetcher, FeedLimits
from core.calendar_sync.feed_address import allowed_networks
from core.calendar_sync.ports import CalendarFeedError
from core.settings import Settings
from tests.support.ics_server import IcsServer, ics_server

GOOGLE = (Path(__file__).parents[1] / "data" / "calendars" / "google_rrule_exdate.ics").read_bytes()
DEFAULTS = Settings(_env_file=None)


def fetcher(
    *cidrs: str, seconds: float = 5.0, max_bytes: int | None = None
) -> AiohttpCalendarFetcher:
    return AiohttpCalendarFetcher(
        FeedLimits(
            seconds,
            max_bytes or DEFAULTS.calendar_max_bytes,
            DEFAULTS.calendar_max_redirects,
            allowed_networks(cidrs),
        )
    )


LOOPBACK_ONLY = ("127.0.0.1/32",)


@pytest.fixture
async def host() -> AsyncIterator[IcsServer]:
    async with ics_server() as server:
        server.bodies["google.ics"] = GOOGLE
        yield server


def redirect(host: IcsServer, to: str) -> str:
    return host.address("redirect?to=" + quote(to, safe=""))


async def refused(fetch: AiohttpCalendarFetcher, url: str) -> CalendarFeedError:
    with pytest.raises(CalendarFeedError) as caught:
        await fetch.fetch(url)
    return caught.value


async def test_a_calendar_on_an_allowed_network_is_fetched(host: IcsServer) -> None:
    assert await fetcher(*LOOPBACK_ONLY).fetch(host.address("google.ics")) == GOOGLE


async def test_relative_redirects_are_followed_within_the_limit(host: IcsServer) -> None:
    assert await fetcher(*LOOPBACK_ONLY).fetch(redirect(host, "/google.ics")) == GOOGLE
    assert host.hits == ["/redirect", "/google.ics"]


async def test_loopback_is_refused_without_the_setting(host: IcsServer) -> None:
    error = await refused(fetcher(), host.address("google.ics"))
    assert error.key == "calendar_address_refused"
    assert host.hits == []  # refused before connecting


async def test_a_name_that_resolves_to_loopback_is_refused_after_resolution(
    host: IcsServer,
) -> None:
    port = host.url.rsplit(":", 1)[1]
    error = await refused(fetcher(), f"http://localhost:{port}/google.ics")
    assert (error.key, error.params["host"]) == ("calendar_address_refused", "localhost")
    assert host.hits == []


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.7/cal.ics",  # private
        "http://192.168.1.1/cal.ics",
        "http://169.254.169.254/latest/meta-data/",  # link-local (cloud metadata)
        "http://[::1]:9/cal.ics",  # IPv6 loopback
        "http://[fe80::1]/cal.ics",
        "http://127.0.0.2/cal.ics",  # loopback, outside the allowed /32
    ],
)
async def test_inside_addresses_are_refused_even_with_loopback_allowed(url: str) -> None:
    error = await refused(fetcher(*LOOPBACK_ONLY), url)
    assert error.key == "calendar_address_refused"


@pytest.mark.parametrize(
    "target",
    ["http://10.0.0.7/cal.ics", "http://169.254.169.254/latest/meta-data/", "http://127.0.0.2/x"],
)
async def test_a_redirect_to_an_inside_address_is_refused(host: IcsServer, target: str) -> None:
    error = await refused(fetcher(*LOOPBACK_ONLY), redirect(host, target))
    assert error.key == "calendar_address_refused"
    assert host.hits == ["/redirect"]  # the first hop was fetched, the second never


async def test_a_redirect_to_another_scheme_is_refused(host: IcsServer) -> None:
    error = await refused(fetcher(*LOOPBACK_ONLY), redirect(host, "file:///etc/passwd"))
    assert error.key == "calendar_url_invalid"


async def test_a_redirect_loop_stops_at_the_limit(host: IcsServer) -> None:
    url = host.address("google.ics")
    for _ in range(DEFAULTS.calendar_max_redirects + 1):
        url = redirect(host, url)
    error = await refused(fetcher(*LOOPBACK_ONLY), url)
    assert error.key == "calendar_too_many_redirects"
    assert host.hits == ["/redirect"] * (DEFAULTS.calendar_max_redirects + 1)


async def test_a_huge_file_is_refused_by_the_default_size_limit(host: IcsServer) -> None:
    limit = DEFAULTS.calendar_max_bytes
    host.bodies["huge.ics"] = GOOGLE + b" " * limit  # Content-Length says it all
    error = await refused(fetcher(*LOOPBACK_ONLY), host.address("huge.ics"))
    assert (error.key, error.params["limit_mb"]) == ("calendar_too_large", limit / 1_000_000)
    # Without a Content-Length the body is counted as it comes, and cut past the limit.
    streamed = host.address(f"streamed?size={limit + 1}")
    assert (await refused(fetcher(*LOOPBACK_ONLY), streamed)).key == "calendar_too_large"
    exact = host.address(f"streamed?size={limit}")
    assert len(await fetcher(*LOOPBACK_ONLY).fetch(exact)) == limit


async def test_a_slow_host_hits_the_time_limit(host: IcsServer) -> None:
    error = await refused(fetcher(*LOOPBACK_ONLY, seconds=0.3), host.address("slow?seconds=5"))
    assert error.key == "calendar_fetch_timeout"


async def test_an_error_page_is_refused_with_its_status(host: IcsServer) -> None:
    error = await refused(fetcher(*LOOPBACK_ONLY), host.address("gone.ics"))
    assert (error.key, error.params["status"]) == ("calendar_http_status", 404)


async def test_a_closed_port_is_a_fetch_failure() -> None:
    error = await refused(fetcher(*LOOPBACK_ONLY), "http://127.0.0.1:9/cal.ics")
    assert error.key == "calendar_fetch_failed"
