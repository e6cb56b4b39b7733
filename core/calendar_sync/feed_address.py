"""Which calendar addresses we fetch: pure checks, no I/O.

A provider pastes an address and our server fetches it, so the address must not point
our server at itself or its private network (SSRF). The fetcher (an outer layer) checks
every address a host name resolves to, and every hop of a redirect, with these rules.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from core.calendar_sync.ports import CalendarFeedError

MAX_URL_LENGTH = 2000
SCHEMES = ("http", "https")
# Apple and Google hand out webcal:// links: the same feed, served over HTTPS.
WEBCAL = "webcal"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def feed_url(text: str) -> str:
    """The address a provider pasted, as we will fetch it; CalendarFeedError if unusable."""
    text = text.strip().strip("<>")
    if not text or len(text) > MAX_URL_LENGTH or any(c.isspace() for c in text):
        raise CalendarFeedError("calendar_url_invalid")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme == WEBCAL:
        parts, scheme = parts._replace(scheme="https"), "https"
    check_hop(urlunsplit(parts))
    return urlunsplit(parts._replace(scheme=scheme))


def check_hop(url: str) -> None:
    """A first address or a redirect's target: http(s) with a host, nothing else."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise CalendarFeedError("calendar_url_invalid")
    if parts.username or parts.password:
        # Credentials in the address would be sent on; feeds carry their secret in the path.
        raise CalendarFeedError("calendar_url_invalid")


def allowed_networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def address_allowed(address: str, exceptions: tuple[Network, ...] = ()) -> bool:
    """A public unicast address, or one of the networks a setting allows (tests, staging)."""
    ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    if any(ip in network for network in exceptions):
        return True
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)
