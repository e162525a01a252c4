"""hub.publish: RSS 2.0, Atom 1.0, JSON Feed 1.1, OPML and the index page.

Each rendering is parsed strictly with lxml (well-formedness, exact elements) and with
feedparser (what a reader sees).
"""

from __future__ import annotations

import calendar
import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any, Literal

import feedparser
import pytest
from lxml import etree  # type: ignore[import-untyped]
from publish_samples import ATOM, BASE, CTX, DC, SOURCE, STRICT

import hub.publish
from hub.errors import PublishError
from hub.publish import (
    CONTENT_TYPES,
    FeedMeta,
    IndexRow,
    OpmlFeed,
    OpmlGroup,
    render,
    render_index,
    render_opml,
    xml_safe,
)
from hub.publish.xml import entry_id, feed_id
from hub.types import Enclosure, Entry, FeedKey

CST = timezone(timedelta(hours=8))
HUB = "http://127.0.0.1:8000/websub"

META = FeedMeta(
    key=FeedKey(kind="region", key="610000"),
    title="陕西 Shaanxi — 政府公告",
    subtitle="陕西省政府部门公告 Announcements from Shaanxi",
    base_url=BASE,
    path="/feeds/region/shaanxi",
    hub_url=HUB,
    ttl_s=1800,
    prev_archive_path="/feeds/region/shaanxi/archive/2021-08",
)


def make_entry(**changes: Any) -> Entry:
    values: dict[str, Any] = {
        "guid": "http://mzt.shaanxi.example/tzgg/1.html",
        "source_id": "sx-mz",
        "title": "关于做好2021年度社会组织年检工作的通知",
        "link": "http://mzt.shaanxi.example/tzgg/1.html",
        "published": datetime(2021, 8, 29, 16, 0, tzinfo=UTC),  # 2021-08-30 00:00 +08:00
        "date_only": True,
        "updated": datetime(2021, 8, 29, 16, 0, tzinfo=UTC),
        "first_seen": datetime(2021, 8, 30, 2, 0, tzinfo=UTC),
        "summary": "",
        "content_html": "<p>各市民政局：</p>",
        "origin": "陕西省民政厅",
        "origin_url": "http://mzt.shaanxi.example/",
        "author": None,
        "region": "610000",
        "category": "notices",
        "content_hash": "h1",
    }
    values.update(changes)
    return Entry(**values)


def sample_entries() -> list[Entry]:
    """Newest-first is the caller's job; this order is deliberately not sorted by date."""
    date_only = make_entry()
    with_author = make_entry(
        guid="http://www.shaanxi.example/zfxxgk/2.html",
        title="A & B：省政府办公厅通知",
        link="http://www.shaanxi.example/zfxxgk/2.html",
        published=datetime(2021, 9, 1, 1, 30, tzinfo=UTC),
        date_only=False,
        updated=datetime(2021, 9, 2, 3, 0, tzinfo=UTC),
        summary="摘要：年检安排",
        origin="陕西省人民政府办公厅",
        origin_url=None,
        author="张三",
        doc_number="陕政办发〔2021〕12号",
    )
    no_origin = make_entry(
        guid="本站-3",
        title="第三条 <b>公告</b>",
        link="http://mzt.shaanxi.example/tzgg/3.html",
        published=datetime(2021, 8, 1, 0, 0, tzinfo=UTC),
        date_only=False,
        updated=datetime(2021, 8, 1, 0, 0, tzinfo=UTC),
        origin=None,
        origin_url=None,
    )
    with_enclosure = make_entry(
        guid="http://mzt.shaanxi.example/tzgg/4.html",
        title="附件下载",
        link="http://mzt.shaanxi.example/tzgg/4.html",
        published=datetime(2021, 8, 15, 2, 0, tzinfo=UTC),
        date_only=False,
        updated=datetime(2021, 8, 15, 2, 0, tzinfo=UTC),
        enclosures=(
            Enclosure(
                url="http://mzt.shaanxi.example/files/a.pdf", type="application/pdf", length=2048
            ),
            Enclosure(url="http://mzt.shaanxi.example/files/b.doc", type="application/msword"),
        ),
    )
    return [date_only, with_author, no_origin, with_enclosure]


@pytest.fixture
def entries() -> list[Entry]:
    return sample_entries()


Fmt = Literal["rss", "atom", "json"]


def parse_xml(body: bytes) -> Any:
    return etree.fromstring(body, STRICT)


def parse_feed(body: bytes) -> Any:
    return feedparser.parse(io.BytesIO(body))


def atom_entries(root: Any) -> list[Any]:
    return list(root.findall(f"{ATOM}entry"))


def rss_items(root: Any) -> list[Any]:
    return list(root.find("channel").findall("item"))


def link_rels(elem: Any, tag: str) -> dict[str, str]:
    return {ln.get("rel", "alternate"): ln.get("href") for ln in elem.findall(tag)}


def struct_to_utc(value: Any) -> datetime:
    return datetime.fromtimestamp(calendar.timegm(value), UTC)


# --- public surface -----------------------------------------------------------------


def test_exported_members() -> None:
    assert hub.publish.__all__ == sorted(hub.publish.__all__)
    assert set(hub.publish.__all__) >= {
        "CONTENT_TYPES",
        "FeedMeta",
        "IndexRow",
        "OpmlFeed",
        "OpmlGroup",
        "PublishContext",
        "render",
        "render_index",
        "render_opml",
        "xml_safe",
    }
    assert CONTENT_TYPES == {
        "atom": "application/atom+xml; charset=utf-8",
        "rss": "application/rss+xml; charset=utf-8",
        "json": "application/feed+json; charset=utf-8",
    }


# --- Atom ---------------------------------------------------------------------------


def test_atom_feed_level(entries: list[Entry]) -> None:
    root = parse_xml(render(META, entries, "atom", CTX))
    assert root.tag == f"{ATOM}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN"
    assert root.findtext(f"{ATOM}id") == "tag:127.0.0.1,2024:/feeds/region/shaanxi"
    assert root.findtext(f"{ATOM}title") == META.title
    # newest entry.updated, not the clock
    assert root.findtext(f"{ATOM}updated") == "2021-09-02T11:00:00+08:00"
    rels = link_rels(root, f"{ATOM}link")
    assert rels == {
        "self": BASE + "/feeds/region/shaanxi.atom",
        "hub": HUB,
        "prev-archive": BASE + "/feeds/region/shaanxi/archive/2021-08.atom",
        "alternate": BASE + "/",
    }


def test_atom_entries(entries: list[Entry]) -> None:
    root = parse_xml(render(META, entries, "atom", CTX))
    items = atom_entries(root)
    assert [e.findtext(f"{ATOM}title") for e in items] == [e.title for e in entries]
    assert [e.findtext(f"{ATOM}id") for e in items] == [
        entries[0].guid,
        entries[1].guid,
        "tag:127.0.0.1,2024:guid:%E6%9C%AC%E7%AB%99-3",  # "本站-3" is not a URI
        entries[3].guid,
    ]
    for elem, entry in zip(items, entries, strict=True):
        assert link_rels(elem, f"{ATOM}link")["alternate"] == entry.link
    date_only, with_author, no_origin, with_enclosure = items
    assert date_only.findtext(f"{ATOM}published") == "2021-08-30T00:00:00+08:00"
    assert date_only.findtext(f"{ATOM}updated") == "2021-08-30T00:00:00+08:00"
    assert with_author.findtext(f"{ATOM}published") == "2021-09-01T09:30:00+08:00"
    # author: personal author, else the origin, else the polled source's name
    assert date_only.findtext(f"{ATOM}author/{ATOM}name") == "陕西省民政厅"
    assert with_author.findtext(f"{ATOM}author/{ATOM}name") == "张三"
    assert no_origin.findtext(f"{ATOM}author/{ATOM}name") == SOURCE.name
    assert with_author.findtext(f"{ATOM}summary") == "摘要：年检安排"
    assert date_only.find(f"{ATOM}summary") is None
    content = date_only.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert content.text.startswith("<p>各市民政局：</p>")
    assert content.text.endswith(
        '<p>来源：陕西省民政厅 · <a href="http://mzt.shaanxi.example/tzgg/1.html">原文链接</a></p>'
    )
    assert "作者：张三" in with_author.findtext(f"{ATOM}content")
    cats = [
        (c.get("term"), c.get("scheme"), c.get("label"))
        for c in date_only.findall(f"{ATOM}category")
    ]
    assert cats == [
        ("notices", BASE + "/feeds/category/", "通知公告"),
        ("610000", "https://www.mca.gov.cn/gb2260", "陕西省"),
    ]
    enclosures = [
        (ln.get("href"), ln.get("type"), ln.get("length"))
        for ln in with_enclosure.findall(f"{ATOM}link")
        if ln.get("rel") == "enclosure"
    ]
    assert enclosures == [
        ("http://mzt.shaanxi.example/files/a.pdf", "application/pdf", "2048"),
        ("http://mzt.shaanxi.example/files/b.doc", "application/msword", None),
    ]


def test_atom_source_element(entries: list[Entry]) -> None:
    """RFC 4287 §4.2.11: atom:source keeps the origin's id, title, link and updated."""
    items = atom_entries(parse_xml(render(META, entries, "atom", CTX)))
    expected = [
        ("陕西省民政厅", "http://mzt.shaanxi.example/", "2021-08-30T00:00:00+08:00"),
        # origin named without URL: the polled source's URL
        ("陕西省人民政府办公厅", SOURCE.url, "2021-09-02T11:00:00+08:00"),
        # no origin: the polled source
        (SOURCE.name, SOURCE.url, "2021-08-01T08:00:00+08:00"),
        ("陕西省民政厅", "http://mzt.shaanxi.example/", "2021-08-15T10:00:00+08:00"),
    ]
    for elem, (title, url, updated) in zip(items, expected, strict=True):
        source = elem.find(f"{ATOM}source")
        assert source is not None
        assert source.findtext(f"{ATOM}id") == url
        assert source.findtext(f"{ATOM}title") == title
        assert source.find(f"{ATOM}link").get("href") == url
        assert source.findtext(f"{ATOM}updated") == updated
        assert source[0].tag == f"{ATOM}id"


def test_atom_through_feedparser(entries: list[Entry]) -> None:
    parsed = parse_feed(render(META, entries, "atom", CTX))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == META.title
    assert parsed.feed.language == "zh-CN"
    rels = {ln["rel"]: ln["href"] for ln in parsed.feed.links}
    assert rels["hub"] == HUB
    assert rels["self"] == BASE + "/feeds/region/shaanxi.atom"
    got = parsed.entries
    assert [e.title for e in got] == [e.title for e in entries]
    assert [e.link for e in got] == [e.link for e in entries]
    assert got[0].id == entries[0].guid
    assert got[0].published == "2021-08-30T00:00:00+08:00"
    assert struct_to_utc(got[0].published_parsed) == entries[0].published
    assert [e.author for e in got] == ["陕西省民政厅", "张三", SOURCE.name, "陕西省民政厅"]
    source = got[1].source
    assert source.title == "陕西省人民政府办公厅"
    assert source.link == SOURCE.url  # Atom: source.link; RSS: source.href
    assert source.id == SOURCE.url
    assert "updated_parsed" in source
    assert got[1].tags[1].term == "610000"
    assert got[1].tags[1].label == "陕西省"
    assert [e.href for e in got[3].enclosures] == [
        "http://mzt.shaanxi.example/files/a.pdf",
        "http://mzt.shaanxi.example/files/b.doc",
    ]


# --- RSS ----------------------------------------------------------------------------


def test_rss_channel(entries: list[Entry]) -> None:
    root = parse_xml(render(META, entries, "rss", CTX))
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.findtext("title") == META.title
    assert channel.findtext("link") == BASE + "/"
    assert channel.findtext("description") == META.subtitle
    assert channel.findtext("language") == "zh-CN"
    assert channel.findtext("ttl") == "30"  # 1800 s
    assert channel.findtext("lastBuildDate") == "Thu, 02 Sep 2021 11:00:00 +0800"
    assert channel.find("pubDate") is None
    rels = link_rels(channel, f"{ATOM}link")
    assert rels == {
        "self": BASE + "/feeds/region/shaanxi.rss",
        "hub": HUB,
        "prev-archive": BASE + "/feeds/region/shaanxi/archive/2021-08.rss",
    }


def test_rss_items(entries: list[Entry]) -> None:
    items = rss_items(parse_xml(render(META, entries, "rss", CTX)))
    assert [i.findtext("title") for i in items] == [e.title for e in entries]
    assert [i.findtext("link") for i in items] == [e.link for e in entries]
    guids = [(i.findtext("guid"), i.find("guid").get("isPermaLink")) for i in items]
    assert guids == [
        (entries[0].guid, "true"),  # guid == link
        (entries[1].guid, "true"),
        ("tag:127.0.0.1,2024:guid:%E6%9C%AC%E7%AB%99-3", "false"),
        (entries[3].guid, "true"),
    ]
    date_only, with_author, _, with_enclosure = items
    assert date_only.findtext("pubDate") == "Mon, 30 Aug 2021 00:00:00 +0800"
    assert with_author.findtext("pubDate") == "Wed, 01 Sep 2021 09:30:00 +0800"
    sources = [(i.find("source").get("url"), i.findtext("source")) for i in items]
    assert sources == [
        ("http://mzt.shaanxi.example/", "陕西省民政厅"),
        (SOURCE.url, "陕西省人民政府办公厅"),
        (SOURCE.url, SOURCE.name),
        ("http://mzt.shaanxi.example/", "陕西省民政厅"),
    ]
    assert [i.findtext(f"{DC}creator") for i in items] == [
        "陕西省民政厅",
        "张三",
        SOURCE.name,
        "陕西省民政厅",
    ]
    assert with_author.findtext(f"{DC}publisher") == "陕西省人民政府办公厅"
    assert all(i.find("author") is None for i in items)  # name-only <author> is invalid RSS
    assert [(c.get("domain"), c.text) for c in date_only.findall("category")] == [
        (BASE + "/feeds/category/", "notices"),
        ("https://www.mca.gov.cn/gb2260", "610000"),
    ]
    description = with_author.findtext("description")
    assert "作者：张三" in description and "原文链接" in description
    enclosures = with_enclosure.findall("enclosure")
    assert [(e.get("url"), e.get("type"), e.get("length")) for e in enclosures] == [
        ("http://mzt.shaanxi.example/files/a.pdf", "application/pdf", "2048")
    ]
    assert date_only.find("enclosure") is None


def test_rss_through_feedparser(entries: list[Entry]) -> None:
    parsed = parse_feed(render(META, entries, "rss", CTX))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.language == "zh-CN"
    assert parsed.feed.ttl == "30"
    assert {ln["rel"]: ln["href"] for ln in parsed.feed.links}["hub"] == HUB
    got = parsed.entries
    assert [e.title for e in got] == [e.title for e in entries]
    assert [e.link for e in got] == [e.link for e in entries]
    assert [e.id for e in got][:2] == [entries[0].guid, entries[1].guid]
    assert struct_to_utc(got[0].published_parsed) == datetime(2021, 8, 29, 16, tzinfo=UTC)
    assert got[1].author == "张三"  # dc:creator
    assert got[1].publisher == "陕西省人民政府办公厅"
    assert got[2].source.title == SOURCE.name
    assert got[2].source.href == SOURCE.url
    assert got[3].enclosures[0].href == "http://mzt.shaanxi.example/files/a.pdf"


# --- JSON Feed ----------------------------------------------------------------------


def test_json_feed(entries: list[Entry]) -> None:
    body = render(META, entries, "json", CTX)
    doc = json.loads(body)
    assert list(doc) == [
        "version",
        "title",
        "home_page_url",
        "feed_url",
        "description",
        "language",
        "next_url",
        "hubs",
        "items",
    ]
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["feed_url"] == BASE + "/feeds/region/shaanxi.json"
    assert doc["home_page_url"] == BASE + "/"
    assert doc["hubs"] == [{"type": "WebSub", "url": HUB}]
    assert doc["next_url"] == BASE + "/feeds/region/shaanxi/archive/2021-08.json"
    items = doc["items"]
    assert [i["title"] for i in items] == [e.title for e in entries]
    assert [i["url"] for i in items] == [e.link for e in entries]
    first = items[0]
    assert first["id"] == entries[0].guid
    assert first["date_published"] == "2021-08-30T00:00:00+08:00"
    assert first["authors"] == [{"name": "陕西省民政厅"}]
    assert first["tags"] == ["通知公告", "陕西省"]
    assert first["content_html"].endswith("原文链接</a></p>")
    assert first["_hub"] == {
        "origin": "陕西省民政厅",
        "origin_url": "http://mzt.shaanxi.example/",
        "source": {"id": "sx-mz", "name": SOURCE.name, "url": SOURCE.url},
        "region": {"code": "610000", "name": "陕西省", "slug": "shaanxi"},
        "category": {"slug": "notices", "name": "通知公告"},
        "doc_number": None,
        "index_number": None,
        "date_only": True,
        "article_missing": False,
    }
    assert items[1]["authors"] == [{"name": "张三"}]
    assert items[1]["summary"] == "摘要：年检安排"
    assert items[1]["_hub"]["doc_number"] == "陕政办发〔2021〕12号"
    assert items[1]["_hub"]["date_only"] is False
    assert items[2]["_hub"]["origin"] is None
    assert items[3]["attachments"] == [
        {
            "url": "http://mzt.shaanxi.example/files/a.pdf",
            "mime_type": "application/pdf",
            "size_in_bytes": 2048,
        },
        {"url": "http://mzt.shaanxi.example/files/b.doc", "mime_type": "application/msword"},
    ]
    assert "陕西" in body.decode("utf-8")  # ensure_ascii=False


# --- cross-format properties --------------------------------------------------------


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_same_inputs_same_bytes(fmt: Fmt) -> None:
    first = render(META, sample_entries(), fmt, CTX)
    second = render(META, sample_entries(), fmt, CTX)
    assert first == second


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_empty_feed_is_fixed(fmt: Fmt) -> None:
    body = render(META, [], fmt, CTX)
    assert body == render(META, [], fmt, CTX)
    if fmt == "atom":
        assert parse_xml(body).findtext(f"{ATOM}updated") == "2000-01-01T08:00:00+08:00"
    elif fmt == "rss":
        channel = parse_xml(body).find("channel")
        assert channel.findtext("lastBuildDate") == "Sat, 01 Jan 2000 08:00:00 +0800"
    else:
        assert json.loads(body)["items"] == []


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_escaped_exactly_once(fmt: Fmt) -> None:
    entry = make_entry(
        title="A & B", content_html="<p>x &amp; y ]]> z</p>", origin="甲&乙<办>", author="丙"
    )
    body = render(META, [entry], fmt, CTX)
    assert b"&amp;amp;amp;" not in body
    assert b"A &amp; B" in body
    parsed = parse_feed(body)
    assert parsed.entries[0].title == "A & B"
    root = parse_xml(body)
    if fmt == "atom":
        content = atom_entries(root)[0].findtext(f"{ATOM}content")
    else:
        content = rss_items(root)[0].findtext("description")
    assert content.startswith("<p>x &amp; y ]]> z</p>")
    assert "来源：甲&amp;乙&lt;办&gt;" in content  # escaped once, as HTML text


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_control_characters_removed(fmt: Fmt) -> None:
    entry = make_entry(title="通\x00知\x1f\ud800\ufffe\uffff", author="张\x0b三")
    body = render(META, [entry], fmt, CTX)
    if fmt == "json":
        item = json.loads(body)["items"][0]
        assert item["title"] == "通知"
        assert item["authors"] == [{"name": "张三"}]
    else:
        parse_xml(body)
        assert parse_feed(body).entries[0].title == "通知"


def test_xml_safe() -> None:
    assert xml_safe("a\x00b\x08c\td\ne\rf") == "abc\td\ne\rf"
    assert xml_safe("\ud800x\udfff\ufffe\uffff\x7f\x85") == "x"
    assert xml_safe("\u200f阿拉伯 RTL \U0001f600") == "\u200f阿拉伯 RTL \U0001f600"
    assert xml_safe("&amp; <b>]]>") == "&amp; <b>]]>"


def test_ids() -> None:
    assert entry_id("http://a.example/1", BASE) == "http://a.example/1"
    assert entry_id("urn:uuid:1234", BASE) == "urn:uuid:1234"
    assert entry_id("abc 1", BASE) == "tag:127.0.0.1,2024:guid:abc%201"
    assert entry_id("abc", "") == "urn:hub-guid:abc"
    assert feed_id("https://Hub.Example:8443", "/feeds/all") == "tag:hub.example,2024:/feeds/all"


def test_missing_context_falls_back() -> None:
    entry = make_entry(source_id="gone", region="110000", category="misc", origin=None)
    doc = json.loads(render(META, [entry], "json", CTX))
    hub_ext = doc["items"][0]["_hub"]
    assert hub_ext["source"] == {"id": "gone", "name": "gone", "url": entry.link}
    assert hub_ext["region"] == {"code": "110000", "name": "110000", "slug": None}
    assert doc["items"][0]["authors"] == [{"name": "gone"}]


def test_no_hub_no_archive() -> None:
    meta = FeedMeta(
        key=FeedKey(kind="all"), title="全部", subtitle="", base_url=BASE, path="/feeds/all"
    )
    atom = parse_xml(render(meta, sample_entries(), "atom", CTX))
    assert set(link_rels(atom, f"{ATOM}link")) == {"self", "alternate"}
    rss = parse_xml(render(meta, sample_entries(), "rss", CTX)).find("channel")
    assert set(link_rels(rss, f"{ATOM}link")) == {"self"}
    assert rss.findtext("ttl") == "60"
    doc = json.loads(render(meta, sample_entries(), "json", CTX))
    assert "hubs" not in doc and "next_url" not in doc


def test_errors() -> None:
    naive = make_entry(published=datetime(2021, 8, 30))
    with pytest.raises(PublishError):
        render(META, [naive], "atom", CTX)
    with pytest.raises(PublishError):
        render(META, [], "html", CTX)  # type: ignore[arg-type]


# --- OPML ---------------------------------------------------------------------------


def test_opml() -> None:
    groups: Sequence[OpmlGroup] = [
        OpmlGroup("全部 All", [OpmlFeed("全部公告", "/feeds/all")]),
        OpmlGroup(
            "地区 Regions",
            [
                OpmlFeed("陕西 & Shaanxi", "/feeds/region/shaanxi"),
                OpmlFeed("北京", "/feeds/region/beijing"),
            ],
        ),
    ]
    body = render_opml("政府公告 Hub", groups, BASE)
    assert body == render_opml("政府公告 Hub", groups, BASE)
    root = parse_xml(body)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "政府公告 Hub"
    assert root.find("head/dateCreated") is None
    folders = root.findall("body/outline")
    assert [f.get("text") for f in folders] == ["全部 All", "地区 Regions"]
    feeds = folders[1].findall("outline")
    assert [(f.get("type"), f.get("text"), f.get("xmlUrl"), f.get("htmlUrl")) for f in feeds] == [
        ("rss", "陕西 & Shaanxi", BASE + "/feeds/region/shaanxi.atom", BASE + "/"),
        ("rss", "北京", BASE + "/feeds/region/beijing.atom", BASE + "/"),
    ]


# --- index page ---------------------------------------------------------------------


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str | None]] = []
        self.anchors: list[str | None] = []
        self.tables = 0
        self.scripts = 0
        self.html_attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "link":
            self.links.append(dict(attrs))
        elif tag == "a":
            self.anchors.append(dict(attrs).get("href"))
        elif tag == "table":
            self.tables += 1
        elif tag == "script":
            self.scripts += 1
        elif tag == "html":
            self.html_attrs = dict(attrs)


def test_index_page() -> None:
    rows = [
        IndexRow(
            "全部 All", "全部公告 All", "/feeds/all", 120, datetime(2021, 9, 2, 3, tzinfo=UTC)
        ),
        IndexRow("地区 Regions", "陕西 <Shaanxi>", "/feeds/region/shaanxi", 3, None),
        IndexRow("分类 Categories", "通知公告", "/feeds/category/notices", 0, None),
    ]
    body = render_index("政府公告 Hub", BASE, rows)
    assert body == render_index("政府公告 Hub", BASE, rows)
    text = body.decode("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in text
    assert "陕西 &lt;Shaanxi&gt;" in text and "<Shaanxi>" not in text
    assert "2021-09-02 11:00" in text
    collected = _Collector()
    collected.feed(text)
    assert collected.html_attrs.get("lang") == "zh-CN"
    assert collected.tables == 3
    assert collected.scripts == 0
    alternates = {
        (ln["type"], ln["href"]) for ln in collected.links if ln.get("rel") == "alternate"
    }
    assert ("application/atom+xml", BASE + "/feeds/all.atom") in alternates
    assert ("application/rss+xml", BASE + "/feeds/all.rss") in alternates
    assert ("application/atom+xml", BASE + "/feeds/region/shaanxi.atom") in alternates
    assert ("application/atom+xml", BASE + "/feeds/category/notices.atom") in alternates
    for path in ("/feeds/all", "/feeds/region/shaanxi"):
        for ext in ("atom", "rss", "json"):
            assert f"{BASE}{path}.{ext}" in collected.anchors
    assert BASE + "/opml.xml" in collected.anchors


def test_date_only_is_midnight_beijing_in_every_format() -> None:
    # 2021-08-30 15:00 Beijing, flagged date-only: every format says the day's midnight
    entry = make_entry(published=datetime(2021, 8, 30, 7, 0, tzinfo=UTC))
    atom = atom_entries(parse_xml(render(META, [entry], "atom", CTX)))[0]
    assert atom.findtext(f"{ATOM}published") == "2021-08-30T00:00:00+08:00"
    rss = rss_items(parse_xml(render(META, [entry], "rss", CTX)))[0]
    assert rss.findtext("pubDate") == "Mon, 30 Aug 2021 00:00:00 +0800"
    item = json.loads(render(META, [entry], "json", CTX))["items"][0]
    assert item["date_published"] == "2021-08-30T00:00:00+08:00"
    assert item["_hub"]["date_only"] is True


# --- fixes from the reader-client matrix and the W3C validator's rules ----------------


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_one_entry_per_id(fmt: Fmt) -> None:
    """The same article polled from two sources shares its guid: listed once, first kept
    (W3C: a repeated RSS guid is an error, a repeated atom:id a warning)."""
    first = make_entry(source_id="sx-mz", origin="甲")
    again = make_entry(source_id="other-column", origin="乙")  # same guid, older in order
    other = make_entry(guid="http://mzt.shaanxi.example/tzgg/9.html")
    body = render(META, [first, again, other], fmt, CTX)
    if fmt == "json":
        items = json.loads(body)["items"]
        assert [i["id"] for i in items] == [first.guid, other.guid]
        assert items[0]["_hub"]["origin"] == "甲"
        return
    parsed = parse_feed(body)
    assert [e.id for e in parsed.entries] == [first.guid, other.guid]
    assert parsed.entries[0].author == "甲"


def test_unchanged_entry_updated_is_its_published_time() -> None:
    """feed-extractor dates Atom entries by <updated>: an entry the hub never changed
    shows its publication time there, a changed one the time of the change."""
    unchanged = make_entry(
        published=datetime(2021, 8, 29, 16, tzinfo=UTC),
        updated=datetime(2021, 9, 5, 4, tzinfo=UTC),  # the poll that first saw it
        first_seen=datetime(2021, 9, 5, 4, tzinfo=UTC),
    )
    changed = make_entry(
        guid="http://mzt.shaanxi.example/tzgg/2.html",
        published=datetime(2021, 8, 29, 16, tzinfo=UTC),
        updated=datetime(2021, 9, 6, 4, tzinfo=UTC),
        first_seen=datetime(2021, 9, 5, 4, tzinfo=UTC),
    )
    atom = parse_xml(render(META, [unchanged, changed], "atom", CTX))
    items = atom_entries(atom)
    assert [e.findtext(f"{ATOM}updated") for e in items] == [
        "2021-08-30T00:00:00+08:00",
        "2021-09-06T12:00:00+08:00",
    ]
    assert items[0].findtext(f"{ATOM}source/{ATOM}updated") == "2021-08-30T00:00:00+08:00"
    # the feed's own <updated> is still the newest stored change (the document changed)
    assert atom.findtext(f"{ATOM}updated") == "2021-09-06T12:00:00+08:00"
    doc = json.loads(render(META, [unchanged, changed], "json", CTX))
    assert [i["date_modified"] for i in doc["items"]] == [
        "2021-08-30T00:00:00+08:00",
        "2021-09-06T12:00:00+08:00",
    ]


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_relative_urls_made_absolute(fmt: Fmt) -> None:
    """W3C (RSS): "description should not contain relative URL references"; in Atom a
    relative href would resolve against the feed's URL. Resolved against the entry link."""
    entry = make_entry(
        link="http://mzt.shaanxi.example/tzgg/sub/1.html",
        content_html=(
            '<p><a href="../2.html?a=1&amp;b=2" rel="noopener">下一篇</a>'
            '<img src=\'img/a.png\' alt="x"> <a href="https://abs.example/x">abs</a>'
            ' <a href="#top">top</a> href="not/a/tag"</p>'
        ),
        origin_url="/about/",
        enclosures=(Enclosure(url="/files/a.pdf", type="application/pdf", length=1),),
    )
    body = render(META, [entry], fmt, CTX)
    if fmt == "json":
        item = json.loads(body)["items"][0]
        content, origin_url = item["content_html"], item["_hub"]["origin_url"]
        enclosure = item["attachments"][0]["url"]
    else:
        root = parse_xml(body)
        elem = atom_entries(root)[0] if fmt == "atom" else rss_items(root)[0]
        if fmt == "atom":
            content = elem.findtext(f"{ATOM}content")
            origin_url = elem.find(f"{ATOM}source/{ATOM}link").get("href")
            enclosure = [ln for ln in elem.findall(f"{ATOM}link") if ln.get("rel") == "enclosure"]
            enclosure = enclosure[0].get("href")
        else:
            content = elem.findtext("description")
            origin_url = elem.find("source").get("url")
            enclosure = elem.find("enclosure").get("url")
    assert '<a href="http://mzt.shaanxi.example/tzgg/2.html?a=1&amp;b=2" rel="noopener">' in content
    assert '<img src="http://mzt.shaanxi.example/tzgg/sub/img/a.png" alt="x">' in content
    assert '<a href="https://abs.example/x">' in content
    assert '<a href="#top">' in content  # fragment-only: same document, left alone
    assert ' href="not/a/tag"</p>' in content  # text, not an attribute
    assert origin_url == "http://mzt.shaanxi.example/about/"
    assert enclosure == "http://mzt.shaanxi.example/files/a.pdf"


def test_absolute_content_is_unchanged() -> None:
    from hub.publish.xml import absolutize_html

    html_in = '<p><a href="https://a.example/?x=1&amp;y=2" rel="noopener noreferrer">甲</a></p>'
    assert absolutize_html(html_in, "http://b.example/1.html") == html_in
    assert absolutize_html("<p>x</p>", "not a url") == "<p>x</p>"


def test_feed_updated_is_the_newest_written_entry_updated() -> None:
    from hub.publish.xml import feed_updated

    old = make_entry()  # first seen at a poll long after publication, unchanged since
    changed = make_entry(
        guid="http://mzt.shaanxi.example/tzgg/9.html",
        link="http://mzt.shaanxi.example/tzgg/9.html",
        published=datetime(2021, 8, 1, tzinfo=UTC),
        first_seen=datetime(2021, 8, 2, tzinfo=UTC),
        updated=datetime(2021, 8, 20, tzinfo=UTC),  # a real change stored later
    )
    # not the poll time of `old`: its written updated is its published instant
    assert feed_updated([old]) == datetime(2021, 8, 30, 0, 0, tzinfo=CST)
    assert feed_updated([old, changed]) == datetime(2021, 8, 30, 0, 0, tzinfo=CST)
    assert feed_updated([changed]) == datetime(2021, 8, 20, 8, 0, tzinfo=CST)
