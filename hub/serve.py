"""The HTTP face of the hub (Starlette, run by uvicorn).

Routes:

* ``/`` — HTML index of every feed with ``<link rel="alternate">`` autodiscovery.
* ``/feeds/all.{atom,rss,json}``, ``/feeds/category/{slug}.…``, ``/feeds/region/{slug|code}.…``,
  ``/feeds/region/{r}/category/{c}.…``, ``/feeds/source/{id}.…`` — the published bytes
  as the publisher stored them; with consumer options (``?limit=``, ``?filter=`` …) the
  feed is rendered for that request from the archive.
* ``/feeds/…/archive/YYYY-MM.{atom,rss,json}`` — RFC 5005 monthly archive documents.
* ``/opml.xml`` (every feed, grouped), ``/opml/region/{r}.xml`` (one region).
* ``/sources`` — source health; ``/healthz``; ``/metrics`` (Prometheus, ``hub.metrics``).

HTTP behaviour (RFC 9110/9111): a weak ``ETag`` on every document (one tag for the
identity bytes and their compressed encodings) and ``Last-Modified`` (when
the bytes last changed) on every published feed,
``304`` for a matching ``If-None-Match`` (or, without it, ``If-Modified-Since`` not older
than the feed), ``HEAD``, brotli/zstd/gzip when accepted (starlette-compress),
``Cache-Control: public, max-age=`` the shortest interval of the feed's sources,
``Content-Type`` with charset, and a short plain-text ``404`` for an unknown feed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette_compress import CompressMiddleware, add_compress_type

from hub import archive, catalog, site
from hub.config import Config
from hub.consumer import ConsumerOptions, OptionError, apply_options, parse_options
from hub.errors import StorageError
from hub.metrics import StoreCollector, process_registry
from hub.pipeline import feed_entries, feed_meta, publish_context, render_archive
from hub.publish import CONTENT_TYPES, PublishContext, render
from hub.store import Store
from hub.timeutil import utc_now
from hub.types import FeedKey
from hub.watch import ConfigWatcher

__all__ = ["create_app"]

log = logging.getLogger("hub.serve")


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def _not_modified(request: Request, etag: str, last_modified: datetime | None) -> bool:
    inm = request.headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        # weak comparison (RFC 9110 §13.1.2): W/"x" matches "x"
        return "*" in tags or _opaque(etag) in {_opaque(t) for t in tags}
    ims = request.headers.get("if-modified-since")
    if ims and last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return last_modified.replace(microsecond=0) <= since
    return False


def _respond(
    request: Request,
    body: bytes,
    *,
    content_type: str,
    etag: str | None = None,
    last_modified: datetime | None = None,
    max_age: int = 300,
) -> Response:
    etag = etag or '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    # weak: the same tag stands for the identity bytes and their br/zstd/gzip encodings,
    # which a strong validator may not (RFC 9110 §8.8.1)
    etag = etag if etag.startswith("W/") else "W/" + etag
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if last_modified is not None:  # only where the hub knows when the bytes changed
        headers["Last-Modified"] = format_datetime(last_modified.astimezone(UTC), usegmt=True)
    if _not_modified(request, etag, last_modified):
        # the compressor adds Vary to 200s; a 304 must carry it too (RFC 9110 §15.4.5)
        return Response(status_code=304, headers={**headers, "Vary": "Accept-Encoding"})
    return Response(body, media_type=None, headers={**headers, "Content-Type": content_type})


def _split_ext(path: str) -> tuple[list[str], str] | None:
    stem, dot, ext = path.rpartition(".")
    if not dot or ext not in catalog.FORMATS:
        return None
    return [p for p in stem.split("/") if p], ext


def create_app(
    config: Config,
    store: Store,
    *,
    queue_depth: Callable[[], dict[str, int]] | None = None,
    watch: bool = True,
    clock: Callable[[], datetime] = utc_now,
) -> Starlette:
    """Build the ASGI app over a loaded config and a store (no polling here).

    With ``watch`` the app follows edits of ``config.path`` (``hub.watch``): a source
    added to feeds.yaml gets its feeds without a restart. ``queue_depth`` (optional)
    reports Celery queue lengths for ``/metrics``; ``clock`` is the time seam (aware UTC)
    for ``?filter_time=`` and the closed archive months.
    """
    watcher = ConfigWatcher(config.path, config) if watch else None
    contexts: dict[int, tuple[Config, PublishContext]] = {}

    def live() -> tuple[Config, PublishContext]:
        current = watcher.current()[0] if watcher is not None else config
        if id(current) not in contexts:
            contexts.clear()
            contexts[id(current)] = (current, publish_context(current))
        return contexts[id(current)]

    registry = CollectorRegistry()
    registry.register(StoreCollector(store, lambda: list(live()[0].sources), queue_depth))

    def not_found(what: str) -> Response:
        return PlainTextResponse(f"404 Not Found: {what}\n", status_code=404)

    async def feed(request: Request) -> Response:
        config, _ = live()
        split = _split_ext(request.path_params["path"])
        if split is None:
            return not_found("unknown feed; feeds end in .atom, .rss or .json (see /)")
        parts, fmt = split
        if len(parts) >= 3 and parts[-2] == "archive":
            return archive_doc(request, parts[:-2], parts[-1], fmt)
        key = catalog.key_for_path(config, parts)
        if key is None:
            return not_found(f"no feed at /feeds/{request.path_params['path']}")
        meta = feed_meta(config, key)
        content_type = CONTENT_TYPES[fmt]
        try:
            options = parse_options(request.query_params)
        except OptionError as exc:
            return PlainTextResponse(f"400 Bad Request: {exc}\n", status_code=400)
        if options is None:
            stored = store.get_feed(key.storage_key, fmt)
            if stored is not None:
                return _respond(
                    request,
                    stored.body,
                    content_type=content_type,
                    etag=stored.etag,
                    last_modified=stored.rendered_at,
                    max_age=meta.ttl_s,
                )
            options = ConsumerOptions()
        body = _render_with(key, fmt, options)
        return _respond(request, body, content_type=content_type, max_age=meta.ttl_s)

    def archive_doc(request: Request, parts: list[str], month: str, fmt: str) -> Response:
        config, _ = live()
        key = catalog.key_for_path(config, parts)
        if key is None or not archive.MONTH.match(month):
            return not_found(f"no archive at /feeds/{request.path_params['path']}")
        body = render_archive(config, store, key, month, fmt, now=clock())
        if body is None:
            return not_found(f"no archive for {month} (only closed months with entries)")
        return _respond(request, body, content_type=CONTENT_TYPES[fmt], max_age=86400)

    def _render_with(key: FeedKey, fmt: str, options: ConsumerOptions) -> bytes:
        config, ctx = live()
        meta = feed_meta(config, key)
        now = clock()
        candidates = feed_entries(
            config,
            store,
            key,
            limit=options.fetch_limit(config.settings.feed_limit),
            since=options.since_at(now),
        )
        items = apply_options(candidates, options, default_limit=config.settings.feed_limit)
        return render(meta, items, fmt, ctx)  # type: ignore[arg-type]

    async def index(request: Request) -> Response:
        config, _ = live()
        body = site.index_document(config, store)
        return _respond(request, body, content_type="text/html; charset=utf-8", max_age=60)

    async def opml(request: Request) -> Response:
        config, _ = live()
        keys = catalog.all_feed_keys(config)
        body = site.opml_document(config, keys, config.settings.title)
        return _respond(request, body, content_type="text/x-opml; charset=utf-8", max_age=3600)

    async def opml_region(request: Request) -> Response:
        config, _ = live()
        region = config.regions.get(request.path_params["region"])
        body = site.region_opml_document(config, region) if region is not None else None
        if body is None:
            return not_found(f"no feeds for region {request.path_params['region']!r}")
        return _respond(request, body, content_type="text/x-opml; charset=utf-8", max_age=3600)

    async def sources_page(request: Request) -> Response:
        config, _ = live()
        body = site.sources_document(config, store)
        return _respond(request, body, content_type="text/html; charset=utf-8", max_age=30)

    async def metrics_page(request: Request) -> Response:
        processes = process_registry() or REGISTRY
        body = generate_latest(processes) + generate_latest(registry)
        return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def favicon(request: Request) -> Response:
        return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})

    async def healthz(request: Request) -> Response:
        store.count_entries()
        return PlainTextResponse("ok\n")

    routes = [
        Route("/", index),
        Route("/feeds/{path:path}", feed),
        Route("/opml.xml", opml),
        Route("/opml/region/{region}.xml", opml_region),
        Route("/sources", sources_page),
        Route("/healthz", healthz),
        Route("/favicon.ico", favicon),
        Route("/metrics", metrics_page),
    ]
    for content_type in ("application/feed+json", "text/x-opml"):
        add_compress_type(content_type)

    async def storage_unavailable(request: Request, exc: Exception) -> Response:
        log.error("storage error serving %s: %s", request.url.path, exc)
        return PlainTextResponse(
            "503 Service Unavailable: the database is not reachable; try again later\n",
            status_code=503,
            headers={"Retry-After": "30"},
        )

    return Starlette(
        routes=routes,
        middleware=[Middleware(CompressMiddleware, minimum_size=500)],
        exception_handlers={StorageError: storage_unavailable},
    )
