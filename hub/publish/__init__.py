"""Stored entries to bytes: RSS 2.0, Atom 1.0, JSON Feed 1.1, OPML 2.0 and the index page.

Pure: no clock, no I/O; the same inputs give the same bytes. The caller (``pipeline``)
selects, orders (newest first) and limits the entries; :func:`render` keeps that order.

Usage::

    body = render(meta, entries, "atom", ctx)
    headers = {"content-type": CONTENT_TYPES["atom"]}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from hub.errors import PublishError
from hub.publish.index_html import IndexRow, render_index
from hub.publish.jsonfeed import render_json
from hub.publish.opml import OpmlFeed, OpmlGroup, render_opml
from hub.publish.xml import render_atom, render_rss, xml_safe
from hub.types import Category, Entry, FeedKey, Region, Source

__all__ = [
    "CONTENT_TYPES",
    "EXTENSIONS",
    "FeedMeta",
    "IndexRow",
    "OpmlFeed",
    "OpmlGroup",
    "PublishContext",
    "render",
    "render_index",
    "render_opml",
    "self_url",
    "xml_safe",
]

#: ``Content-Type`` per format (RFC 4287 §7, the RSS Advisory Board's type, JSON Feed 1.1).
CONTENT_TYPES: Final[Mapping[str, str]] = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
#: URL extension per format: ``/feeds/region/shaanxi.atom``.
EXTENSIONS: Final[Mapping[str, str]] = {"atom": "atom", "rss": "rss", "json": "json"}


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedMeta:
    """What a feed says about itself.

    ``base_url`` is the hub's base URL without a trailing slash
    (``http://127.0.0.1:8000``); ``path`` the feed's URL path without extension
    (``/feeds/region/shaanxi``); ``hub_url`` a WebSub hub; ``ttl_s`` the shortest polling
    interval of the feed's sources in seconds (RSS ``<ttl>`` is written in minutes);
    ``prev_archive_path`` / ``next_archive_path`` the RFC 5005 §4 previous and next
    archive documents, paths without extension; ``current_path`` set makes this document
    an archive (``<fh:archive/>``) whose ``rel="current"`` link points there.
    """

    key: FeedKey
    title: str
    subtitle: str
    base_url: str
    path: str
    language: str = "zh-CN"
    hub_url: str | None = None
    ttl_s: int = 3600
    prev_archive_path: str | None = None
    next_archive_path: str | None = None
    current_path: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishContext:
    """Lookups an entry is resolved against: sources by id, regions by six-digit code,
    categories by slug; ``region_scheme`` names the GB/T 2260 code list (Atom category
    ``scheme``, RSS category ``domain``)."""

    sources: Mapping[str, Source]
    regions: Mapping[str, Region]
    categories: Mapping[str, Category]
    region_scheme: str = "https://www.mca.gov.cn/gb2260"


def self_url(meta: FeedMeta, fmt: Literal["rss", "atom", "json"]) -> str:
    """``base_url + path + "." + ext``: where the feed in ``fmt`` is served."""
    return meta.base_url + meta.path + "." + EXTENSIONS[fmt]


def render(
    meta: FeedMeta,
    entries: Sequence[Entry],
    fmt: Literal["rss", "atom", "json"],
    ctx: PublishContext,
) -> bytes:
    """The feed document in ``fmt`` as bytes (UTF-8), entries in the order given.

    Args:
        meta: the feed's title, URLs and hints.
        entries: newest first, already limited; every datetime aware.
        fmt: ``"rss"`` (RSS 2.0), ``"atom"`` (RFC 4287) or ``"json"`` (JSON Feed 1.1).
        ctx: sources, regions and categories to resolve names against.

    Returns:
        The document; serve it with ``CONTENT_TYPES[fmt]``.

    Raises:
        PublishError: unknown ``fmt``, a naive datetime in an entry, or the writer
            refused the data (a bug, never bad input: text is cleaned by
            :func:`xml_safe` first).
    """
    if fmt == "atom":
        return render_atom(meta, entries, ctx)
    if fmt == "rss":
        return render_rss(meta, entries, ctx)
    if fmt == "json":
        return render_json(meta, entries, ctx)
    raise PublishError(f"unknown feed format: {fmt!r}")
