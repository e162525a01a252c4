"""Benchmark the pure stages on recorded real pages; prints ratios against baselines run
in the same process (never asserted anywhere).

    .venv/bin/python bench/bench_pipeline.py [--corpus ../shared/corpus] [--rounds 5]

Stages and their baselines:
* list page: ``decode_body`` + ``parse_listing`` vs a bare ``parsel.Selector(...).css(item)``
* article page: ``extract_article`` vs ``trafilatura.extract`` alone on the same page
* feed: ``parse_feed`` vs ``feedparser.parse`` alone on the same bytes
* publish: ``render`` Atom/RSS/JSON of 50 entries vs ``json.dumps`` of the same entries
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import parsel
import trafilatura

from hub.config import load_config
from hub.encoding import decode_body
from hub.normalize import normalize_item
from hub.parse.article import extract_article
from hub.parse.feeds import parse_feed
from hub.parse.listing import parse_listing
from hub.pipeline import feed_meta, publish_context
from hub.publish import render
from hub.types import CachingInfo, FeedKey, FetchResult, ListSelectors

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 4, 20, tzinfo=UTC)


def timed(fn: Callable[[], object], rounds: int) -> float:
    """Best of ``rounds`` wall times, seconds."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    html = args.corpus / "upstream-html"
    rows: list[tuple[str, float, float]] = []

    listing = (html / "yichun-gov__list__1.html").read_bytes()
    sel = ListSelectors(item="td > table tr:has(a)", title="a::text", date="td[width='80']::text")
    rows.append(
        (
            "list page (yichun)",
            timed(
                lambda: parse_listing(decode_body(listing, None)[0], "http://x/", sel, now=NOW),
                args.rounds,
            ),
            timed(
                lambda: parsel.Selector(text=listing.decode("utf-8")).css(sel.item).getall(),
                args.rounds,
            ),
        )
    )
    article = (html / "nmg-gov__article__1.html").read_bytes()
    text = article.decode("utf-8")
    rows.append(
        (
            "article page (nmg)",
            timed(
                lambda: extract_article(text, "https://www.nmg.gov.cn/a.html", now=NOW), args.rounds
            ),
            timed(lambda: trafilatura.extract(text), args.rounds),
        )
    )
    feed = (args.corpus / "upstream-feeds" / "chinanews__rss2-scroll__1.xml").read_bytes()
    fetched = FetchResult(
        url="https://www.chinanews.com.cn/rss/scroll-news.xml",
        status=200,
        headers={"content-type": "text/xml"},
        body=feed,
        caching=CachingInfo(),
    )
    rows.append(
        (
            "feed (chinanews, 30 items)",
            timed(lambda: parse_feed(fetched, now=NOW), args.rounds),
            timed(lambda: feedparser.parse(feed), args.rounds),
        )
    )
    config = load_config(ROOT / "tests" / "data" / "e2e-feeds.yaml")
    source = config.sources["chinanews-scroll"]
    items = parse_feed(fetched, now=NOW)
    entries = [normalize_item(i, source, None, now=NOW) for i in items] * 2
    entries = entries[:50]
    meta = feed_meta(config, FeedKey(kind="all"))
    ctx = publish_context(config)
    as_dicts = [{k: str(v) for k, v in dataclasses.asdict(e).items()} for e in entries]
    for fmt in ("atom", "rss", "json"):
        rows.append(
            (
                f"publish {fmt} (50 entries)",
                timed(lambda fmt=fmt: render(meta, entries, fmt, ctx), args.rounds),  # type: ignore[misc]
                timed(lambda: json.dumps(as_dicts, ensure_ascii=False), args.rounds),
            )
        )
    print(f"{'stage':32} {'hub ms':>9} {'baseline ms':>12} {'ratio':>7}")
    for name, ours, base in rows:
        print(f"{name:32} {ours * 1000:9.2f} {base * 1000:12.2f} {ours / base:7.1f}x")


if __name__ == "__main__":
    main()
