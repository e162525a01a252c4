"""RSS/Atom through feedparser, on bytes and response headers (never a URL).

feedparser's own date handlers are not trusted (they read zone-less times as UTC and turn
``2021年08月30日`` into November 1st): every date is re-parsed from the raw string by
``hub.timeutil.parse_date``, so zone-less times mean Asia/Shanghai.

Bozo policy (lemon24/reader's split): ``CharacterEncodingOverride`` and
``NonXMLContentType`` are warnings; any other bozo exception is survivable when feedparser
still recovered entries or a feed title (its lenient parser ran), and a ``ParseError``
otherwise.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime
from typing import Any

import feedparser

from hub.errors import ParseError
from hub.sanitize import absolutize_url, clean_text
from hub.timeutil import parse_date
from hub.types import FetchResult, RawItem

__all__ = ["parse_feed"]

log = logging.getLogger("hub.parse.feeds")

_WARNINGS = ("CharacterEncodingOverride", "NonXMLContentType")


def _content_html(entry: Any) -> str | None:
    contents = entry.get("content") or []
    for content in contents:
        value = content.get("value")
        if value:
            return str(value)
    return None


def _raw_date(entry: Any) -> str | None:
    for key in ("published", "updated", "created", "issued", "date", "dc_date"):
        value = entry.get(key)
        if value:
            return str(value)
    return None


def parse_feed(fetched: FetchResult, *, now: datetime) -> list[RawItem]:
    """Parse an RSS 0.9x/1.0/2.0 or Atom 0.3/1.0 document into raw items.

    Args:
        fetched: the upstream response; its body bytes and headers go to feedparser,
            which decodes per response (XML declaration, HTTP charset; GB2312 → GB18030).
        now: aware current time, for dates without a year.

    Returns:
        Items in document order; entries without a link or title are skipped.

    Raises:
        ParseError: the document is not a feed feedparser can recover anything from.
    """
    headers = dict(fetched.headers)
    headers.setdefault("content-location", fetched.url)
    parsed = feedparser.parse(
        io.BytesIO(fetched.body), response_headers=headers, sanitize_html=False
    )
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        name = type(exc).__name__
        if name not in _WARNINGS and not parsed.entries and not parsed.feed.get("title"):
            raise ParseError(f"not a readable feed: {name}: {exc}") from exc
        log.info("feed %s: survivable parser warning %s: %s", fetched.url, name, exc)
    if not parsed.entries and not parsed.feed.get("title") and not parsed.get("version"):
        raise ParseError("not a feed: no channel, no entries")
    items: list[RawItem] = []
    for entry in parsed.entries:
        title = clean_text(entry.get("title"))
        link = absolutize_url(entry.get("link"), fetched.url)
        if not link:
            continue
        raw_date = _raw_date(entry)
        date = parse_date(raw_date, now=now) if raw_date else None
        author = clean_text(entry.get("author")) or None
        source = entry.get("source") or {}
        items.append(
            RawItem(
                title=title or link,
                link=link,
                guid=clean_text(entry.get("id")) or None,
                published=date.value if date else None,
                date_only=date.date_only if date else False,
                summary_html=entry.get("summary") or None,
                content_html=_content_html(entry),
                author=author,
                origin=clean_text(source.get("title")) or None,
                origin_url=absolutize_url(source.get("href"), fetched.url),
            )
        )
    return items
