"""Orchestration: poll one source, publish feeds. The one module that sequences I/O and
pure steps; the embedded runner and the Celery tasks both call these functions.

``poll_source``: fetch (conditional GET) → parse (feedparser or parsel) → for each *new*
item of an html source, fetch its article page once → normalize → store → record the
outcome on the source. A ``SourceError`` ends that poll with a stored outcome and never
reaches the caller; a ``StorageError`` does reach it (the caller may retry: nothing is
half-written, each store call is one transaction).

``publish``: render the given feeds in every format and store those whose bytes changed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from hub import archive, catalog, metrics, websub
from hub.config import Config
from hub.encoding import decode_body
from hub.errors import HTTPStatusError, ParseError, SelectorDrift, SourceError, StorageError
from hub.fetch import Fetcher
from hub.identity import entry_guid
from hub.normalize import normalize_item
from hub.parse.article import extract_article
from hub.parse.feeds import parse_feed
from hub.parse.listing import parse_listing
from hub.publish import FeedMeta, PublishContext, render
from hub.schedule import next_poll_at, usual_cadence
from hub.store import Store
from hub.store.sql import UpsertResult
from hub.types import (
    ArticleData,
    CachingInfo,
    Entry,
    FeedKey,
    FetchResult,
    NotModified,
    PollReport,
    RawItem,
    Source,
    SourceState,
)

__all__ = [
    "MAX_ARTICLES_PER_POLL",
    "PublishResult",
    "best_copies",
    "feed_entries",
    "feed_meta",
    "keys_from_storage",
    "poll_source",
    "preview_source",
    "publish",
    "publish_and_notify",
    "publish_context",
    "render_archive",
]

log = logging.getLogger("hub.pipeline")

#: Article pages fetched per poll at most; the rest are stored from list data, marked
#: ``article_missing``, and their pages fetched by later polls.
MAX_ARTICLES_PER_POLL = 30


def _fetch_article(
    fetcher: Fetcher, source: Source, item: RawItem, now: datetime
) -> ArticleData | None:
    try:
        fetched = fetcher.fetch(item.link, source_id=source.id)
        if isinstance(fetched, NotModified):  # no validators were sent; defensive
            return None
        text, _ = decode_body(fetched.body, fetched.headers.get("content-type"))
        return extract_article(
            text, fetched.url, selectors=source.article, site_name=source.site_name, now=now
        )
    except SourceError as exc:
        log.info("source %s: article %s not fetched: %s", source.id, item.link, exc)
        return None
    except Exception:  # a bug on one odd page must not fail the poll: list data remains
        log.exception("source %s: article %s could not be extracted", source.id, item.link)
        return None


_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
_PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/xml", "application/xml", "text/plain")


def _check_html(fetched: FetchResult) -> None:
    """Raise ``ParseError`` for a 200 that is no HTML page: empty, a binary file by its
    magic bytes, or a declared media type that is not a page (JSON, images, PDF …)."""
    if not fetched.body.strip():
        raise ParseError("empty response (HTTP 200 with no body)")
    media = (fetched.headers.get("content-type") or "").split(";")[0].strip().lower()
    looks_like_markup = fetched.body.lstrip()[:1] == b"<"
    mislabelled = media == "application/octet-stream" and looks_like_markup
    if fetched.body.startswith(_BINARY_MAGIC) or (
        media and media not in _PAGE_TYPES and not mislabelled
    ):
        raise ParseError(f"not an HTML page ({media or 'binary content'})")


def _parse(source: Source, fetched: FetchResult, now: datetime) -> list[RawItem]:
    if source.kind in ("rss", "atom"):
        return parse_feed(fetched, now=now)
    if source.list is None:  # config validation requires list selectors for html
        raise ParseError("html source without list selectors")
    _check_html(fetched)
    text, _ = decode_body(fetched.body, fetched.headers.get("content-type"))
    return parse_listing(text, fetched.url, source.list, now=now)


def _dedupe(source: Source, items: list[RawItem]) -> list[tuple[str, RawItem]]:
    seen: dict[str, RawItem] = {}
    for item in items:
        guid = entry_guid(
            link=item.link, upstream_guid=item.guid, source_id=source.id, title=item.title
        )
        seen.setdefault(guid, item)  # the first occurrence wins: no flip-flop
    return list(seen.items())


def poll_source(
    config: Config,
    store: Store,
    fetcher: Fetcher,
    source_id: str,
    *,
    now: datetime,
    force: bool = False,
) -> PollReport:
    """Poll one source once and store what it holds (see ``_poll_source``); counted in
    the ``hub_polls``, ``hub_poll_duration_seconds`` and ``hub_entries_ingested`` metrics.
    """
    started = time.monotonic()
    try:
        report = _poll_source(config, store, fetcher, source_id, now=now, force=force)
    except StorageError:
        raise
    except Exception as exc:  # a bug on one odd page never stops the run
        log.exception("source %s: poll failed unexpectedly", source_id)
        report = _record_failure(
            store, config, source_id, now, ParseError(f"internal error: {type(exc).__name__}")
        )
    metrics.POLL_DURATION.labels(source_id).observe(time.monotonic() - started)
    metrics.POLLS.labels(source_id, report.outcome).inc()
    if report.new:
        metrics.ENTRIES_INGESTED.labels(source_id, "new").inc(report.new)
    if report.updated:
        metrics.ENTRIES_INGESTED.labels(source_id, "updated").inc(report.updated)
    return report


def _poll_source(
    config: Config,
    store: Store,
    fetcher: Fetcher,
    source_id: str,
    *,
    now: datetime,
    force: bool = False,
) -> PollReport:
    """Poll one source once and store what it holds.

    Args:
        config: the loaded feeds.yaml.
        store: the database.
        fetcher: the one upstream client (production, or replay through its transport).
        source_id: which source; an id no longer in feeds.yaml ends cleanly with outcome
            ``removed``.
        now: aware current time.
        force: ignore stored validators (no conditional GET).

    Returns:
        A ``PollReport``: outcome code, detail, counts, and the feed keys whose content
        changed (to publish).

    Raises:
        StorageError: the database failed; nothing of this poll was half-written.
    """
    source = config.sources.get(source_id)
    if source is None:
        return PollReport(source_id=source_id, outcome="removed", detail="not in feeds.yaml")
    state = store.get_state(source_id)
    unchanged = failed = 0

    def state_after(
        new_count: int, outcome: str, detail: str, caching: CachingInfo, item_count: int
    ) -> SourceState:
        """The source's state after a successful poll (``stale`` when news dried up)."""
        last_new_at = now if new_count else state.last_new_at
        # stale: no new entry for N × the source's usual cadence (median gap between its
        # recent announcements, at least the polling interval). The cadence is only read
        # when even N × the interval has passed: it can never be shorter than that.
        reference = last_new_at or state.last_success_at
        n = config.settings.stale_after_intervals
        if outcome == "ok" and reference is not None:
            quiet = now - reference
            if quiet > timedelta(seconds=source.interval * n):
                recent = store.entries_for(FeedKey(kind="source", key=source.id), limit=20)
                if quiet > usual_cadence([e.published for e in recent], source.interval) * n:
                    outcome = "stale"
                    detail += f"; no new entry since {reference.isoformat()}"
        return replace(
            state,
            caching=caching,
            last_outcome=outcome,
            last_detail=detail,
            last_attempt_at=now,
            last_success_at=now,
            last_new_at=last_new_at or (now if state.last_success_at is None else None),
            failures=0,
            last_item_count=item_count,
            next_poll_at=next_poll_at(
                now=now, interval_s=source.interval, outcome=outcome, failures=0
            ),
        )

    new_entries: list[Entry] = []
    updated_entries: list[Entry] = []
    try:
        fetched = fetcher.fetch(
            source.url, caching=None if force else state.caching, source_id=source.id
        )
        if isinstance(fetched, NotModified):
            final = state_after(
                0, "not_modified", "304 Not Modified", fetched.caching, state.last_item_count
            )
            store.save_state(final)
        else:
            items = _dedupe(source, _parse(source, fetched, now))
            if not items:
                if state.last_item_count > 0 or state.entry_count > 0:
                    raise SelectorDrift(
                        "page fetched (HTTP 200) but no items matched where there were"
                        " items before: the page changed, check the list selectors"
                    )
                raise ParseError("no items matched the list selectors (never matched yet)")
            entries, unchanged, failed = _build_entries(store, fetcher, source, items, now)
            caching = fetched.caching
            built: list[SourceState] = []

            def state_for(result: UpsertResult) -> SourceState:
                built.append(
                    state_after(len(result.new), "ok", f"{len(items)} items", caching, len(items))
                )
                return built[-1]

            # entries and state in one transaction: a retry after a failed write sees the
            # entries as new again, so their feeds get published
            result = store.record_poll(entries, now, state_for)
            new_entries, updated_entries = result.new, result.updated
            unchanged += result.unchanged
            final = built[-1]
    except SourceError as exc:
        return _record_failure(store, config, source.id, now, exc)
    outcome, detail = final.last_outcome or "ok", final.last_detail or ""

    changed = (
        tuple(k.storage_key for k in catalog.affected_keys(config, source))
        if new_entries or updated_entries
        else ()
    )
    log.info(
        "source %s: %s, %d new, %d updated, %d unchanged",
        source.id,
        outcome,
        len(new_entries),
        len(updated_entries),
        unchanged,
    )
    return PollReport(
        source_id=source.id,
        outcome=outcome,
        detail=detail,
        new=len(new_entries),
        updated=len(updated_entries),
        unchanged=unchanged,
        failed_items=failed,
        changed_feeds=changed,
    )


def _detail(exc: SourceError) -> str:
    """The stored one-line detail of a failure: message and cause, without the source id
    (the source is the row it is stored on)."""
    detail = exc.message or type(exc).__name__
    cause = exc.__cause__
    if cause is not None and str(cause) not in detail:
        detail += f": {type(cause).__name__}: {cause}"
    return detail[:2000]


def _record_failure(
    store: Store, config: Config, source_id: str, now: datetime, exc: SourceError
) -> PollReport:
    """Store a failed poll's outcome and its back-off; entries stay as they are."""
    state = store.get_state(source_id)
    source = config.sources[source_id]
    retry_after = exc.retry_after_s if isinstance(exc, HTTPStatusError) else None
    failures = state.failures + 1
    detail = _detail(exc)
    log.warning("source %s: poll failed: %s: %s", source_id, exc.code, detail)
    store.save_state(
        replace(
            state,
            last_outcome=exc.code,
            last_detail=detail,
            last_attempt_at=now,
            failures=failures,
            next_poll_at=next_poll_at(
                now=now,
                interval_s=source.interval,
                outcome=exc.code,
                failures=failures,
                retry_after_s=retry_after,
            ),
        )
    )
    return PollReport(source_id=source_id, outcome=exc.code, detail=detail)


def _build_entries(
    store: Store,
    fetcher: Fetcher,
    source: Source,
    items: list[tuple[str, RawItem]],
    now: datetime,
) -> tuple[list[Entry], int, int]:
    """Normalize the items worth storing; returns (entries, skipped-as-known, failed)."""
    known = store.known(source.id, [guid for guid, _ in items])
    entries: list[Entry] = []
    skipped = failed = 0
    articles_left = MAX_ARTICLES_PER_POLL
    for guid, item in items:
        stored = known.get(guid)
        article: ArticleData | None = None
        if source.kind == "html":
            if stored is not None and not stored.article_missing:
                skipped += 1  # the article page is fetched once; list data adds nothing
                continue
            if source.fetch_articles and articles_left > 0:
                articles_left -= 1
                article = _fetch_article(fetcher, source, item, now)
            if stored is not None and article is None:
                skipped += 1
                continue
        try:
            entry = normalize_item(
                item, source, article, now=now, first_seen=stored.first_seen if stored else now
            )
        except Exception:  # one bad item never fails the poll
            log.exception("source %s: item %s could not be normalized", source.id, item.link)
            failed += 1
            continue
        entries.append(entry)
    return entries, skipped, failed


def best_copies(entries: Iterable[Entry]) -> list[Entry]:
    """One entry per guid (the same announcement polled from two columns or sources),
    newest first. The copy kept is the most complete: with its article page, then with
    the longer (untruncated) title, then the one seen first."""
    best: dict[str, Entry] = {}
    for entry in entries:
        kept = best.get(entry.guid)
        if kept is None or _completeness(entry) > _completeness(kept):
            best[entry.guid] = entry
    return sorted(best.values(), key=lambda e: e.published, reverse=True)


def _completeness(entry: Entry) -> tuple[bool, int, float]:
    return (not entry.article_missing, len(entry.title), -entry.first_seen.timestamp())


def feed_entries(
    config: Config,
    store: Store,
    key: FeedKey,
    *,
    limit: int,
    since: datetime | None = None,
    before: datetime | None = None,
) -> list[Entry]:
    """The entries of one feed as published: only configured sources, one per guid
    (``best_copies``), newest first, at most ``limit``.

    Raises:
        StorageError: the database failed.
    """
    rows = store.entries_for(
        key,
        limit=limit * DUPLICATE_HEADROOM,
        since=since,
        before=before,
        source_ids=list(config.sources),
    )
    return best_copies(rows)[:limit]


#: Rows read per feed entry, so announcements stored by several sources still fill a feed.
DUPLICATE_HEADROOM = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishResult:
    rendered: int
    changed: list[tuple[FeedKey, str]]  # (feed, format) whose bytes changed


def publish_context(config: Config) -> PublishContext:
    """The lookups the feed writers need, from the config."""
    return PublishContext(
        sources=config.sources,
        regions={r.code: r for r in config.regions},
        categories=config.categories,
    )


def feed_meta(
    config: Config,
    key: FeedKey,
    *,
    prev_archive: str | None = None,
    archive_month: str | None = None,
    next_archive: str | None = None,
) -> FeedMeta:
    """Title, paths and TTL of one feed for the writers.

    ``prev_archive`` / ``next_archive`` are ``YYYY-MM`` months to link (RFC 5005);
    ``archive_month`` makes it that month's archive document.
    """
    info = catalog.feed_info(config, key)
    path = archive.archive_path(info.path, archive_month) if archive_month else info.path
    title = f"{info.title}（{archive_month} 存档 archive）" if archive_month else info.title
    return FeedMeta(
        prev_archive_path=archive.archive_path(info.path, prev_archive) if prev_archive else None,
        next_archive_path=archive.archive_path(info.path, next_archive) if next_archive else None,
        current_path=info.path if archive_month else None,
        key=key,
        title=title,
        subtitle=info.subtitle,
        base_url=config.settings.base_url,
        path=path,
        language=config.settings.language,
        hub_url=config.settings.websub_hub,
        ttl_s=info.ttl_s,
    )


def publish(
    config: Config,
    store: Store,
    keys: Iterable[FeedKey] | None = None,
    *,
    now: datetime,
    on_change: Callable[[FeedKey, str], None] | None = None,
) -> PublishResult:
    """Render feeds (all of them when ``keys`` is None) in Atom, RSS and JSON Feed and
    store the ones whose bytes changed; ``on_change(key, fmt)`` is called for each (the
    WebSub ping hook). Rendering unchanged feeds writes nothing.

    Raises:
        StorageError: the database failed.
    """
    started = time.monotonic()
    ctx = publish_context(config)
    wanted = list(keys) if keys is not None else catalog.all_feed_keys(config)
    changed: list[tuple[FeedKey, str]] = []
    limit = config.settings.feed_limit
    for key in wanted:
        try:
            catalog.feed_info(config, key)
        except KeyError:
            log.info("feed %s no longer configured; skipped", key.storage_key)
            continue
        months = archive.closed_months(store.published_of(key, list(config.sources)), now)
        meta = feed_meta(config, key, prev_archive=months[-1] if months else None)
        items = feed_entries(config, store, key, limit=limit)
        newest = max((e.updated for e in items), default=None)
        for fmt in catalog.FORMATS:
            body = render(meta, items, fmt, ctx)  # type: ignore[arg-type]
            if store.save_feed(
                key.storage_key,
                fmt,
                body,
                last_modified=newest or datetime(2000, 1, 1, tzinfo=now.tzinfo),
                entry_count=len(items),
                now=now,
            ):
                changed.append((key, fmt))
                metrics.PUBLISH_BYTES.labels(fmt).inc(len(body))
                if on_change is not None:
                    on_change(key, fmt)
    metrics.PUBLISH_DURATION.observe(time.monotonic() - started)
    return PublishResult(rendered=len(wanted), changed=changed)


def publish_and_notify(
    config: Config,
    store: Store,
    keys: Iterable[FeedKey] | None = None,
    *,
    now: datetime,
) -> PublishResult:
    """``publish``, then a WebSub ping for every feed whose bytes changed (when
    ``hub.websub_hub`` is configured). The entry point the runner, the CLI and the
    Celery publish task share."""
    result = publish(config, store, keys, now=now)
    hub_url = config.settings.websub_hub
    if hub_url and result.changed:
        websub.ping(hub_url, websub.changed_urls(config, result.changed))
    return result


#: Entries in one monthly archive document at most.
ARCHIVE_LIMIT = 5000


def render_archive(
    config: Config, store: Store, key: FeedKey, month: str, fmt: str, *, now: datetime
) -> bytes | None:
    """The RFC 5005 archive document of ``key`` for a closed ``YYYY-MM`` month, or None
    when that month is open or holds no entries.

    Raises:
        StorageError: the database failed.
    """
    months = archive.closed_months(store.published_of(key, list(config.sources)), now)
    if month not in months:
        return None
    prev, nxt = archive.neighbours(months, month)
    meta = feed_meta(config, key, prev_archive=prev, archive_month=month, next_archive=nxt)
    start, end = archive.month_bounds(month)
    items = feed_entries(config, store, key, limit=ARCHIVE_LIMIT, since=start, before=end)
    return render(meta, items, fmt, publish_context(config))  # type: ignore[arg-type]


def keys_from_storage(keys: Iterable[str]) -> list[FeedKey]:
    """Parse ``kind:key`` storage keys back into ``FeedKey`` values (unknown kinds dropped)."""
    out = []
    for raw in keys:
        kind, _, key = raw.partition(":")
        if kind in ("all", "category", "region", "source", "region_category"):
            out.append(FeedKey(kind=kind, key=key))  # type: ignore[arg-type]
    return out


def preview_source(
    config: Config, fetcher: Fetcher, source_id: str, *, now: datetime, articles: int = 10
) -> list[Entry]:
    """Fetch a source and return the entries it would publish, storing nothing.

    Fetches at most ``articles`` article pages (html sources), unconditionally (no stored
    validators). How an operator checks selectors before enabling a source.

    Raises:
        KeyError: unknown source id.
        SourceError: the fetch or parse failed (its ``code`` says how).
    """
    source = config.sources[source_id]
    fetched = fetcher.fetch(source.url, source_id=source.id)
    if isinstance(fetched, NotModified):
        return []
    items = _dedupe(source, _parse(source, fetched, now))
    if not items:
        raise SelectorDrift("page fetched (HTTP 200) but no items matched")
    out = []
    for n, (_, item) in enumerate(items):
        article = None
        if source.kind == "html" and source.fetch_articles and n < articles:
            article = _fetch_article(fetcher, source, item, now)
        out.append(normalize_item(item, source, article, now=now))
    return out
