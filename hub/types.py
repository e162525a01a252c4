"""Domain values passed between the hub's stages.

Frozen, slotted, keyword-only dataclasses (the lemon24/reader style): pure functions take
and return these; nothing here does I/O. All datetimes are timezone-aware. Storage keeps
UTC; display and date-only values mean Asia/Shanghai.

Field terms: *entry*, *feed*, *source*, *guid*; ``origin`` is 来源 (the body that issued or
first published the text), ``author`` is 作者 (a personal author, never 佚名/本站), the
polled *source* is the page or feed the hub fetched (a republisher, possibly).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

SourceKind = Literal["rss", "atom", "html"]
FeedFormat = Literal["rss", "atom", "json"]
FeedKind = Literal["all", "category", "region", "source", "region_category"]

#: The stable outcome codes of one poll (issue 3, "typed source health").
Outcome = Literal[
    "ok",
    "not_modified",
    "http_error",
    "timeout",
    "challenge",
    "selector_drift",
    "encoding_error",
    "parse_error",
    "robots_disallowed",
    "blocked_address",
    "too_large",
    "fetch_error",
    "stale",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ListSelectors:
    """parsel selectors for an HTML column (list) page.

    ``item`` selects one element per announcement (CSS, or XPath when it starts with ``/``
    or ``(``). ``title``, ``link`` and ``date`` are evaluated relative to the item and may
    use parsel's ``::text`` / ``::attr(name)`` pseudo-elements; ``title`` falls back to the
    link text when it yields nothing.
    """

    item: str
    title: str = "a::attr(title), a::text"
    link: str = "a::attr(href)"
    date: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleSelectors:
    """Optional selectors for an article page: the body element and the attribution line."""

    body: str | None = None
    attribution: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """One upstream source from feeds.yaml.

    ``region`` is a six-digit GB/T 2260 code, ``category`` a category slug, ``interval``
    the polling interval in seconds.
    """

    id: str
    name: str
    url: str
    kind: SourceKind
    region: str
    category: str
    interval: int = 3600
    list: ListSelectors | None = None
    article: ArticleSelectors | None = None
    fetch_articles: bool = True
    enabled: bool = True
    #: the publishing site's own name, stored as origin for 来源:本网/本站/本报
    site_name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Category:
    slug: str
    name: str  # Chinese
    name_en: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Region:
    """A GB/T 2260 division: ``code`` six digits, ``slug`` pinyin (陕西 ``shaanxi``)."""

    code: str
    slug: str
    name: str
    name_en: str
    level: Literal["province", "prefecture", "county"]
    parent: str | None  # code of the enclosing division, None for a province


@dataclass(frozen=True, slots=True, kw_only=True)
class CachingInfo:
    """Validators for conditional GET (RFC 9110 §13): ``ETag`` and ``Last-Modified``."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchResult:
    """One upstream response after redirects (``hub.fetch``).

    ``url`` is the final URL; ``headers`` keys are lower case; ``body`` is the
    decompressed body, at most the configured cap (bytes). Decoding to text is the
    parser's job (``hub.encoding.decode_body``), per response. ``elapsed_s`` in seconds.
    """

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    caching: CachingInfo
    elapsed_s: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class NotModified:
    """A 304 answer to a conditional GET: nothing to parse (RFC 9110 §15.4.5)."""

    url: str
    caching: CachingInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchSettings:
    """How the one upstream client behaves (from feeds.yaml ``hub:``).

    Times in seconds, sizes in bytes. ``allow_addresses`` lists hosts, IPs or CIDR
    networks that the SSRF guard lets through although they are loopback/private
    (tests and local replay servers allow ``127.0.0.1``).
    """

    user_agent: str
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    max_body_bytes: int = 5_000_000
    max_redirects: int = 5
    host_delay_s: float = 1.0
    respect_robots: bool = True
    robots_ttl_s: float = 86400.0
    allow_addresses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Enclosure:
    url: str
    type: str  # MIME type
    length: int = 0  # bytes, 0 when unknown


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleData:
    """What one article page says about itself (``hub.parse.article``).

    ``published`` is aware; when ``date_only`` it is midnight Asia/Shanghai of that day.
    ``origin`` is 来源 (None when the page names none); ``author`` 作者 (None for 佚名 and
    the like); ``editor`` 责任编辑.
    """

    title: str | None = None
    published: datetime | None = None
    date_only: bool = False
    written: datetime | None = None  # 成文日期
    origin: str | None = None
    origin_url: str | None = None
    author: str | None = None
    editor: str | None = None
    body_html: str | None = None
    doc_number: str | None = None  # 发文字号
    index_number: str | None = None  # 索引号
    attachments: tuple[Enclosure, ...] = ()
    canonical_url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RawItem:
    """One item as a parser found it on a list page or in a feed, before hub rules."""

    title: str
    link: str
    guid: str | None = None
    published: datetime | None = None
    date_only: bool = False
    summary_html: str | None = None
    content_html: str | None = None
    author: str | None = None
    origin: str | None = None
    origin_url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """A normalized announcement, ready to store and publish.

    ``published`` is aware (UTC in storage); ``date_only`` says the upstream gave only a
    day (Asia/Shanghai). ``content_hash`` decides whether a re-poll really changed it.
    ``article_missing`` marks an html-source entry built from list data alone because its
    article page could not be fetched.
    """

    guid: str
    source_id: str
    title: str
    link: str
    published: datetime
    date_only: bool
    updated: datetime
    first_seen: datetime
    summary: str
    content_html: str
    origin: str | None
    origin_url: str | None
    author: str | None
    region: str
    category: str
    content_hash: str
    doc_number: str | None = None
    index_number: str | None = None
    enclosures: tuple[Enclosure, ...] = ()
    article_missing: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceState:
    """What the store remembers about a source between polls."""

    source_id: str
    caching: CachingInfo = field(default_factory=CachingInfo)
    last_outcome: str | None = None
    last_detail: str | None = None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_new_at: datetime | None = None
    next_poll_at: datetime | None = None
    failures: int = 0
    last_item_count: int = 0
    entry_count: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PollReport:
    """The result of one poll of one source (``hub.pipeline.poll_source``)."""

    source_id: str
    outcome: str
    detail: str = ""
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed_items: int = 0
    changed_feeds: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedKey:
    """Which feed: ``kind`` and its ``key`` (slug, region code or source id; "" for all).

    For ``region_category`` the key is ``"<region code>/<category slug>"``.
    """

    kind: FeedKind
    key: str = ""

    @property
    def storage_key(self) -> str:
        """The key published feeds are stored under, e.g. ``region:610000``."""
        return f"{self.kind}:{self.key}"
