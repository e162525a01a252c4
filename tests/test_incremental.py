"""Incremental polling over two real snapshots of one column (袁州区 政务要闻, a week
apart, 13 of 25 items shared): only the 12 new items are new, and the archive keeps the
items that dropped off the page."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from hub import pipeline
from hub.config import load_config
from hub.runner import make_fetcher
from hub.store import Store
from hub.types import FeedKey

ROOT = Path(__file__).resolve().parents[1]
OLD = "http://www.yzq.gov.cn/zwgk/zwdt/zwyw/index.html"  # snapshot of 2017-10-13
NEW = "http://www.yzq.gov.cn/zwgk/zwdt/zwyw/"  # snapshot of 2017-10-20


def test_second_snapshot_adds_only_new_items(store: Store, replay_dir: Path) -> None:
    config = load_config(ROOT / "feeds.yaml")
    source = config.sources["yuanzhou-zwyw"]
    old_config = replace(config, sources={**config.sources, source.id: replace(source, url=OLD)})
    with make_fetcher(config, str(replay_dir)) as fetcher:
        first = pipeline.poll_source(
            old_config, store, fetcher, source.id, now=datetime(2017, 10, 14, tzinfo=UTC)
        )
        old_links = {e.link for e in store.entries_for(FeedKey(kind="source", key=source.id))}
        second = pipeline.poll_source(
            config, store, fetcher, source.id, now=datetime(2017, 10, 21, tzinfo=UTC)
        )
    assert (first.outcome, first.new) == ("ok", 25)
    assert (second.outcome, second.new, second.updated, second.unchanged) == ("ok", 12, 0, 13)
    kept = store.entries_for(FeedKey(kind="source", key=source.id), limit=100)
    assert len(kept) == 37
    assert old_links <= {e.link for e in kept}  # dropped off the page, still in the archive
    newest = kept[0]
    assert newest.published.isoformat() == "2017-10-19T16:00:00+00:00"  # 2017-10-20 Shanghai
    assert newest.origin == "袁州区人民政府"  # the department's own column
