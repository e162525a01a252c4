"""The main job end to end over recorded real pages: poll → parse → normalize → store →
publish → serve over real HTTP (uvicorn on 127.0.0.1), read back with feedparser."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import httpx
import pytest
from loopback import uvicorn_serving
from lxml import etree

from hub import pipeline
from hub.config import load_config
from hub.runner import make_fetcher
from hub.serve import create_app
from hub.store import Store

CONFIG = Path(__file__).parent / "data" / "e2e-feeds.yaml"
NOW = datetime(2026, 4, 20, 0, 0, tzinfo=UTC)
ARTICLE = "https://wsjkw.sh.gov.cn/xwfb/20220426/d4d847dcf3f64fcab102cf5a65656891.html"


@pytest.fixture
def served(store: Store, replay_dir: Path) -> Iterator[tuple[str, list[pipeline.PollReport]]]:
    config = load_config(CONFIG)
    with make_fetcher(config, str(replay_dir)) as fetcher:
        reports = [
            pipeline.poll_source(config, store, fetcher, sid, now=NOW) for sid in config.sources
        ]
    pipeline.publish(config, store, None, now=NOW)
    with uvicorn_serving(create_app(config, store)) as base:
        yield base, reports


def test_full_pipeline_serves_attributed_feeds(
    served: tuple[str, list[pipeline.PollReport]],
) -> None:
    base, reports = served
    outcomes = {r.source_id: (r.outcome, r.new) for r in reports}
    assert outcomes["shanghai-wsjkw-yqtb"] == ("ok", 20)
    assert outcomes["chinanews-scroll"] == ("ok", 30)
    assert outcomes["dingxi-tzgg"] == ("ok", 45)
    # a broken source records its reason and does not stop the others
    assert outcomes["broken-404"] == ("http_error", 0)

    with httpx.Client(base_url=base, timeout=10) as client:
        atom = client.get("/feeds/region/shanghai.atom")
        assert atom.status_code == 200
        assert atom.headers["content-type"] == "application/atom+xml; charset=utf-8"
        etree.fromstring(atom.content)  # strict XML
        parsed = feedparser.parse(atom.content)
        assert parsed.feed.language == "zh-CN"
        by_link = {e.link: e for e in parsed.entries}
        entry = by_link[ARTICLE]
        assert entry.title.startswith("上海2022年4月25日，新增本土新冠肺炎确诊病例1661例")
        assert entry.source.title == "上海市卫生健康委员会"  # origin (ContentSource meta)
        assert entry.published == "2022-04-26T00:00:00+08:00"  # date-only, Shanghai midnight
        assert "1661" in entry.content[0].value
        # newest first
        dates = [e.published_parsed for e in parsed.entries]
        assert dates == sorted(dates, reverse=True)

        # conditional GET
        again = client.get(
            "/feeds/region/shanghai.atom", headers={"If-None-Match": atom.headers["etag"]}
        )
        assert again.status_code == 304
        since = client.get(
            "/feeds/region/shanghai.atom",
            headers={"If-Modified-Since": atom.headers["last-modified"]},
        )
        assert since.status_code == 304

        rss = client.get("/feeds/region/gansu.rss")
        assert rss.headers["content-type"] == "application/rss+xml; charset=utf-8"
        rss_feed = feedparser.parse(rss.content)
        assert len(rss_feed.entries) == 45  # 定西市 rolls up into 甘肃省
        first = rss_feed.entries[0]
        assert first.link == "http://zwgk.dingxi.gov.cn/art/2022/1/20/art_12377_1486865.html"
        assert first.published_parsed[:3] == (2022, 1, 19)  # 2022-01-20 00:00 +08:00 in UTC
        assert not any(e.title.endswith("...") for e in rss_feed.entries)  # full title= used

        category = feedparser.parse(client.get("/feeds/category/zonghe-zhengwu.atom").content)
        assert len(category.entries) == 50  # default limit, chinanews + dingxi
        all_feed = client.get("/feeds/all.rss").content
        assert b"<dc:creator>" in all_feed
        assert client.get("/feeds/region/shaanxi.atom").status_code == 200  # source w/o entries
        missing = client.get("/feeds/source/nope.atom")
        assert missing.status_code == 404 and "no feed" in missing.text

        index = client.get("/")
        assert 'rel="alternate"' in index.text and "/feeds/region/shanghai.atom" in index.text
        opml = etree.fromstring(client.get("/opml.xml").content)
        assert opml.xpath("//outline[@xmlUrl]")


def test_repoll_changes_nothing(store: Store, replay_dir: Path) -> None:
    config = load_config(CONFIG)
    with make_fetcher(config, str(replay_dir)) as fetcher:
        for sid in ("shanghai-wsjkw-yqtb", "chinanews-scroll", "dingxi-tzgg"):
            pipeline.poll_source(config, store, fetcher, sid, now=NOW)
        count = store.count_entries()
        later = NOW.replace(day=21)
        again = [
            pipeline.poll_source(config, store, fetcher, sid, now=later, force=True)
            for sid in ("shanghai-wsjkw-yqtb", "chinanews-scroll", "dingxi-tzgg")
        ]
    assert [(r.new, r.updated) for r in again] == [(0, 0), (0, 0), (0, 0)]
    assert all(r.changed_feeds == () for r in again)
    assert store.count_entries() == count
