"""``/photos/<name>``: providers' own photos and thumbnails, from the photo store.

Names are made from the photo's content, so a name always means the same bytes: they may
be kept for a year. Any other name is 404 (the store resolves only names it makes).
"""

from __future__ import annotations

from aiohttp import web

from core.catalog.photo_store import PHOTO_ROUTE, LocalPhotoStore

YEAR = "public, max-age=31536000, immutable"


def photo_routes(store: LocalPhotoStore) -> list[web.RouteDef]:
    async def serve_photo(request: web.Request) -> web.StreamResponse:
        found = store.path(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        return web.FileResponse(
            found,
            headers={
                "Content-Type": "image/jpeg",
                "Cache-Control": YEAR,
                "X-Content-Type-Options": "nosniff",
            },
        )

    return [web.get(PHOTO_ROUTE + "/{name}", serve_photo)]
