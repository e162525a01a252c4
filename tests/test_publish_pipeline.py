"""Publishing as a whole: unchanged feeds write nothing, WebSub pings only for changed
bytes, static export writes only changed files."""

from __future__ import annotations

import http.server
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest
from lxml import etree

from hub import pipeline
from hub.config import Config, load_config
from hub.export import export_static
from hub.runner import make_fetcher
from hub.store import Store
from hub.types import FeedKey

CONFIG = Path(__file__).parent / "data" / "e2e-feeds.yaml"
NOW = datetime(2026, 4, 20, tzinfo=UTC)


class _Hub(http.server.BaseHTTPRequestHandler):
    pings: ClassVar[list[dict[str, list[str]]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        _Hub.pings.append(urllib.parse.parse_qs(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def websub_hub() -> Iterator[str]:
    _Hub.pings = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hub"
    finally:
        server.shutdown()
        server.server_close()


def _config(hub_url: str | None = None) -> Config:
    config = load_config(CONFIG)
    return replace(config, settings=replace(config.settings, websub_hub=hub_url))


def _poll(config: Config, store: Store, replay_dir: Path, *ids: str) -> None:
    with make_fetcher(config, str(replay_dir)) as fetcher:
        for sid in ids:
            pipeline.poll_source(config, store, fetcher, sid, now=NOW)


def test_websub_pings_only_changed_feeds(store: Store, replay_dir: Path, websub_hub: str) -> None:
    config = _config(websub_hub)
    first = pipeline.publish_and_notify(config, store, None, now=NOW)
    assert first.changed  # empty feeds are new documents
    _Hub.pings.clear()
    assert pipeline.publish_and_notify(config, store, None, now=NOW).changed == []
    assert _Hub.pings == []  # a no-op publish pings nothing

    _poll(config, store, replay_dir, "dingxi-tzgg")
    result = pipeline.publish_and_notify(config, store, None, now=NOW)
    urls = {p["hub.url"][0] for p in _Hub.pings}
    assert all(p["hub.mode"] == ["publish"] for p in _Hub.pings)
    assert "http://127.0.0.1:8000/feeds/region/gansu.atom" in urls
    assert "http://127.0.0.1:8000/feeds/source/dingxi-tzgg.json" in urls
    assert "http://127.0.0.1:8000/feeds/region/shanghai.atom" not in urls
    assert len(urls) == len(result.changed)
    atom = store.get_feed("all:", "atom")
    assert atom is not None
    hub_links = etree.fromstring(atom.body).xpath(
        "//a:link[@rel='hub']/@href", namespaces={"a": "http://www.w3.org/2005/Atom"}
    )
    assert hub_links == [websub_hub]


def test_static_export_writes_only_changes(tmp_path: Path, replay_dir: Path) -> None:
    config = _config()
    store = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    store.upgrade()
    _poll(config, store, replay_dir, "chinanews-scroll")
    pipeline.publish(config, store, None, now=NOW)
    out = tmp_path / "public"
    written = export_static(config, store, out)
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"index.html", "opml.xml", "feeds/all.atom", "feeds/all.rss", "feeds/all.json"} <= files
    assert "feeds/region/beijing/category/zonghe-zhengwu.atom" in files
    assert "opml/region/beijing.xml" in files
    assert written == len(files)
    assert not [p for p in out.rglob(".*.tmp")]  # no temp files left behind
    stamp = (out / "feeds/all.atom").stat().st_mtime_ns
    assert export_static(config, store, out) == 0  # unchanged: nothing written
    assert (out / "feeds/all.atom").stat().st_mtime_ns == stamp
    stored = store.get_feed("all:", "atom")
    assert stored is not None and (out / "feeds/all.atom").read_bytes() == stored.body
    store.close()


def test_feeds_hold_one_copy_per_announcement_and_only_configured_sources(
    store: Store, replay_dir: Path
) -> None:
    root = Path(__file__).resolve().parents[1]
    config = load_config(root / "feeds.yaml")
    cnta = ["cnta-zdgz", "cnta-zdgz-sctg", "cnta-zdgz-ws", "cnta-zdgz-lyrc"]
    _poll(config, store, replay_dir, *cnta)
    key = FeedKey(kind="category", key="shangmao-lvyou")
    entries = pipeline.feed_entries(config, store, key, limit=50)
    assert len(entries) == 50 and len({e.guid for e in entries}) == 50
    # the landing page truncates a title its sub-column page gives in full: the full
    # copy is the one published
    qiandao = [e.title for e in entries if e.title.startswith("千岛湖登全球热搜榜第13位")]
    assert qiandao == ["千岛湖登全球热搜榜第13位 “双节”旅游大丰收"]
    count, _ = store.feed_stats(key, list(config.sources))
    rows = len(store.entries_for(key, limit=1000))
    assert count < rows  # the index counts announcements, not rows
    # a source removed from feeds.yaml leaves the published feeds (its rows stay stored)
    trimmed = replace(config, sources={k: v for k, v in config.sources.items() if k not in cnta})
    assert pipeline.feed_entries(trimmed, store, key, limit=50) == []
    assert len(store.entries_for(key, limit=1000)) == rows
