"""Typed source health: every bad-input case ends the poll with the right stored outcome,
never fails the run, never loses entries; back-off and recovery."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from hub import pipeline
from hub.config import Config, load_config
from hub.fetch import Fetcher
from hub.store import Store
from hub.types import ArticleSelectors, FeedKey, FetchSettings

CONFIG = Path(__file__).parent / "data" / "e2e-feeds.yaml"
T0 = datetime(2026, 4, 20, tzinfo=UTC)
LIST_URL = "https://wsjkw.sh.gov.cn/yqtb/index.html"
FEED_URL = "https://www.chinanews.com.cn/rss/scroll-news.xml"
SETTINGS = FetchSettings(user_agent="gov-feed-hub-test", host_delay_s=0.0)
Handler = Callable[[httpx.Request], httpx.Response]


def _fetcher(handler: Handler, **changes: object) -> Fetcher:
    def with_robots(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return handler(request)

    settings = replace(SETTINGS, **changes)  # type: ignore[arg-type]
    return Fetcher(settings, transport=httpx.MockTransport(with_robots))


@pytest.fixture
def config() -> Config:
    return load_config(CONFIG)


def _page(corpus_dir: Path, name: str) -> bytes:
    return (corpus_dir / name).read_bytes()


def _poll(config: Config, store: Store, handler: Handler, sid: str, now: datetime = T0) -> str:
    with _fetcher(handler) as fetcher:
        return pipeline.poll_source(config, store, fetcher, sid, now=now).outcome


def test_http_errors_timeouts_and_challenges(config: Config, store: Store) -> None:
    sid = "shanghai-wsjkw-yqtb"
    assert _poll(config, store, lambda r: httpx.Response(404), sid) == "http_error"
    assert store.get_state(sid).last_detail is not None
    assert "404" in (store.get_state(sid).last_detail or "")

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    assert _poll(config, store, slow, sid) == "timeout"
    challenge = (
        b"<html><head><script>var $_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=1;</script>"
        b"<script src='/abc.js'></script></head><body></body></html>"
    )
    assert _poll(config, store, lambda r: httpx.Response(412, content=challenge), sid) == (
        "challenge"
    )
    wzws = "<html><body><p>请开启JavaScript并刷新该页.</p></body></html>".encode()
    assert _poll(config, store, lambda r: httpx.Response(200, content=wzws), sid) == "challenge"
    assert store.get_state(sid).failures == 4


def test_garbage_feed_is_parse_error_and_empty_list_is_drift(
    config: Config, store: Store, corpus_dir: Path
) -> None:
    garbage = bytes(range(256)) * 40
    assert (
        _poll(config, store, lambda r: httpx.Response(200, content=garbage), "chinanews-scroll")
        == "parse_error"
    )
    sid = "shanghai-wsjkw-yqtb"
    listing = _page(corpus_dir, "upstream-html/wsjkw-sh__list__1.html")

    def page(request: httpx.Request) -> httpx.Response:
        if str(request.url) == LIST_URL:
            return httpx.Response(200, content=listing, headers={"content-type": "text/html"})
        return httpx.Response(404)

    assert _poll(config, store, page, sid) == "ok"
    kept = store.count_entries()
    redesigned = b"<html><body><div class='new-layout'>\xe6\x96\xb0\xe7\x89\x88</div></body></html>"
    later = T0 + timedelta(hours=2)
    outcome = _poll(config, store, lambda r: httpx.Response(200, content=redesigned), sid, later)
    assert outcome == "selector_drift"
    assert "where there were items before" in (store.get_state(sid).last_detail or "")
    assert store.count_entries() == kept  # a failed poll forgets nothing


def test_robots_and_blocked_addresses(config: Config, store: Store) -> None:
    def robots(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(200, text="User-agent: *\nDisallow: /yqtb/\n")
        return httpx.Response(200, text="<html></html>")

    with Fetcher(SETTINGS, transport=httpx.MockTransport(robots)) as fetcher:
        report = pipeline.poll_source(config, store, fetcher, "shanghai-wsjkw-yqtb", now=T0)
    assert report.outcome == "robots_disallowed"

    local = replace(
        config,
        sources={
            "dingxi-tzgg": replace(config.sources["dingxi-tzgg"], url="http://127.0.0.1:9/col/")
        },
    )
    with Fetcher(SETTINGS) as fetcher:  # production transport: SSRF guard, nothing allowed
        report = pipeline.poll_source(local, store, fetcher, "dingxi-tzgg", now=T0)
    assert report.outcome == "blocked_address"


def test_backoff_retry_after_and_recovery(config: Config, store: Store, corpus_dir: Path) -> None:
    sid = "chinanews-scroll"
    interval = config.sources[sid].interval
    waits = []
    now = T0
    for _ in range(3):
        _poll(config, store, lambda r: httpx.Response(500), sid, now)
        waits.append((store.get_state(sid).next_poll_at - now).total_seconds())  # type: ignore[operator]
    assert waits == [interval, 2 * interval, 4 * interval]  # exponential back-off

    def busy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": str(10 * interval)})

    _poll(config, store, busy, sid, now)
    state = store.get_state(sid)
    assert state.last_outcome == "http_error"
    assert (state.next_poll_at - now).total_seconds() == 10 * interval  # type: ignore[operator]

    feed = _page(corpus_dir, "upstream-feeds/chinanews__rss2-scroll__1.xml")
    assert _poll(config, store, lambda r: httpx.Response(200, content=feed), sid, now) == "ok"
    state = store.get_state(sid)
    assert state.failures == 0 and state.last_success_at == now
    assert (state.next_poll_at - now).total_seconds() == interval  # type: ignore[operator]


def test_not_modified_and_stale(config: Config, store: Store, corpus_dir: Path) -> None:
    sid = "chinanews-scroll"
    feed = _page(corpus_dir, "upstream-feeds/chinanews__rss2-scroll__1.xml")
    seen: list[str | None] = []

    def conditional(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("if-none-match"))
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, content=feed, headers={"etag": '"v1"'})

    assert _poll(config, store, conditional, sid) == "ok"
    assert _poll(config, store, conditional, sid, T0 + timedelta(hours=1)) == "not_modified"
    assert seen == [None, '"v1"']
    stale_at = T0 + timedelta(seconds=config.sources[sid].interval * 11)
    plain = lambda r: httpx.Response(200, content=feed)  # noqa: E731
    assert _poll(config, store, plain, sid, stale_at) == "stale"
    assert len(store.entries_for(FeedKey(kind="source", key=sid), limit=100)) == 30


def test_duplicate_guids_in_one_feed_do_not_flip_flop(config: Config, store: Store) -> None:
    item = (
        "<item><title>{t}</title><link>https://www.chinanews.com.cn/gn/2026/04-19/1.shtml</link>"
        "<pubDate>Sun, 19 Apr 2026 06:22:34 +0800</pubDate></item>"
    )
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>x</title>'
        + item.format(t="第一")
        + item.format(t="第二")
        + "</channel></rss>"
    ).encode()
    sid = "chinanews-scroll"
    for hour in range(3):
        with _fetcher(lambda r: httpx.Response(200, content=feed)) as fetcher:
            report = pipeline.poll_source(
                config, store, fetcher, sid, now=T0 + timedelta(hours=hour)
            )
        assert report.outcome == "ok"
        assert report.updated == 0
    (entry,) = store.entries_for(FeedKey(kind="source", key=sid))
    assert entry.title == "第一"


def test_undecodable_page_is_encoding_error(config: Config, store: Store) -> None:
    import random

    noise = random.Random(7).randbytes(4000)
    outcome = _poll(
        config,
        store,
        lambda r: httpx.Response(200, content=noise, headers={"content-type": "text/html"}),
        "shanghai-wsjkw-yqtb",
    )
    assert outcome == "encoding_error"


def test_control_characters_in_an_article_never_stop_the_run(
    config: Config, store: Store, corpus_dir: Path
) -> None:
    listing = _page(corpus_dir, "upstream-html/wsjkw-sh__list__1.html")
    article = "<html><body><div id='body'><p>正文\x01文字\x0b</p></div></body></html>".encode()
    source = replace(
        config.sources["shanghai-wsjkw-yqtb"],
        article=ArticleSelectors(body="#body", attribution="#body"),
    )
    cfg = replace(config, sources={**config.sources, source.id: source})

    def pages(request: httpx.Request) -> httpx.Response:
        if str(request.url) == LIST_URL:
            return httpx.Response(200, content=listing, headers={"content-type": "text/html"})
        return httpx.Response(200, content=article, headers={"content-type": "text/html"})

    assert _poll(cfg, store, pages, source.id) == "ok"
    entries = store.entries_for(FeedKey(kind="source", key=source.id), limit=100)
    assert len(entries) == 20
    bodies = [e.content_html for e in entries if not e.article_missing]
    assert bodies and all("\x01" not in b and "正文文字" in b for b in bodies)


def test_an_unexpected_bug_fails_one_source_not_the_run(
    config: Config, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "parse_listing", broken)
    page = lambda r: httpx.Response(200, content=b"<html></html>")  # noqa: E731
    assert _poll(config, store, page, "shanghai-wsjkw-yqtb") == "parse_error"
    state = store.get_state("shanghai-wsjkw-yqtb")
    assert state.last_detail == "internal error: RuntimeError" and state.failures == 1


@pytest.mark.parametrize(
    ("body", "content_type", "detail"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png", "not an HTML page (image/png)"),
        (b"%PDF-1.4\n%...", "", "not an HTML page (binary content)"),
        (b'{"articles": []}', "application/json", "not an HTML page (application/json)"),
        (b"   ", "text/html", "empty response (HTTP 200 with no body)"),
    ],
)
def test_not_html_is_a_parse_error(
    config: Config, store: Store, body: bytes, content_type: str, detail: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    page = lambda r: httpx.Response(200, content=body, headers=headers)  # noqa: E731
    assert _poll(config, store, page, "shanghai-wsjkw-yqtb") == "parse_error"
    assert store.get_state("shanghai-wsjkw-yqtb").last_detail == detail


def test_selectors_that_never_matched_are_a_parse_error(config: Config, store: Store) -> None:
    page = lambda r: httpx.Response(200, content=b"<html><body><p>x</p></body></html>")  # noqa: E731
    assert _poll(config, store, page, "shanghai-wsjkw-yqtb") == "parse_error"
    detail = store.get_state("shanghai-wsjkw-yqtb").last_detail
    assert detail == "no items matched the list selectors (never matched yet)"
