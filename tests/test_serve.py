"""The web app over a store filled from recorded pages: 200/304/HEAD/gzip, content types,
consumer options, 404/400 answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from starlette.testclient import TestClient

from hub import pipeline
from hub.config import load_config
from hub.runner import make_fetcher
from hub.serve import create_app
from hub.store import Store

CONFIG = Path(__file__).parent / "data" / "e2e-feeds.yaml"
NOW = datetime(2026, 4, 20, tzinfo=UTC)
SERVED_AT = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)  # the app's clock


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, replay_dir: Path) -> Iterator[TestClient]:
    config = load_config(CONFIG)
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('serve') / 'hub.db'}")
    store.upgrade()
    with make_fetcher(config, str(replay_dir)) as fetcher:
        for sid in ("chinanews-scroll", "dingxi-tzgg"):
            pipeline.poll_source(config, store, fetcher, sid, now=NOW)
    pipeline.publish(config, store, None, now=NOW)
    with TestClient(create_app(config, store, clock=lambda: SERVED_AT)) as c:
        yield c
    store.close()


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/feeds/all.atom", "application/atom+xml; charset=utf-8"),
        ("/feeds/all.rss", "application/rss+xml; charset=utf-8"),
        ("/feeds/all.json", "application/feed+json; charset=utf-8"),
        ("/feeds/region/621100.rss", "application/rss+xml; charset=utf-8"),
        (
            "/feeds/region/dingxi/category/zonghe-zhengwu.atom",
            "application/atom+xml; charset=utf-8",
        ),
        ("/opml.xml", "text/x-opml; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
    ],
)
def test_content_types_and_validators(client: TestClient, path: str, content_type: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"] == content_type
    assert r.headers["etag"].startswith('W/"')
    if path.startswith("/feeds/"):  # published feeds: when their bytes last changed
        assert r.headers["last-modified"].endswith("GMT")
    else:  # pages built per request carry only the ETag
        assert "last-modified" not in r.headers
    not_modified = client.get(path, headers={"If-None-Match": r.headers["etag"]})
    assert not_modified.status_code == 304
    opaque = r.headers["etag"].removeprefix("W/")  # weak comparison, RFC 9110 §13.1.2
    assert client.get(path, headers={"If-None-Match": opaque}).status_code == 304
    assert not_modified.headers["vary"] == "Accept-Encoding"


def test_head_gzip_and_cache_control(client: TestClient) -> None:
    head = client.head("/feeds/all.atom")
    assert head.status_code == 200 and head.content == b""
    r = client.get("/feeds/all.atom", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["cache-control"] == "public, max-age=3600"
    br = client.get("/feeds/all.json", headers={"Accept-Encoding": "br"})
    assert br.headers["content-encoding"] == "br"
    assert br.json()["version"] == "https://jsonfeed.org/version/1.1"
    plain = client.get("/feeds/all.atom", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers


def test_if_modified_since_older_is_200(client: TestClient) -> None:
    r = client.get(
        "/feeds/all.atom", headers={"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}
    )
    assert r.status_code == 200


def test_consumer_options(client: TestClient) -> None:
    limited = feedparser.parse(client.get("/feeds/region/gansu.atom?limit=3").content)
    assert len(limited.entries) == 3
    kept = feedparser.parse(client.get("/feeds/region/gansu.atom?filter_title=疫情|防控").content)
    assert kept.entries and all(("疫情" in e.title or "防控" in e.title) for e in kept.entries)
    everything = feedparser.parse(client.get("/feeds/region/gansu.atom?limit=500").content)
    assert len(everything.entries) == 45
    dropped = feedparser.parse(
        client.get("/feeds/region/gansu.atom?limit=500&filterout=疫情").content
    )
    with_word = [e for e in everything.entries if "疫情" in e.title]
    assert with_word and len(dropped.entries) == 45 - len(with_word)
    assert all("疫情" not in e.title for e in dropped.entries)
    since = feedparser.parse(client.get("/feeds/region/gansu.atom?since=2022-01-01").content)
    assert since.entries and all(e.published >= "2022-01-01" for e in since.entries)
    assert len(since.entries) < 45
    # filter matches title or body: the chinanews bodies name 新华社 where titles do not
    body_hits = feedparser.parse(client.get("/feeds/all.atom?limit=500&filter=新华社").content)
    assert body_hits.entries and any("新华社" not in e.title for e in body_hits.entries)
    description = feedparser.parse(
        client.get("/feeds/all.atom?limit=500&filter_description=新华社").content
    )
    assert [e.id for e in description.entries] == [e.id for e in body_hits.entries]
    # filter_time: within a year of now keeps the 2026 chinanews items, not 2021–22 定西
    recent = feedparser.parse(client.get("/feeds/all.atom?limit=500&filter_time=31536000").content)
    assert recent.entries and all(e.published.startswith("2026") for e in recent.entries)
    none = feedparser.parse(client.get("/feeds/all.atom?filter=不可能出现的词").content)
    assert none.entries == [] and none.bozo == 0


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=501",
        "limit=x",
        "filter_time=-5",
        "since=yesterday",
        "filter=" + "a" * 300,
    ],
)
def test_bad_options_answer_400(client: TestClient, query: str) -> None:
    r = client.get(f"/feeds/all.atom?{query}")
    assert r.status_code == 400
    assert r.text.startswith("400 Bad Request: ") and r.text.count("\n") == 1


def test_unknown_parameters_are_ignored(client: TestClient) -> None:
    plain = client.get("/feeds/all.atom")
    tracked = client.get("/feeds/all.atom?utm_source=reader&_=1700000000")
    assert tracked.status_code == 200 and tracked.content == plain.content


def test_catastrophic_pattern_is_just_a_keyword(client: TestClient) -> None:
    r = client.get("/feeds/all.atom?filter=(a%2B)%2B$&limit=5")
    assert r.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/nope.atom",
        "/feeds/all.xml",
        "/feeds/region/atlantis.atom",
        "/feeds/source/x.rss",
        "/opml/region/atlantis.xml",
    ],
)
def test_unknown_feeds_404(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith("404 Not Found")


def test_metrics(client: TestClient) -> None:
    r = client.get("/metrics")
    assert r.status_code == 200
    text = r.text
    assert 'hub_polls_total{outcome="ok",source="dingxi-tzgg"}' in text
    assert 'hub_entries{source="dingxi-tzgg"} 45.0' in text
    assert 'hub_source_last_success_age_seconds{source="chinanews-scroll"}' in text
    assert "hub_publish_duration_seconds_count" in text
    assert 'hub_poll_duration_seconds_count{source="dingxi-tzgg"}' in text
    assert 'hub_entries_ingested_total{kind="new",source="dingxi-tzgg"}' in text
    assert 'hub_publish_bytes_total{format="atom"}' in text
    assert 'hub_source_failures{source="dingxi-tzgg"} 0.0' in text


FH = "http://purl.org/syndication/history/1.0"
ATOM = "http://www.w3.org/2005/Atom"


def test_rfc5005_archives(client: TestClient) -> None:
    from lxml import etree

    current = etree.fromstring(client.get("/feeds/region/gansu.atom").content)
    prev = current.xpath("//a:link[@rel='prev-archive']/@href", namespaces={"a": ATOM})
    assert prev == ["http://127.0.0.1:8000/feeds/region/gansu/archive/2022-01.atom"]

    r = client.get("/feeds/region/gansu/archive/2022-01.atom")
    assert r.status_code == 200
    doc = etree.fromstring(r.content)
    assert doc.xpath("//fh:archive", namespaces={"fh": FH})
    ns = {"a": ATOM}
    assert doc.xpath("//a:link[@rel='current']/@href", namespaces=ns) == [
        "http://127.0.0.1:8000/feeds/region/gansu.atom"
    ]
    assert doc.xpath("//a:link[@rel='prev-archive']/@href", namespaces=ns) == [
        "http://127.0.0.1:8000/feeds/region/gansu/archive/2021-12.atom"
    ]
    assert not doc.xpath("//a:link[@rel='next-archive']", namespaces=ns)  # newest archive
    entries = feedparser.parse(r.content).entries
    assert entries and all(e.published.startswith("2022-01") for e in entries)
    # the archive is stable: the same request gives the same bytes
    assert client.get("/feeds/region/gansu/archive/2022-01.atom").content == r.content
    rss = etree.fromstring(client.get("/feeds/region/gansu/archive/2021-12.rss").content)
    assert rss.xpath("//fh:archive", namespaces={"fh": FH})
    assert rss.xpath("//a:link[@rel='next-archive']/@href", namespaces=ns) == [
        "http://127.0.0.1:8000/feeds/region/gansu/archive/2022-01.rss"
    ]
    assert client.get("/feeds/region/gansu/archive/2019-05.atom").status_code == 404
    assert client.get("/feeds/region/gansu/archive/2022-13.atom").status_code == 404


def test_database_down_answers_503(tmp_path: Path) -> None:
    config = load_config(CONFIG)
    store = Store("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with TestClient(create_app(config, store), raise_server_exceptions=False) as c:
        r = c.get("/feeds/all.atom")
    assert r.status_code == 503
    assert r.headers["retry-after"] == "30"
    assert r.text.startswith("503 Service Unavailable")
