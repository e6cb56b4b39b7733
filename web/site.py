"""The marketing site's routes: landing, directory, provider pages, FAQ, privacy, sitemap.

Every page exists once per language under ``/fr/``, ``/ar/`` and ``/en/``; the addresses
without a prefix (``/``, ``/providers``...) show the visitor's language (see
``web.languages``) and name the prefixed ones as canonical and as ``hreflang`` alternates.
Handlers only read the request, ask ``core.services`` and render a template.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from aiohttp import web

from core.catalog.landing import landing
from core.catalog.photo_store import LocalPhotoStore
from core.catalog.search import SearchPage
from core.catalog.site_catalog import (
    ProviderCard,
    provider_cards,
    provider_page,
    public_slugs,
)
from core.catalog.vocabulary import CATEGORIES, CITIES, LANGUAGES, MARKET_TZ
from core.clock import Clock
from core.settings import Settings
from core.uow import UnitOfWorkFactory
from dialogs.client.relaxations import relaxed_label, relaxed_totals
from dialogs.faq import FAQ
from dialogs.framework.reads import CachedReads
from dialogs.i18n.translator import translator
from web import languages
from web.links import Channels, Visit, calls_to_action, payload
from web.photo_files import photo_routes
from web.render import environment, stylesheet_url
from web.search_form import SITE_FIELDS, SearchForm, read_form
from web.static_files import static_routes

log = logging.getLogger(__name__)
UTM_COOKIE = "utm"
YEAR = 365 * 24 * 3600
FEATURED = 6
HOME_REVIEWS = 3
PATHS = {
    "home": "/",
    "directory": "/providers",
    "provider": "/providers/{slug}",
    "faq": "/faq",
    "privacy": "/privacy",
}
LANG = "{lang:fr|ar|en}"


class HasUsername(Protocol):
    """What getMe answers, as far as the site cares."""

    @property
    def username(self) -> str | None: ...


@dataclass(frozen=True)
class PageRef:
    """Which page, to build its address in any language (and without one)."""

    name: str
    slug: str = ""
    query: str = ""

    def url(self, lang: str | None) -> str:
        path = PATHS[self.name].format(slug=self.slug)
        if lang is not None:
            path = f"/{lang}{path}" if path != "/" else f"/{lang}/"
        return path + (f"?{self.query}" if self.query else "")


class Site:
    def __init__(
        self,
        uows: UnitOfWorkFactory,
        clock: Clock,
        settings: Settings,
        channels: Channels,
        reads: CachedReads,
    ) -> None:
        self.uows, self.clock, self.settings = uows, clock, settings
        self.channels = channels
        # The chat's search and its cache: the same answers, as fresh as the chat's
        # (this process's commits show at once, other processes' within the TTL).
        self.reads = reads

    def routes(self) -> list[web.RouteDef]:
        pages: list[tuple[str, Callable[[web.Request], Awaitable[web.StreamResponse]]]] = [
            ("home", self.home),
            ("directory", self.directory),
            ("provider", self.provider),
            ("faq", self.faq),
            ("privacy", self.privacy),
        ]
        found = [web.get(PATHS[name], handler) for name, handler in pages]
        # The slug placeholder survives url(): "/{lang}/providers/{slug}".
        found += [web.get(PageRef(name, "{slug}").url(LANG), handler) for name, handler in pages]
        found += [
            web.get("/" + LANG, self.language_home),
            web.get("/sitemap.xml", self.sitemap),
            web.get("/robots.txt", self.robots),
            *static_routes(),
            *photo_routes(LocalPhotoStore(Path(self.settings.photo_dir))),
        ]
        return found

    def learn_username(
        self, get_me: Callable[[], Awaitable[HasUsername]]
    ) -> Callable[[web.Application], Awaitable[None]]:
        """A start-up hook: the client bot's @username from getMe, for the t.me links."""

        async def learn(_: web.Application) -> None:
            try:
                me = await get_me()
            except Exception:  # Telegram down: the site serves, without its Telegram button
                log.exception("getMe failed: the site shows no Telegram link until a restart")
                return
            if me.username:
                self.channels = replace(self.channels, telegram_username=me.username)

        return learn

    # ---- pages -------------------------------------------------------------------------------

    async def home(self, request: web.Request) -> web.StreamResponse:
        ctx = self._context(request, PageRef("home"), "home")
        # One read for the whole page (core/catalog/landing.py), per minute like the search.
        minute = self.clock.now().replace(second=0, microsecond=0)
        shown = await self.reads.cached(
            ("site-landing", minute),
            lambda s: landing(s, now=minute, featured=FEATURED, reviews=HOME_REVIEWS),
        )
        t = ctx["t"]
        return self._render(
            request,
            "home.html",
            ctx,
            title=t("Book your event's providers in a chat"),
            description=t(
                "Photographers, caterers, venues, negafas and more across Morocco: compare"
                " prices and free dates, then book on Telegram or WhatsApp."
            ),
            featured=shown.featured.hits,
            cards=shown.cards,
            counts=shown.counts,
            reviews=shown.reviews,
            ctas=self._ctas(ctx, "home"),
        )

    async def directory(self, request: web.Request) -> web.StreamResponse:
        lang = self._lang(request)
        t, now = translator(lang), self.clock.now()
        form = read_form(
            request.query,
            t,
            today=now.astimezone(MARKET_TZ).date(),
            max_days_ahead=self.settings.max_booking_days_ahead,
        )
        ref = PageRef("directory", query=urlencode(form.filters))
        ctx = self._context(request, ref, "directory")
        results = await self.reads.search(form.query, now=now)
        cards = await self._cards(results)
        q = form.query
        empty = not results.hits and not results.page
        # Nothing found: what dropping one choice would find, each a link to that search.
        relaxed = [
            (relaxed_label(field, n, t), self._without(ref, lang, form, SITE_FIELDS[field]))
            for field, n in (await relaxed_totals(self.reads, q, now) if empty else [])
        ]
        return self._render(
            request,
            "directory.html",
            ctx,
            title=t("Find a provider"),
            description=t("Event providers in Morocco, by category, city, free date and budget."),
            form=form,
            results=results,
            relaxed=relaxed,
            cards=cards,
            categories=CATEGORIES,
            cities=CITIES,
            page_link=lambda n: (
                ref.url(lang).split("?")[0] + "?" + urlencode({**form.filters, "page": n})
            ),
            ctas=self._ctas(ctx, "directory", category=q.category, city=q.city),
        )

    @staticmethod
    def _without(ref: PageRef, lang: str, form: SearchForm, name: str) -> str:
        kept = {k: v for k, v in form.filters.items() if k != name}
        return ref.url(lang).split("?")[0] + ("?" + urlencode(kept) if kept else "")

    async def provider(self, request: web.Request) -> web.StreamResponse:
        slug = request.match_info["slug"]
        ctx = self._context(request, PageRef("provider", slug=slug), "provider")
        minute = self.clock.now().replace(second=0, microsecond=0)
        found = await self.reads.cached(
            ("site-provider", slug, minute), lambda s: provider_page(s, slug, now=minute)
        )
        t = ctx["t"]
        if found is None:
            return self._render(
                request,
                "not_found.html",
                ctx,
                status=404,
                title=t("This provider is not available any more."),
                description="",
            )
        name = t.pick(found.name)
        return self._render(
            request,
            "provider.html",
            ctx,
            title=name,
            description=t.pick(found.description)[:200],
            image=found.photos[0] if found.photos else None,
            p=found,
            ctas=self._ctas(ctx, "provider", provider=found.slug),
        )

    async def faq(self, request: web.Request) -> web.StreamResponse:
        ctx = self._context(request, PageRef("faq"), "faq")
        t = ctx["t"]
        return self._render(
            request,
            "faq.html",
            ctx,
            faq=FAQ,  # the same answers as the bot gives (issue 14)
            title=t("Questions and answers"),
            description=t("Mounasabet finds and books event providers for you."),
            ctas=self._ctas(ctx, "faq"),
        )

    async def privacy(self, request: web.Request) -> web.StreamResponse:
        ctx = self._context(request, PageRef("privacy"), "privacy")
        t = ctx["t"]
        return self._render(
            request,
            "privacy.html",
            ctx,
            title=t("Privacy"),
            description=t("What Mounasabet keeps about you, why, and for how long."),
        )

    async def language_home(self, request: web.Request) -> web.StreamResponse:
        """``/ar`` as typed by hand: the landing page lives at ``/ar/``."""
        raise web.HTTPMovedPermanently(PageRef("home").url(request.match_info["lang"]))

    async def sitemap(self, _: web.Request) -> web.Response:
        slugs = await self.reads.cached(("site-slugs",), public_slugs)
        refs = [PageRef(n) for n in ("home", "directory", "faq", "privacy")]
        refs += [PageRef("provider", slug=s) for s in slugs]
        body = (
            environment()
            .get_template("sitemap.xml")
            .render(base=self.settings.base_url, refs=refs, languages=LANGUAGES)
        )
        return web.Response(text=body, content_type="application/xml")

    async def robots(self, _: web.Request) -> web.Response:
        lines = [
            "User-agent: *",
            "Disallow: /sandbox",
            "Disallow: /pay/",
            "Disallow: /invoices/",
            "Disallow: /webhooks/",
            f"Sitemap: {self.settings.base_url}/sitemap.xml",
        ]
        return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")

    # ---- helpers -----------------------------------------------------------------------------

    async def _cards(self, page: SearchPage) -> dict[int, ProviderCard]:
        ids = tuple(hit.provider_id for hit in page.hits)
        return await self.reads.cached(("site-cards", ids), lambda s: provider_cards(s, list(ids)))

    def _lang(self, request: web.Request) -> str:
        return languages.choose(
            request.match_info.get("lang"),
            request.cookies.get(languages.COOKIE),
            request.headers.get("Accept-Language"),
        )

    def _context(self, request: web.Request, ref: PageRef, page: str) -> dict[str, Any]:
        lang = self._lang(request)
        t = translator(lang)
        return {
            "lang": lang,
            "t": t,
            "plural": t.plural,
            "rtl": t.rtl,
            "ref": ref,
            "page": page,
            "languages": LANGUAGES,
            "url": lambda name, slug="", query=None: (
                PageRef(name, slug).url(lang) + (f"?{urlencode(query)}" if query else "")
            ),
            "abs": lambda path: self.settings.base_url + path,
            "css": stylesheet_url(),
            "visit": Visit.read(dict(request.query), request.cookies.get(UTM_COOKIE)),
            "image": None,
        }

    def _ctas(self, ctx: dict[str, Any], page: str, **target: str | None) -> list[Any]:
        code = payload(visit=ctx["visit"], page=page, **target)
        return calls_to_action(self.channels, code)

    def _render(
        self,
        request: web.Request,
        template: str,
        ctx: dict[str, Any],
        *,
        status: int = 200,
        **values: Any,
    ) -> web.Response:
        html = environment().get_template(template).render({**ctx, **values})
        response = web.Response(text=html, content_type="text/html", status=status)
        response.headers["Cache-Control"] = "no-cache"
        if "lang" not in request.match_info:
            # The same address answers in several languages: caches must key on these.
            response.headers["Vary"] = "Accept-Language, Cookie"
        elif request.cookies.get(languages.COOKIE) != ctx["lang"]:
            response.set_cookie(
                languages.COOKIE, ctx["lang"], max_age=YEAR, samesite="Lax", path="/"
            )
        visit: Visit = ctx["visit"]
        if visit and request.cookies.get(UTM_COOKIE) != visit.cookie:
            # The campaign reaches the links of the next pages too (30 days, this site only).
            response.set_cookie(UTM_COOKIE, visit.cookie, max_age=30 * 24 * 3600, samesite="Lax")
        return response
