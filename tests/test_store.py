"""The SQL store on SQLite and PostgreSQL: idempotent upserts, no re-dating, archive."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.store import Store, region_prefix
from hub.types import CachingInfo, Enclosure, Entry, FeedKey, SourceState

T0 = datetime(2021, 8, 30, 2, 0, tzinfo=UTC)


def make_entry(n: int, **changes: object) -> Entry:
    base = Entry(
        guid=f"http://mzt.shaanxi.gov.cn/a/{n}.html",
        source_id="shaanxi-mzt",
        title=f"通知 {n}",
        link=f"http://mzt.shaanxi.gov.cn/a/{n}.html",
        published=T0 + timedelta(hours=n),
        date_only=False,
        updated=T0,
        first_seen=T0,
        summary="摘要",
        content_html="<p>正文</p>",
        origin="陕西省民政厅",
        origin_url=None,
        author=None,
        region="610300",
        category="minzheng",
        content_hash=f"h{n}",
        enclosures=(Enclosure(url="http://mzt.shaanxi.gov.cn/f.pdf", type="application/pdf"),),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_upsert_is_idempotent(store: Store) -> None:
    first = store.upsert_entries([make_entry(1), make_entry(2)], T0)
    assert [e.guid for e in first.new] == [make_entry(1).guid, make_entry(2).guid]
    again = store.upsert_entries([make_entry(1), make_entry(2)], T0 + timedelta(hours=1))
    assert again.new == [] and again.updated == [] and again.unchanged == 2
    assert store.count_entries() == 2


def test_real_change_bumps_updated_but_never_redates(store: Store) -> None:
    store.upsert_entries([make_entry(1)], T0)
    later = T0 + timedelta(days=1)
    changed = make_entry(1, title="通知 1（更正）", content_hash="other", published=later)
    result = store.upsert_entries([changed], later)
    assert len(result.updated) == 1
    (stored,) = store.entries_for(FeedKey(kind="all"))
    assert stored.title == "通知 1（更正）"
    assert stored.updated == later
    assert stored.published == make_entry(1).published  # never re-dated
    assert stored.enclosures[0].type == "application/pdf"


def test_feeds_roll_up_regions_and_keep_order(store: Store) -> None:
    store.upsert_entries([make_entry(1), make_entry(3), make_entry(2)], T0)
    province = store.entries_for(FeedKey(kind="region", key="610000"))
    assert [e.title for e in province] == ["通知 3", "通知 2", "通知 1"]
    assert store.entries_for(FeedKey(kind="region", key="140000")) == []
    assert len(store.entries_for(FeedKey(kind="region_category", key="610000/minzheng"))) == 3
    assert store.entries_for(FeedKey(kind="region_category", key="610000/other")) == []
    assert len(store.entries_for(FeedKey(kind="all"), limit=2)) == 2
    assert region_prefix("610000") == "61" and region_prefix("610300") == "6103"


def test_state_round_trip_and_due(store: Store) -> None:
    assert store.due_sources(["a", "b"], T0) == ["a", "b"]
    store.save_state(
        SourceState(
            source_id="a",
            caching=CachingInfo(etag='"x"', last_modified="Mon, 30 Aug 2021 02:00:00 GMT"),
            last_outcome="ok",
            next_poll_at=T0 + timedelta(hours=1),
        )
    )
    assert store.due_sources(["a", "b"], T0) == ["b"]
    assert store.due_sources(["a", "b"], T0 + timedelta(hours=2)) == ["a", "b"]
    st = store.get_state("a")
    assert st.caching.etag == '"x"' and st.last_outcome == "ok"
    assert st.next_poll_at == T0 + timedelta(hours=1)


def test_save_feed_writes_only_changes(store: Store) -> None:
    assert store.save_feed("all:", "atom", b"<feed/>", last_modified=T0, entry_count=0, now=T0)
    assert not store.save_feed("all:", "atom", b"<feed/>", last_modified=T0, entry_count=0, now=T0)
    stored = store.get_feed("all:", "atom")
    assert stored is not None and stored.body == b"<feed/>" and stored.etag.startswith('"')


def test_concurrent_writers_of_one_announcement_store_one_row(store: Store) -> None:
    import threading

    barrier = threading.Barrier(4)
    results = []

    def write() -> None:
        other = Store(store.url)
        try:
            barrier.wait(timeout=10)
            results.append(other.upsert_entries([make_entry(n) for n in range(20)], T0))
        finally:
            other.close()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert store.count_entries() == 20
    assert sum(len(r.new) for r in results) == 20  # each row counted new exactly once


def test_record_poll_writes_entries_and_state_together(store: Store) -> None:
    def failing_state(result: object) -> SourceState:
        raise RuntimeError("state write failed")

    with pytest.raises(RuntimeError):
        store.record_poll([make_entry(1)], T0, failing_state)
    assert store.count_entries() == 0  # rolled back with the state
    result = store.record_poll(
        [make_entry(1)], T0, lambda r: SourceState(source_id="shaanxi-mzt", last_outcome="ok")
    )
    assert len(result.new) == 1  # the retry sees it as new, so its feeds get published
    assert store.get_state("shaanxi-mzt").last_outcome == "ok"


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    from sqlalchemy import text

    s = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    s.upgrade()
    with s.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    s.close()
