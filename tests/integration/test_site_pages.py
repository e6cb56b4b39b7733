"""The marketing site over real HTTP on loopback, on SQLite and PostgreSQL (issue 17):
the directory's "free that day" is the chat's, languages, channels, static files, sitemap."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from core.catalog.search import SearchQuery, search_providers
from core.clock import FixedClock
from core.db.tables import Blackout, Provider, ProviderCity
from core.settings import Settings
from core.uow import UnitOfWorkFactory
from dialogs import labels
from dialogs.bootstrap import build_stores
from dialogs.i18n.translator import translator
from tests.support.factories import make_provider
from web.links import Channels
from web.site import Site

DAY = date(2026, 6, 14)  # the clock says 4 May 2026


@dataclass
class Web:
    url: str
    http: aiohttp.ClientSession
    uows: UnitOfWorkFactory

    async def get(self, path: str, **headers: str) -> tuple[int, str, aiohttp.ClientResponse]:
        async with self.http.get(self.url + path, headers=headers) as resp:
            body = await resp.read()
            return resp.status, body.decode("utf-8", "replace"), resp


async def serve(uows: UnitOfWorkFactory, clock: FixedClock, channels: Channels) -> TestServer:
    settings = Settings(public_url="https://mounasabet.example", _env_file=None)
    app = web.Application()
    reads = build_stores(uows, catalog_cache_seconds=settings.catalog_cache_seconds).reads
    app.add_routes(Site(uows, clock, settings, channels, reads).routes())
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


@pytest.fixture
async def site(uows: UnitOfWorkFactory, clock: FixedClock) -> AsyncIterator[Web]:
    server = await serve(uows, clock, Channels(telegram_username="MsbBot"))
    # No cookie jar: each request says its own cookies, as a first visit does.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        yield Web(str(server.make_url("")).rstrip("/"), http, uows)
    await server.close()


def slugs(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/\w\w/providers/([\w-]+)">', html)


async def test_free_that_day_is_the_chats_answer(site: Web, clock: FixedClock) -> None:
    now = clock.now()
    await make_provider(site.uows, now, slug="free-studio")
    _, busy_id, _ = await make_provider(site.uows, now, slug="busy-studio")
    await make_provider(site.uows, now, slug="fes-studio", city="fes")
    async with site.uows() as uow:
        uow.session.add(Blackout(provider_id=busy_id, day=DAY))
        await uow.commit()

    status, html, _ = await site.get(f"/en/providers?city=rabat&date={DAY.isoformat()}")
    assert status == 200
    async with site.uows() as uow:
        chat = await search_providers(
            uow.session, SearchQuery(city="rabat", day=DAY, page_size=12), now=now
        )
    assert slugs(html) == [hit.slug for hit in chat.hits] == ["free-studio"]
    assert "1 provider found" in html
    # The day before, both are free.
    _, html, _ = await site.get("/en/providers?city=rabat&date=2026-06-13")
    assert sorted(slugs(html)) == ["busy-studio", "free-studio"]


async def test_a_wrong_filter_is_explained_next_to_its_field(site: Web, clock: FixedClock) -> None:
    await make_provider(site.uows, clock.now(), slug="studio")
    status, html, _ = await site.get("/fr/providers?date=2026-05-01&guests=abc&city=paris")
    fr = translator("fr")
    assert status == 200
    assert fr("This date has passed. Please choose a date from today on.") in html.replace(
        "&#39;", "'"
    )
    assert 'id="f-guests" name="guests" type="number"' in html
    assert 'aria-invalid="true" aria-describedby="e-guests"' in html
    assert slugs(html) == ["studio"]  # the wrong filters are left out, the rest applies


async def test_an_empty_directory_links_each_search_without_one_choice(
    site: Web, clock: FixedClock
) -> None:
    """As the chat does: "Any budget: 1 provider", a link to the search without it."""
    await make_provider(site.uows, clock.now(), slug="studio")
    tomorrow = (clock.now() + timedelta(days=1)).date().isoformat()  # inside its notice
    query = f"category=photographer&city=rabat&date={tomorrow}&budget=100"
    _, html, _ = await site.get(f"/en/providers?{query}")
    assert slugs(html) == []
    assert "No provider matches yet." in html  # dropping one choice is not enough

    _, html, _ = await site.get("/en/providers?category=photographer&budget=100")
    assert "No provider matches this search. Without one of your choices:" in html
    assert '<a href="/en/providers?category=photographer">Any budget: 1 provider</a>' in html
    _, html, _ = await site.get(f"/fr/providers?category=photographer&date={tomorrow}")
    link = "/fr/providers?category=photographer"
    assert f'<a href="{link}">Toutes dates: 1 prestataire</a>' in html
    _, html, _ = await site.get(link)
    assert slugs(html) == ["studio"]


async def test_the_directory_pages_through_every_provider_once(
    site: Web, clock: FixedClock
) -> None:
    for n in range(14):
        await make_provider(site.uows, clock.now(), slug=f"studio-{n:02d}")
    _, first, _ = await site.get("/en/providers?category=photographer")
    assert 'href="/en/providers?category=photographer&amp;page=2" rel="next"' in first
    _, second, _ = await site.get("/en/providers?category=photographer&page=2")
    assert len(slugs(first)) == 12 and len(slugs(second)) == 2
    assert sorted(slugs(first) + slugs(second)) == [f"studio-{n:02d}" for n in range(14)]


async def test_language_from_the_address_the_cookie_or_the_browser(
    site: Web, clock: FixedClock
) -> None:
    await make_provider(site.uows, clock.now(), slug="studio")
    _, html, resp = await site.get("/providers/studio", **{"Accept-Language": "ar,fr;q=0.5"})
    assert '<html lang="ar" dir="rtl">' in html
    assert resp.headers["Vary"] == "Accept-Language, Cookie"
    assert '<link rel="canonical" href="https://mounasabet.example/ar/providers/studio">' in html
    assert (
        '<link rel="alternate" hreflang="x-default" href="https://mounasabet.example/providers/studio">'
        in html
    )
    _, html, _ = await site.get("/providers/studio", Cookie="lang=en", **{"Accept-Language": "ar"})
    assert '<html lang="en" dir="ltr">' in html
    _, html, resp = await site.get("/fr/providers/studio", **{"Accept-Language": "ar"})
    assert '<html lang="fr" dir="ltr">' in html
    assert resp.cookies["lang"].value == "fr"  # the switch sticks for the next visit
    async with site.http.get(site.url + "/ar", allow_redirects=False) as resp:
        assert (resp.status, resp.headers["Location"]) == (301, "/ar/")


async def test_a_service_s_notice_reads_in_days_from_two_on(site: Web, clock: FixedClock) -> None:
    """As the provider chose it in the chat ("3 days"), not "72 hours"."""
    await make_provider(site.uows, clock.now(), slug="days", min_notice_hours=72)
    await make_provider(site.uows, clock.now(), slug="hours", min_notice_hours=24)
    _, html, _ = await site.get("/fr/providers/days")
    assert "Réserver au moins 3 jours à l&#39;avance" in html
    _, html, _ = await site.get("/en/providers/hours")
    assert "Book at least 24 hours ahead" in html


async def test_unknown_and_suspended_providers_are_not_found(site: Web, clock: FixedClock) -> None:
    _, provider_id, _ = await make_provider(site.uows, clock.now(), slug="gone")
    async with site.uows() as uow:
        provider = await uow.session.get(Provider, provider_id)
        assert provider is not None
        provider.status = "suspended"
        await uow.commit()
    assert (await site.get("/en/providers/gone"))[0] == 404
    assert (await site.get("/en/providers/nobody"))[0] == 404
    _, sitemap, resp = await site.get("/sitemap.xml")
    assert resp.content_type == "application/xml"
    assert "gone" not in sitemap
    assert "<loc>https://mounasabet.example/ar/providers</loc>" in sitemap


async def test_calls_to_action_follow_the_configured_channels(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    await make_provider(uows, clock.now(), slug="studio")
    cases = {
        Channels(): [],
        Channels(telegram_username="MsbBot"): ["https://t.me/MsbBot?start=p-studio__s-site-prov"],
        Channels(whatsapp_number="212522000111"): [
            "https://wa.me/212522000111?text=p-studio__s-site-prov"
        ],
        Channels(sandbox=True): ["/sandbox?start=p-studio__s-site-prov"],
    }
    for channels, expected in cases.items():
        server = await serve(uows, clock, channels)
        async with (
            aiohttp.ClientSession() as http,
            http.get(server.make_url("/en/providers/studio")) as resp,
        ):
            html = await resp.text()
        await server.close()
        assert re.findall(r'href="([^"]+)" data-cta=', html)[:1] == expected, channels


async def test_static_files_have_cache_headers_and_stay_in_their_folder(site: Web) -> None:
    status, _, resp = await site.get("/static/demo/atlas-films-1.jpg")
    assert (status, resp.content_type) == (200, "image/jpeg")
    assert resp.headers["Cache-Control"] == "public, max-age=86400"
    assert "ETag" in resp.headers or "Last-Modified" in resp.headers
    _, home, _ = await site.get("/en/")
    [css] = re.findall(r'href="(/static/site/site\.css\?v=\w+)"', home)
    status, _, resp = await site.get(css)
    assert status == 200 and "immutable" in resp.headers["Cache-Control"]
    for bad in ("/static/../site.py", "/static/%2e%2e/site.py", "/static/site/nothing.css"):
        assert (await site.get(bad))[0] == 404, bad


async def test_robots_names_the_sitemap(site: Web) -> None:
    status, robots, _ = await site.get("/robots.txt")
    assert status == 200
    assert "Sitemap: https://mounasabet.example/sitemap.xml" in robots
    assert "Disallow: /sandbox" in robots


async def test_lists_and_ratings_are_written_the_languages_way(
    site: Web, clock: FixedClock
) -> None:
    """Arabic lists take "،" and ratings the language's decimal sign (were ", " and "4.5")."""
    _, provider_id, _ = await make_provider(site.uows, clock.now(), slug="two-cities")
    async with site.uows() as uow:
        uow.session.add(ProviderCity(provider_id=provider_id, city="casablanca"))
        provider = await uow.session.get(Provider, provider_id)
        assert provider is not None
        provider.rating_sum, provider.rating_count, provider.rating_x100 = 9, 2, 450
        await uow.commit()
    for lang in ("ar", "fr", "en"):
        t = translator(lang)
        _, html, _ = await site.get(f"/{lang}/providers/two-cities")
        cities = t.join(labels.city(code, t) for code in ("casablanca", "rabat"))
        assert t("Cities: {cities}", cities=cities) in html, lang
        assert t("Rated {rating}/5 by {n} clients", rating=t.decimal(4.5), n=2) in html, lang
    assert "، " in translator("ar").join(("a", "b")) and "4,5" in translator("fr").decimal(4.5)
