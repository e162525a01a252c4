"""What real feed clients and the W3C Feed Validation Service need from our feeds.

The hub's feeds were read with six independent clients (feedparser, reader, rss-parser,
@extractus/feed-extractor, feedsmith, newsboat; ``shared/tools/reader_matrix.py``) and
checked against the W3C feedvalidator's rules. These tests pin what that showed, with
feedparser and lxml only (fast, no network, no Node):

* feed-extractor dates an Atom entry by ``<updated>`` (before ``<published>``), so an
  entry the hub never changed must carry its publication time there;
* reader 3.26 swaps the parts of an RSS ``<author>email (name)</author>``; reader,
  newsboat and feedparser all read ``<dc:creator>``: write that, never ``<author>``;
* rss-parser, feedsmith, feedparser and reader expose ``<source>``; the W3C validator
  wants Atom ``<source>`` to carry ``id``, ``title`` and ``updated`` and RSS
  ``<source url>`` to be absolute;
* newsboat, rss-parser and feedparser parse RFC 2822 ``pubDate`` with a numeric zone;
  the validator wants the day of week right and the date not in the future;
* a repeated RSS ``guid`` is a validator error (a repeated ``atom:id`` a warning), and
  readers keep one of them at random: one entry per id;
* relative ``href``/``src`` in RSS ``description`` is a validator warning and breaks in
  every client that does not know the entry's base: all URLs absolute.
"""

from __future__ import annotations

import calendar
import io
import json
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser
import pytest
from lxml import etree  # type: ignore[import-untyped]
from publish_samples import ATOM, BASE, CTX, DC, SOURCE, STRICT

from hub.publish import FeedMeta, render
from hub.types import Enclosure, Entry, FeedKey

POLL = datetime(2021, 9, 5, 4, 0, tzinfo=UTC)

META = FeedMeta(
    key=FeedKey(kind="all"),
    title="全部 All",
    subtitle="政府公告",
    base_url=BASE,
    path="/feeds/all",
    hub_url=BASE + "/websub",
)

# W3C feedvalidator rules, restated: RFC 2822 date with a numeric zone ending in 00/30,
# RFC 3339 date-time, an absolute URI of URI characters, a tag: URI.
RFC2822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" \d{4} \d\d:\d\d:\d\d [+-]\d\d[03]0$"
)
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
FULL_URI = re.compile(r"^[a-zA-Z][0-9a-zA-Z+\-.]*:(//)?[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,#]+$")
REL_REF = re.compile(r"""<(?:a\s+href|img\s+[^>]*src)=(?:"(.*?)"|'(.*?)'|([\w-]+))[\s>]""", re.I)


def make_entry(**changes: Any) -> Entry:
    values: dict[str, Any] = {
        "guid": "http://mzt.shaanxi.example/tzgg/1.html",
        "source_id": "sx-mz",
        "title": "关于做好2021年度社会组织年检工作的通知",
        "link": "http://mzt.shaanxi.example/tzgg/1.html",
        "published": datetime(2021, 8, 29, 16, 0, tzinfo=UTC),
        "date_only": True,
        "updated": POLL,
        "first_seen": POLL,
        "summary": "",
        "content_html": '<p>各市民政局：<a href="fj/a.doc">附件</a></p>',
        "origin": "陕西省民政厅",
        "origin_url": "http://mzt.shaanxi.example/",
        "author": None,
        "region": "610000",
        "category": "notices",
        "content_hash": "h",
    }
    values.update(changes)
    return Entry(**values)


def entries() -> list[Entry]:
    """One poll: all share ``updated``/``first_seen``, as the store keeps them."""
    return [
        make_entry(),
        make_entry(
            guid="http://www.shaanxi.example/zfxxgk/2.html",
            link="http://www.shaanxi.example/zfxxgk/2.html",
            title="A & B：省政府办公厅通知",
            published=datetime(2021, 8, 28, 1, 30, tzinfo=UTC),
            date_only=False,
            author="张三",
            origin="陕西省人民政府办公厅",
            origin_url=None,
        ),
        # the same article from a second column: same guid, listed once
        make_entry(source_id="sx-mz-2", origin="别的栏目"),
        make_entry(
            guid="本站-3",
            link="http://mzt.shaanxi.example/tzgg/3.html",
            published=datetime(2021, 8, 27, 0, 0, tzinfo=UTC),
            date_only=False,
            origin=None,
            origin_url=None,
            enclosures=(Enclosure(url="/files/3.pdf", type="application/pdf", length=10),),
        ),
        # changed by a later poll
        make_entry(
            guid="http://mzt.shaanxi.example/tzgg/4.html",
            link="http://mzt.shaanxi.example/tzgg/4.html",
            published=datetime(2021, 8, 26, 16, 0, tzinfo=UTC),
            first_seen=datetime(2021, 8, 27, 0, 0, tzinfo=UTC),
        ),
    ]


@pytest.fixture(scope="module")
def atom() -> bytes:
    return render(META, entries(), "atom", CTX)


@pytest.fixture(scope="module")
def rss() -> bytes:
    return render(META, entries(), "rss", CTX)


def parsed(body: bytes) -> Any:
    result = feedparser.parse(io.BytesIO(body))
    assert not result.bozo, result.get("bozo_exception")
    return result


def utc(struct: Any) -> datetime:
    return datetime.fromtimestamp(calendar.timegm(struct), UTC)


EXPECTED_IDS = [
    "http://mzt.shaanxi.example/tzgg/1.html",
    "http://www.shaanxi.example/zfxxgk/2.html",
    "tag:127.0.0.1,2024:guid:%E6%9C%AC%E7%AB%99-3",
    "http://mzt.shaanxi.example/tzgg/4.html",
]
EXPECTED_PUBLISHED = [
    datetime(2021, 8, 29, 16, 0, tzinfo=UTC),
    datetime(2021, 8, 28, 1, 30, tzinfo=UTC),
    datetime(2021, 8, 27, 0, 0, tzinfo=UTC),
    datetime(2021, 8, 26, 16, 0, tzinfo=UTC),
]
EXPECTED_AUTHORS = ["陕西省民政厅", "张三", SOURCE.name, "陕西省民政厅"]


# --- what feedparser shows ------------------------------------------------------------


def test_feedparser_reads_every_field_in_atom(atom: bytes) -> None:
    got = parsed(atom).entries
    assert [e.id for e in got] == EXPECTED_IDS
    assert [e.title for e in got] == [
        "关于做好2021年度社会组织年检工作的通知",
        "A & B：省政府办公厅通知",
        "关于做好2021年度社会组织年检工作的通知",
        "关于做好2021年度社会组织年检工作的通知",
    ]
    assert [utc(e.published_parsed) for e in got] == EXPECTED_PUBLISHED
    assert [e.author for e in got] == EXPECTED_AUTHORS
    # unchanged entries: updated == published (feed-extractor shows <updated> as the date)
    assert [utc(e.updated_parsed) for e in got[:3]] == EXPECTED_PUBLISHED[:3]
    assert utc(got[3].updated_parsed) == POLL  # changed after first sight
    for entry in got:
        assert {"id", "title", "link", "updated_parsed"} <= set(entry.source)
    assert got[1].source.link == SOURCE.url  # origin without URL: the polled source


def test_feedparser_reads_every_field_in_rss(rss: bytes) -> None:
    got = parsed(rss).entries
    assert [e.id for e in got] == EXPECTED_IDS
    assert [utc(e.published_parsed) for e in got] == EXPECTED_PUBLISHED
    assert [e.author for e in got] == EXPECTED_AUTHORS  # from dc:creator
    assert [e.source.href for e in got] == [
        "http://mzt.shaanxi.example/",
        SOURCE.url,
        SOURCE.url,
        "http://mzt.shaanxi.example/",
    ]
    assert got[2].enclosures[0].href == "http://mzt.shaanxi.example/files/3.pdf"


def test_formats_agree_on_each_entry(atom: bytes, rss: bytes) -> None:
    a, r = parsed(atom).entries, parsed(rss).entries
    doc = json.loads(render(META, entries(), "json", CTX))
    assert [e.id for e in a] == [e.id for e in r] == [i["id"] for i in doc["items"]]
    assert [e.link for e in a] == [e.link for e in r] == [i["url"] for i in doc["items"]]
    json_published = [datetime.fromisoformat(i["date_published"]) for i in doc["items"]]
    assert json_published == EXPECTED_PUBLISHED
    assert [i["authors"][0]["name"] for i in doc["items"]] == EXPECTED_AUTHORS


# --- the exact fields the clients and the validator needed ----------------------------


def test_atom_entry_fields(atom: bytes) -> None:
    root = etree.fromstring(atom, STRICT)
    assert next(ln.get("rel") for ln in root.findall(f"{ATOM}link")) == "self"
    ids = [e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")]
    assert len(ids) == len(set(ids))  # W3C DuplicateEntries
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated", "published", "author/{A}name", "content"):
            assert entry.findtext(f"{ATOM}" + name.format(A=ATOM)), name
        assert FULL_URI.match(entry.findtext(f"{ATOM}id"))
        for name in ("updated", "published"):
            assert RFC3339.match(entry.findtext(f"{ATOM}{name}"))
        alternates = [ln for ln in entry.findall(f"{ATOM}link") if ln.get("rel") == "alternate"]
        assert len(alternates) == 1  # W3C DuplicateAtomLink
        source = entry.find(f"{ATOM}source")
        # W3C MissingSourceElement: id, title and updated; RFC 4287 §4.2.11
        assert [child.tag for child in source] == [
            f"{ATOM}id",
            f"{ATOM}title",
            f"{ATOM}link",
            f"{ATOM}updated",
        ]
        assert FULL_URI.match(source.findtext(f"{ATOM}id"))
        assert RFC3339.match(source.findtext(f"{ATOM}updated"))
        published = datetime.fromisoformat(entry.findtext(f"{ATOM}published"))
        assert datetime.fromisoformat(entry.findtext(f"{ATOM}updated")) >= published


def test_atom_entries_of_one_poll_do_not_share_updated(atom: bytes) -> None:
    """W3C DuplicateUpdated: entries of one poll had one <updated>, the poll's time."""
    root = etree.fromstring(atom, STRICT)
    updated = [e.findtext(f"{ATOM}updated") for e in root.findall(f"{ATOM}entry")]
    assert len(updated) == len(set(updated))


def test_rss_item_fields(rss: bytes) -> None:
    channel = etree.fromstring(rss, STRICT).find("channel")
    tags = [child.tag for child in channel]
    first_item = tags.index("item")
    assert all(tag == "item" for tag in tags[first_item:])  # W3C MisplacedItem
    self_links = [ln for ln in channel.findall(f"{ATOM}link") if ln.get("rel") == "self"]
    assert len(self_links) == 1  # W3C MissingAtomSelfLink
    assert channel.findtext("ttl").isdigit() and int(channel.findtext("ttl")) > 0
    assert RFC2822.match(channel.findtext("lastBuildDate"))
    guids = []
    for item in channel.findall("item"):
        guid = item.find("guid")
        guids.append(guid.text)
        if guid.get("isPermaLink") == "true":
            assert guid.text == item.findtext("link")
            assert not guid.text.lower().startswith(("tag:", "urn:uuid:"))  # InvalidPermalink
        assert item.find("author") is None  # reader swaps "email (name)"; dc:creator instead
        assert item.findtext(f"{DC}creator")
        pub_date = item.findtext("pubDate")
        assert RFC2822.match(pub_date)
        when = parsedate_to_datetime(pub_date)
        assert when.strftime("%a") == pub_date[:3]  # W3C IncorrectDOW
        source_url = item.find("source").get("url")
        assert FULL_URI.match(source_url) and source_url.startswith(("http://", "https://"))
        for enclosure in item.findall("enclosure"):
            assert enclosure.get("url").startswith(("http://", "https://"))
            assert int(enclosure.get("length")) >= 0 and enclosure.get("type")
    assert len(guids) == len(set(guids))  # W3C DuplicateValue (an error)


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_no_relative_references_in_html(fmt: str, atom: bytes, rss: bytes) -> None:
    root = etree.fromstring(atom if fmt == "atom" else rss, STRICT)
    if fmt == "atom":
        bodies = [e.findtext(f"{ATOM}content") for e in root.findall(f"{ATOM}entry")]
    else:
        bodies = [i.findtext("description") for i in root.find("channel").findall("item")]
    for body in bodies:
        refs = ["".join(groups) for groups in REL_REF.findall(body)]
        assert refs, body
        for ref in refs:
            assert re.match(r"\w+:", ref), ref  # W3C ContainsRelRef
    assert 'href="http://mzt.shaanxi.example/tzgg/fj/a.doc"' in bodies[0]


def test_html_bodies_parse_strictly(atom: bytes) -> None:
    """The validator parses escaped HTML with html5lib in strict mode (NotHtml)."""
    html5lib = pytest.importorskip("html5lib")
    root = etree.fromstring(atom, STRICT)
    for entry in root.findall(f"{ATOM}entry"):
        html5lib.HTMLParser(strict=True).parseFragment(entry.findtext(f"{ATOM}content"))
