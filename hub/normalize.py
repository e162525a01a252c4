"""Pure: one raw item (+ its article page, when fetched) and its source → an ``Entry``.

Order of evidence for the date (issue 3): the article page (government meta tags, then the
visible attribution line — ``hub.parse.article`` decides between them), then the list
page or feed, then the date in the URL, then first-seen time. A date more than a day in
the future is clamped to ``now`` and logged.

Attribution: ``origin`` (来源) from the article page, else the feed's ``<source>``, else the
source's own ``site_name`` (a department's own column issues its own notices); 本网/本站
resolve to ``site_name``. ``author`` (作者) only when it names a person. The polled
source stays separate (``source_id``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from hub.attribution import clean_person, resolve_origin
from hub.identity import canonical_url, content_hash, entry_guid
from hub.sanitize import clean_text, sanitize_html, text_of_html
from hub.timeutil import clamp_future, date_from_url
from hub.types import ArticleData, Entry, RawItem, Source

__all__ = ["SUMMARY_CHARS", "normalize_item"]

log = logging.getLogger("hub.normalize")

SUMMARY_CHARS = 200
_TRUNCATED = ("...", "…", "。。。")


def _title(raw: RawItem, article: ArticleData | None) -> str:
    listed = clean_text(raw.title)
    full = clean_text(article.title) if article and article.title else ""
    if full and (not listed or listed.endswith(_TRUNCATED) or len(full) > len(listed)):
        return full
    return listed or full


def normalize_item(
    raw: RawItem,
    source: Source,
    article: ArticleData | None,
    *,
    now: datetime,
    first_seen: datetime | None = None,
) -> Entry:
    """Build the entry the hub stores and publishes.

    Args:
        raw: what the list page or feed said.
        source: the polled source (region, category, site name).
        article: the fetched article page's data, or None (not an html source, or the page
            could not be fetched — then ``article_missing`` is set for html sources).
        now: aware current time (UTC); ``updated`` is ``now``.
        first_seen: when the hub first saw this guid (defaults to ``now``); the date of
            last resort.

    Returns:
        An ``Entry`` with aware UTC datetimes, a sanitized body with absolute URLs and no
        control characters, and a content hash over its visible fields.
    """
    now = now.astimezone(UTC)
    first_seen = (first_seen or now).astimezone(UTC)
    link = raw.link
    if (
        article
        and article.canonical_url
        and canonical_url(article.canonical_url) == canonical_url(link)
    ):
        link = article.canonical_url
    title = _title(raw, article) or link

    published: datetime | None = None
    date_only = False
    if article and article.published:
        published, date_only = article.published, article.date_only
    elif raw.published:
        published, date_only = raw.published, raw.date_only
    else:
        from_url = date_from_url(link)
        if from_url:
            published, date_only = from_url.value, from_url.date_only
    if published is None:
        published, date_only = first_seen, False
    published, clamped = clamp_future(published, now)
    if clamped:
        log.warning("source %s: %s dated in the future; clamped to now", source.id, link)
        date_only = False

    body_source = (article.body_html if article else None) or raw.content_html or raw.summary_html
    content_html = sanitize_html(body_source, link)
    summary_text = text_of_html(raw.summary_html) or text_of_html(content_html)
    summary = summary_text[:SUMMARY_CHARS]

    origin = (article.origin if article else None) or raw.origin
    origin = clean_text(resolve_origin(origin, source.site_name)) or source.site_name or None
    origin_url = clean_text((article.origin_url if article else None) or raw.origin_url) or None
    author = clean_person(clean_text((article.author if article else None) or raw.author))

    guid = entry_guid(link=link, upstream_guid=raw.guid, source_id=source.id, title=title)
    article_missing = source.kind == "html" and source.fetch_articles and article is None
    doc_number = article.doc_number if article else None
    index_number = article.index_number if article else None
    digest = content_hash(
        title,
        link,
        content_html,
        origin,
        origin_url,
        author,
        published.astimezone(UTC).isoformat(),
        str(date_only),
        doc_number,
        index_number,
    )
    return Entry(
        guid=guid,
        source_id=source.id,
        title=title,
        link=link,
        published=published.astimezone(UTC),
        date_only=date_only,
        updated=now,
        first_seen=first_seen,
        summary=summary,
        content_html=content_html,
        origin=origin,
        origin_url=origin_url,
        author=author,
        region=source.region,
        category=source.category,
        content_hash=digest,
        doc_number=doc_number,
        index_number=index_number,
        enclosures=article.attachments if article else (),
        article_missing=article_missing,
    )
