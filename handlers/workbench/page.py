"""The page at /app/: plain HTML, CSS and JS modules from this package (no CDN, no build step),
and the workbench's texts from the catalogs (the `wb.` keys and the labels it shares)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from aiohttp import web

from bot.domain.model import Language
from bot.i18n import load_catalog

STATIC: Final = Path(__file__).parent / "static"
_TYPES: Final = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".svg": "image/svg+xml",
}
#: The keys the page reads besides its own `wb.` ones.
_SHARED: Final = ("status.", "action.", "outcome.")
#: The page and its calls come from this origin only; no inline script, no frames of others.
_SECURITY: Final = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:;"
    " style-src 'self'; script-src 'self'; frame-ancestors *",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def page_texts() -> dict[str, dict[str, str]]:
    texts: dict[str, dict[str, str]] = {}
    for language in Language:
        catalog = load_catalog(language)
        texts[language.value] = {
            key: value for key, value in catalog.items() if key.startswith(("wb.", *_SHARED))
        }
    return texts


def add_page_routes(app: web.Application) -> None:
    texts = page_texts()

    async def index(_: web.Request) -> web.StreamResponse:
        return web.FileResponse(
            STATIC / "index.html", headers={**_SECURITY, "Cache-Control": "no-cache"}
        )

    async def static(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        path = (STATIC / name).resolve()
        if path.parent != STATIC.resolve() or not path.is_file() or path.suffix not in _TYPES:
            raise web.HTTPNotFound()
        return web.FileResponse(
            path, headers={"Content-Type": _TYPES[path.suffix], "Cache-Control": "no-cache"}
        )

    async def catalog(request: web.Request) -> web.StreamResponse:
        language = request.match_info["lang"]
        if language not in texts:
            raise web.HTTPNotFound()
        return web.json_response(texts[language], headers={"Cache-Control": "no-cache"})

    async def to_page(_: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/app/")

    app.router.add_get("/app", to_page)
    app.router.add_get("/app/", index)
    app.router.add_get("/app/static/{name}", static)
    app.router.add_get("/api/app/texts/{lang}", catalog)
