"""RSS 2.0 and Atom 1.0 through feedgen, plus the text and entry helpers every format shares.

Everything here is pure: no clock, no I/O. The same inputs give the same bytes, because
every timestamp feedgen would otherwise take from ``datetime.now()`` (``<updated>``,
``<lastBuildDate>``) is set explicitly, entries are added with ``order="append"`` and all
dates are written at the fixed Beijing offset ``+08:00`` (China has had no daylight saving
since 1991, so a fixed offset is exact for the hub's data and needs no tz database).

What the two XML writers produce, per entry (see :func:`entry_view` for the shared rules):

* Atom (RFC 4287): ``id``, ``title``, ``link rel=alternate``, ``published``, ``updated``,
  ``author/name``, ``content type=html`` (+ attribution footer), ``summary`` (when the
  entry has one), ``category`` for the category and the GB/T 2260 region,
  ``link rel=enclosure`` for each attachment, and ``source`` (§4.2.11) with ``id``,
  ``title``, ``link``, ``updated`` of the origin (``id``/``updated`` through
  :mod:`hub.publish.atom_source_ext`).
* RSS 2.0 (rssboard spec): ``title``, ``link``, ``description`` (content + footer),
  ``guid`` (``isPermaLink="true"`` only when it equals the link), ``pubDate``,
  ``source url=...``, ``category domain=...`` (text = the term: category slug, region
  code, the same ``term`` feedparser reports for Atom), the first ``enclosure``
  (RSS allows one), ``dc:creator`` and ``dc:publisher``. A name-only ``<author>`` is never
  written: RSS ``author`` must be an e-mail address.

Rules every format shares, checked with independent clients (feedparser, reader,
rss-parser, feed-extractor, feedsmith, newsboat) and the W3C Feed Validation Service's
rules (see ``tests/test_reader_clients.py``):

* **one entry per id** (:func:`unique_entries`): the same article polled from two
  sources has one guid; a document lists it once (the first, i.e. newest, occurrence).
  The W3C validator calls a repeated RSS ``guid`` an error and a repeated ``atom:id`` a
  warning, and readers merge or drop such entries unpredictably.
* **entry ``updated`` is the publisher's last change** (:func:`display_updated`): an entry
  the hub has not changed since it first saw it shows its ``published`` instant, not the
  poll time. Readers that date Atom entries by ``updated`` (feed-extractor does) then
  show the announcement's date, and entries of one poll stop sharing one ``updated``.
* **absolute URLs**: ``href``/``src`` in the republished HTML and the enclosure, origin
  and source URLs are resolved against the entry's link (:func:`absolutize_html`,
  :func:`absolute_url`); the entry link itself is written as stored.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING
from urllib.parse import quote, urljoin, urlsplit

from feedgen.feed import FeedGenerator

from hub.errors import PublishError
from hub.publish.atom_source_ext import HubEntryExtension, HubExtension
from hub.types import Entry

if TYPE_CHECKING:
    from hub.publish import FeedMeta, PublishContext

__all__ = [
    "EMPTY_FEED_UPDATED",
    "SHANGHAI",
    "UNTITLED",
    "EntryView",
    "absolute_url",
    "absolutize_html",
    "attribution_footer",
    "category_scheme",
    "display_updated",
    "entry_id",
    "entry_view",
    "feed_id",
    "feed_updated",
    "local_time",
    "render_atom",
    "render_rss",
    "unique_entries",
    "xml_safe",
]

#: Beijing time, UTC+8 (Asia/Shanghai has no DST since 1991).
SHANGHAI = timezone(timedelta(hours=8), "CST")
#: ``updated`` of a feed without entries: a fixed instant, never "now".
EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=UTC)
#: the date in the hub's ``tag:`` URIs (RFC 4151 §2.1); fixed so ids never change.
TAG_DATE = "2024"
GENERATOR = "gov-feed-hub"

# XML 1.0 §2.2 Char, minus the C0/C1 controls and DEL (allowed by XML but invisible junk
# in titles). Lone surrogates and U+FFFE/U+FFFF fall outside the kept ranges.
_NOT_XML_SAFE = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# RFC 3986 §3.1 scheme, then something that is not whitespace. Non-ASCII is allowed:
# atom:id is an IRI (RFC 4287 §4.2.6, RFC 3987).
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 (and so lxml) cannot carry.

    Removes C0 controls except tab, LF and CR, DEL and the C1 controls U+0080–U+009F,
    lone surrogates (U+D800–U+DFFF) and the non-characters U+FFFE/U+FFFF. Nothing else is
    changed: escaping is the serializer's job, done exactly once.
    """
    return _NOT_XML_SAFE.sub("", text)


def _opt(text: str | None) -> str | None:
    """:func:`xml_safe` of ``text``, with empty and whitespace-only results as None."""
    if text is None:
        return None
    cleaned = xml_safe(text).strip()
    return cleaned or None


def local_time(value: datetime) -> datetime:
    """``value`` at Beijing time (+08:00), whole seconds.

    Raises:
        PublishError: ``value`` is naive (every hub datetime is aware; a bug upstream).
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise PublishError(f"naive datetime reached the publisher: {value!r}")
    return value.astimezone(SHANGHAI).replace(microsecond=0)


def _published(entry: Entry) -> datetime:
    """``entry.published`` at +08:00; for a date-only entry midnight Beijing time of its day.

    The store already keeps a date-only ``published`` as that midnight; truncating here
    keeps every format consistent even if an upstream stage did not.
    """
    published = local_time(entry.published)
    if entry.date_only:
        return published.replace(hour=0, minute=0, second=0)
    return published


def display_updated(entry: Entry) -> datetime:
    """The entry's ``updated`` as written (Atom ``updated``, JSON ``date_modified``), +08:00.

    ``entry.updated`` is when the hub last stored a change; on first sight it equals
    ``entry.first_seen`` (the poll time). An entry unchanged since then is written with
    its ``published`` instant: nothing about it changed after publication as far as the
    hub knows. A changed entry keeps ``entry.updated`` (never earlier than ``published``).
    """
    published = _published(entry)
    if entry.updated <= entry.first_seen:
        return published
    return max(local_time(entry.updated), published)


def feed_updated(entries: Sequence[Entry]) -> datetime:
    """A feed's ``updated``/``lastBuildDate``: the newest entry ``updated`` as written
    (:func:`display_updated`), at +08:00 — so the feed never claims a change its entries
    do not show. ``2000-01-01T00:00:00Z`` (shown at +08:00) for an empty feed, never the
    clock.
    """
    if not entries:
        return local_time(EMPTY_FEED_UPDATED)
    return max(display_updated(e) for e in entries)


def _tag_authority(base_url: str) -> str | None:
    host = urlsplit(base_url).hostname
    return host.lower() if host else None


def entry_id(guid: str, base_url: str) -> str:
    """The id written for an entry in every format (Atom id, RSS guid, JSON Feed id).

    ``guid`` itself when it is a URI/IRI (``scheme:...`` without spaces), else a tag URI
    (RFC 4151) ``tag:<hub host>,2024:guid:<percent-encoded guid>``; with no host in
    ``base_url``, ``urn:hub-guid:<percent-encoded guid>``. Stable: depends on nothing else.
    """
    guid = xml_safe(guid).strip()
    if _URI.match(guid):
        return guid
    encoded = quote(guid, safe="/:@!$&'()*+,;=-._~")
    authority = _tag_authority(base_url)
    if authority is None:
        return f"urn:hub-guid:{encoded}"
    return f"tag:{authority},{TAG_DATE}:guid:{encoded}"


def feed_id(base_url: str, path: str) -> str:
    """A feed's ``atom:id`` (RFC 4287 §4.2.6): ``tag:<host>,2024:<path>``.

    The same for every format of the feed (the path has no extension), stable across
    ports and schemes. Without a host in ``base_url``: ``base_url + path``.
    """
    authority = _tag_authority(base_url)
    if authority is None:
        return base_url + path
    return f"tag:{authority},{TAG_DATE}:{quote(path, safe='/-._~')}"


def unique_entries(entries: Sequence[Entry], base_url: str) -> list[Entry]:
    """``entries`` without a second entry of an id already listed (first one kept).

    The id is the written one (:func:`entry_id`), so two guids that map to one id count
    as one. Order is kept.
    """
    seen: set[str] = set()
    out: list[Entry] = []
    for entry in entries:
        eid = entry_id(entry.guid, base_url)
        if eid in seen:
            continue
        seen.add(eid)
        out.append(entry)
    return out


# RFC 3986 §3.1 scheme followed by ":" at the start of a URL reference.
_HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# A start tag (attribute values with ">" are escaped by the sanitizer).
_START_TAG = re.compile(r"<[A-Za-z][^<>]*>")
# href/src attribute values in a start tag: name, "=", then a double-quoted, single-quoted
# or unquoted value (HTML 5 §13.1.2.3). Names are case-insensitive.
_URL_ATTR = re.compile(
    r"""(?P<pre>\s(?:href|src)\s*=\s*)(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<uq>[^\s"'=<>`]+))""",
    re.IGNORECASE,
)


def absolute_url(url: str, base: str) -> str:
    """``url`` resolved against ``base`` (RFC 3986 §5) unless it already has a scheme.

    Empty ``url`` and fragment-only references stay as they are; so does everything when
    ``base`` has no scheme (nothing to resolve against).
    """
    if not url or url.startswith("#") or _HAS_SCHEME.match(url) or not _HAS_SCHEME.match(base):
        return url
    return urljoin(base, url)


def absolutize_html(fragment: str, base: str) -> str:
    """``fragment`` with every relative ``href``/``src`` value resolved against ``base``.

    The hub's sanitizer already does this on ingest; this guards older rows and other
    producers. Values are HTML-unescaped before resolving and escaped again (``&``,
    ``"``) after, so text is escaped exactly once; absolute values are not touched and a
    fragment without relative URLs comes back unchanged (same bytes).
    """

    def fix(match: re.Match[str]) -> str:
        raw = next(v for v in (match["dq"], match["sq"], match["uq"]) if v is not None)
        value = html.unescape(raw).strip()
        resolved = absolute_url(value, base)
        if resolved == value:
            return match.group(0)
        return f'{match["pre"]}"{html.escape(resolved, quote=True)}"'

    return _START_TAG.sub(lambda tag: _URL_ATTR.sub(fix, tag.group(0)), fragment)


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryView:
    """An entry resolved against the context and cleaned for output.

    Every string went through :func:`xml_safe`; datetimes are at +08:00. ``origin_name``
    is ``entry.origin`` or the polled source's name; ``origin_url`` is
    ``entry.origin_url`` or the polled source's URL; ``creator`` is the personal author,
    else the origin. ``content_html`` already ends with the attribution footer and has
    absolute URLs; ``updated`` is :func:`display_updated`. URLs (origin, source,
    enclosures) are absolute, resolved against the entry link when they were not.
    """

    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    date_only: bool
    summary: str | None
    content_html: str
    author: str | None
    creator: str
    origin: str | None
    origin_name: str
    origin_url: str
    source_id: str
    source_name: str
    source_url: str
    category_slug: str
    category_name: str
    region_code: str
    region_name: str
    region_slug: str | None
    doc_number: str | None
    index_number: str | None
    enclosures: tuple[tuple[str, str, int], ...]  # (url, MIME type, bytes; 0 = unknown)
    article_missing: bool


UNTITLED = "（无标题）"


def attribution_footer(*, origin_name: str, author: str | None, link: str) -> str:
    """The visible attribution appended to every entry's HTML content.

    ``<p>来源：ORIGIN · 作者：AUTHOR · <a href="LINK">原文链接</a></p>`` (the author part only
    when there is one). Values are HTML-escaped here (once); the XML serializer escapes the
    whole HTML string once more as element text, which is the Atom ``type="html"`` and RSS
    ``description`` rule.
    """
    parts = [f"来源：{html.escape(origin_name, quote=False)}"]
    if author:
        parts.append(f"作者：{html.escape(author, quote=False)}")
    parts.append(f'<a href="{html.escape(link, quote=True)}">原文链接</a>')
    return "<p>" + " · ".join(parts) + "</p>"


def entry_view(entry: Entry, base_url: str, ctx: PublishContext) -> EntryView:
    """Resolve ``entry`` against ``ctx`` for output (pure).

    A source, region or category missing from ``ctx`` (removed from feeds.yaml while its
    entries stay stored) does not fail the feed: the source falls back to its id as name
    and the entry link as URL, the region and category to their code/slug as name.

    Raises:
        PublishError: a naive datetime in ``entry``.
    """
    source = ctx.sources.get(entry.source_id)
    region = ctx.regions.get(entry.region)
    category = ctx.categories.get(entry.category)
    link = xml_safe(entry.link).strip()
    source_name = _opt(source.name if source else None) or xml_safe(entry.source_id)
    source_url = absolute_url(_opt(source.url if source else None) or link, link)
    origin = _opt(entry.origin)
    origin_name = origin or source_name
    origin_url = absolute_url(_opt(entry.origin_url) or source_url, link)
    author = _opt(entry.author)
    content = absolutize_html(xml_safe(entry.content_html), link)
    footer = attribution_footer(origin_name=origin_name, author=author, link=link)
    content_html = f"{content}\n{footer}" if content.strip() else footer
    return EntryView(
        id=entry_id(entry.guid, base_url),
        title=_opt(entry.title) or UNTITLED,
        link=link,
        published=_published(entry),
        updated=display_updated(entry),
        date_only=entry.date_only,
        summary=_opt(entry.summary),
        content_html=content_html,
        author=author,
        creator=author or origin_name,
        origin=origin,
        origin_name=origin_name,
        origin_url=origin_url,
        source_id=xml_safe(entry.source_id),
        source_name=source_name,
        source_url=source_url,
        category_slug=xml_safe(entry.category),
        category_name=_opt(category.name if category else None) or xml_safe(entry.category),
        region_code=xml_safe(entry.region),
        region_name=_opt(region.name if region else None) or xml_safe(entry.region),
        region_slug=_opt(region.slug if region else None),
        doc_number=_opt(entry.doc_number),
        index_number=_opt(entry.index_number),
        enclosures=tuple(
            (
                absolute_url(xml_safe(e.url).strip(), link),
                xml_safe(e.type).strip(),
                max(e.length, 0),
            )
            for e in entry.enclosures
            if xml_safe(e.url).strip()
        ),
        article_missing=entry.article_missing,
    )


def category_scheme(base_url: str) -> str:
    """The scheme (Atom) / domain (RSS) of the hub's category terms."""
    return base_url + "/feeds/category/"


def _url(meta: FeedMeta, path: str, ext: str) -> str:
    return xml_safe(meta.base_url + path + "." + ext)


def _base_feed(meta: FeedMeta, entries: Sequence[Entry]) -> FeedGenerator:
    fg = FeedGenerator()
    fg.register_extension("hub", HubExtension, HubEntryExtension, atom=True, rss=True)
    fg.id(feed_id(meta.base_url, meta.path))
    fg.title(_opt(meta.title) or UNTITLED)
    fg.subtitle(_opt(meta.subtitle) or _opt(meta.title) or UNTITLED)
    fg.language(meta.language)
    fg.generator(GENERATOR)
    # feed updated == RSS lastBuildDate: the newest entry, never now()
    fg.updated(feed_updated(entries))
    return fg


def _feed_links(fg: FeedGenerator, meta: FeedMeta, fmt: str, self_type: str) -> None:
    """self, hub, prev-archive, then alternate last (feedgen's RSS <link> is the last)."""
    fg.link(href=_url(meta, meta.path, fmt), rel="self", type=self_type)
    extra: list[tuple[str, str]] = []
    if meta.hub_url:
        extra.append(("hub", xml_safe(meta.hub_url)))
    if meta.prev_archive_path:
        extra.append(("prev-archive", _url(meta, meta.prev_archive_path, fmt)))
    if meta.next_archive_path:
        extra.append(("next-archive", _url(meta, meta.next_archive_path, fmt)))
    if meta.current_path:
        extra.append(("current", _url(meta, meta.current_path, fmt)))
        fg.hub.mark_archive()
    for rel, href in extra:
        if fmt == "atom":
            fg.link(href=href, rel=rel)
        else:  # feedgen drops every rel but self from RSS: the extension writes them
            fg.hub.rss_link(rel=rel, href=href)
    fg.link(href=xml_safe(meta.base_url + "/"), rel="alternate", type="text/html")


def render_atom(meta: FeedMeta, entries: Sequence[Entry], ctx: PublishContext) -> bytes:
    """An Atom 1.0 document (RFC 4287), UTF-8 bytes, entries in the given order.

    Feed: ``xml:lang``, ``id`` (:func:`feed_id`), ``updated`` (:func:`feed_updated`),
    links ``self``, ``hub`` (WebSub) when ``meta.hub_url``, ``prev-archive`` (RFC 5005
    §4) when ``meta.prev_archive_path``, ``alternate`` = ``base_url + "/"``.

    Entries whose id was already listed are left out (:func:`unique_entries`).

    Raises:
        PublishError: an entry with a naive datetime, or feedgen refused the data.
    """
    entries = unique_entries(entries, meta.base_url)
    fg = _base_feed(meta, entries)
    _feed_links(fg, meta, "atom", "application/atom+xml")
    scheme = category_scheme(meta.base_url)
    for entry in entries:
        v = entry_view(entry, meta.base_url, ctx)
        fe = fg.add_entry(order="append")
        fe.id(v.id)
        fe.title(v.title)
        fe.link(href=v.link, rel="alternate")
        for url, mime, length in v.enclosures:  # feedgen 1.0 drops rel on entry links
            fe.hub.atom_enclosure(href=url, type=mime or None, length=length)
        fe.published(v.published)
        fe.updated(v.updated)
        fe.author(name=v.creator)
        fe.content(v.content_html, type="html")
        if v.summary:
            fe.summary(v.summary)
        fe.category(
            [
                {"term": v.category_slug, "scheme": scheme, "label": v.category_name},
                {"term": v.region_code, "scheme": ctx.region_scheme, "label": v.region_name},
            ]
        )
        fe.source(url=v.origin_url, title=v.origin_name)
        fe.hub.source_id(v.origin_url)
        fe.hub.source_updated(v.updated)
    return _serialize(fg, "atom")


def render_rss(meta: FeedMeta, entries: Sequence[Entry], ctx: PublishContext) -> bytes:
    """An RSS 2.0 document, UTF-8 bytes, items in the given order.

    Channel: ``title``, ``link`` (``base_url + "/"``), ``description`` (subtitle),
    ``language``, ``lastBuildDate`` = :func:`feed_updated` (no channel ``pubDate``),
    ``ttl`` = ``meta.ttl_s // 60`` minutes (at least 1), ``atom:link`` ``self``, ``hub``
    and ``prev-archive`` (the last two through :class:`HubExtension`).

    Items whose guid was already listed are left out (:func:`unique_entries`).

    Raises:
        PublishError: an entry with a naive datetime, or feedgen refused the data.
    """
    entries = unique_entries(entries, meta.base_url)
    fg = _base_feed(meta, entries)
    fg.load_extension("dc", atom=False, rss=True)
    _feed_links(fg, meta, "rss", "application/rss+xml")
    fg.ttl(max(meta.ttl_s // 60, 1))
    scheme = category_scheme(meta.base_url)
    for entry in entries:
        v = entry_view(entry, meta.base_url, ctx)
        fe = fg.add_entry(order="append")
        fe.guid(v.id, permalink=v.id == v.link)
        fe.title(v.title)
        fe.link(href=v.link, rel="alternate")
        if v.enclosures:  # RSS 2.0 allows one enclosure per item: the first
            url, mime, length = v.enclosures[0]
            fe.enclosure(url=url, length=str(length), type=mime or "application/octet-stream")
        fe.published(v.published)
        fe.updated(v.updated)
        fe.content(v.content_html)  # -> <description>, escaped once by lxml
        # label-less, so RSS <category> text is the term (slug / GB/T 2260 code)
        fe.category(
            [
                {"term": v.category_slug, "scheme": scheme},
                {"term": v.region_code, "scheme": ctx.region_scheme},
            ]
        )
        fe.source(url=v.origin_url, title=v.origin_name)
        fe.dc.dc_creator(v.creator)
        fe.dc.dc_publisher(v.origin_name)
    return _serialize(fg, "rss")


def _serialize(fg: FeedGenerator, fmt: str) -> bytes:
    try:
        if fmt == "atom":
            out = fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
        else:
            out = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    except ValueError as exc:  # feedgen's "Required fields not set" and friends
        raise PublishError(f"feedgen refused the {fmt} feed") from exc
    if not isinstance(out, bytes):  # pragma: no cover - lxml returns bytes for UTF-8
        raise PublishError(f"feedgen returned {type(out).__name__}, not bytes")
    return out
