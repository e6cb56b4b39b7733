"""The site's deep-link payloads, calls to action and language choice (issue 17)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.settings import Settings
from dialogs.client.deeplinks import DeepLink, parse_deeplink
from web.languages import choose, from_accept_language
from web.links import Channels, Visit, calls_to_action, payload

TELEGRAM_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{0,64}$")
SLUG = st.from_regex(r"[a-z0-9][a-z0-9-]{0,79}", fullmatch=True)


def test_a_campaign_visit_is_named_in_the_payload() -> None:
    visit = Visit.read({"utm_source": "Insta.Gram", "utm_campaign": "été__2027"}, None)
    code = payload(visit=visit, page="provider", provider="studio-nour")
    # "__" is the payload's separator: it never comes out of a campaign name.
    assert code == "p-studio-nour__s-site-prov-insta-gram-t-2027"
    link = parse_deeplink(code)
    assert (link.provider, link.source) == ("studio-nour", "site-prov-insta-gram-t-2027")


def test_the_campaign_comes_back_from_the_cookie() -> None:
    first = Visit.read({"utm_source": "facebook", "utm_campaign": "ramadan"}, None)
    assert Visit.read({}, first.cookie) == first
    assert Visit.read({"utm_source": "tiktok"}, first.cookie) == Visit("tiktok", "")
    assert not Visit.read({}, None)


def test_a_long_slug_keeps_the_provider_and_drops_the_filters_that_do_not_fit() -> None:
    slug = "0" * 47  # "p-" + 47 fits; with "__c-photographer" it would be 65
    code = payload(
        visit=Visit.read({}, None), page="directory", provider=slug, category="photographer"
    )
    assert TELEGRAM_PAYLOAD.match(code), code
    link = parse_deeplink(code)
    assert (link.provider, link.category, link.source) == (slug, None, "site-dir")
    shorter = payload(
        visit=Visit.read({}, None),
        page="directory",
        provider="0" * 40,
        category="photographer",
        city="el_jadida",
    )
    assert (parse_deeplink(shorter).category, parse_deeplink(shorter).city) == (
        "photographer",
        None,
    )


@given(
    slug=SLUG,
    source=st.text(max_size=200),
    campaign=st.text(max_size=200),
    category=st.sampled_from([None, "photographer", "caterer"]),
    city=st.sampled_from([None, "rabat", "el_jadida"]),
)
def test_every_payload_fits_telegram_and_reads_back(
    slug: str, source: str, campaign: str, category: str | None, city: str | None
) -> None:
    visit = Visit.read({"utm_source": source, "utm_campaign": campaign}, None)
    code = payload(visit=visit, page="directory", provider=slug, category=category, city=city)
    assert TELEGRAM_PAYLOAD.match(code), code
    link = parse_deeplink(code)
    if len(slug) <= 62:  # "p-" + slug fits: the provider always wins over the source
        assert link.provider == slug
    # The page's filters come along when they fit beside the provider (city dropped first).
    assert link.category in (category, None) and link.city in (city, None)
    assert link.city is None or link.category == category
    if len(DeepLink(provider=link.provider, category=category, city=city).encode_unchecked()) <= 64:
        assert (link.category, link.city) == (category, city)
    if link.source:
        assert "site-dir".startswith(link.source) or link.source.startswith("site-dir")


def test_a_channel_without_settings_has_no_button() -> None:
    code = "p-x__s-site-prov"
    assert calls_to_action(Channels(), code) == []
    only_telegram = calls_to_action(Channels(telegram_username="MsbBot"), code)
    assert [(c.kind, c.url) for c in only_telegram] == [
        ("telegram", "https://t.me/MsbBot?start=p-x__s-site-prov")
    ]
    both = calls_to_action(Channels("MsbBot", "212522000111", sandbox=True), code)
    assert [c.kind for c in both] == ["telegram", "whatsapp"]  # no sandbox once a chat exists
    assert both[1].url == "https://wa.me/212522000111?text=p-x__s-site-prov"
    local = calls_to_action(Channels(sandbox=True), code)
    assert [(c.kind, c.url) for c in local] == [("sandbox", "/sandbox?start=p-x__s-site-prov")]


def test_whatsapp_needs_the_twilio_account_and_a_sender() -> None:
    on = Settings(
        twilio_account_sid="AC1",
        twilio_auth_token="x",
        twilio_whatsapp_from="whatsapp:+212 522-000111",
        _env_file=None,
    )
    assert Channels.from_settings(on).whatsapp_number == "212522000111"
    off = Settings(twilio_whatsapp_from="whatsapp:+212522000111", _env_file=None)
    assert Channels.from_settings(off).whatsapp_number is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ar-MA,ar;q=0.9,fr;q=0.8", "ar"),
        ("de-DE,de;q=0.9,en;q=0.4,fr;q=0.5", "fr"),
        ("en;q=0, fr;q=0.1", "fr"),
        ("en-GB", "en"),
        ("de, es", None),
        ("", None),
        ("fr;q=abc, en;q=0.9", "fr"),  # a malformed weight counts as 1
    ],
)
def test_accept_language(header: str, expected: str | None) -> None:
    assert from_accept_language(header) == expected


def test_the_address_then_the_cookie_then_the_browser() -> None:
    assert choose("en", "ar", "fr") == "en"
    assert choose(None, "ar", "fr") == "ar"
    assert choose(None, "xx", "en-US") == "en"
    assert choose(None, None, "de") == "fr"
