"""``/static/...``: the site's stylesheet and the providers' photos, with cache headers.

A request that names the file's version (``?v=<hash>``, as the stylesheet link does) may
be kept for a year; other files (photos) for a day, then revalidated by ETag or date.
"""

from __future__ import annotations

from aiohttp import web

from web.render import STATIC

YEAR = "public, max-age=31536000, immutable"
DAY = "public, max-age=86400"
TYPES = {".svg": "image/svg+xml", ".css": "text/css", ".png": "image/png", ".jpg": "image/jpeg"}


def static_routes() -> list[web.RouteDef]:
    return [web.get("/static/{path:.+}", serve_static)]


async def serve_static(request: web.Request) -> web.StreamResponse:
    root = STATIC.resolve()
    wanted = (root / request.match_info["path"]).resolve()
    # No way out of the folder (``..``, symbolic links) and only the types we serve.
    if not wanted.is_relative_to(root) or wanted.suffix not in TYPES or not wanted.is_file():
        raise web.HTTPNotFound()
    response = web.FileResponse(wanted, headers={"Content-Type": TYPES[wanted.suffix]})
    response.headers["Cache-Control"] = YEAR if "v" in request.query else DAY
    return response
