"""feeds.yaml edits take effect without a restart: in the web app and the embedded
poller; an invalid edit keeps the previous config."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from starlette.testclient import TestClient

from hub.config import load_config
from hub.runner import Poller, make_fetcher
from hub.serve import create_app
from hub.store import Store
from hub.watch import ConfigWatcher

E2E = Path(__file__).parent / "data" / "e2e-feeds.yaml"
EXTRA = """
  - id: people-auto
    name: 人民网 汽车频道
    url: http://www.people.com.cn/rss/auto.xml
    kind: rss
    region: beijing
    category: zonghe-zhengwu
    site_name: 人民网
"""


def _edit(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    stat = path.stat()  # make sure the stamp moves even within one clock tick
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_watcher_reloads_and_keeps_the_old_config_on_errors(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    _edit(path, E2E.read_text(encoding="utf-8"))
    watcher = ConfigWatcher(path)
    first, changed = watcher.current()
    assert changed and "people-auto" not in first.sources
    assert watcher.current() == (first, False)
    _edit(path, E2E.read_text(encoding="utf-8") + EXTRA)
    second, changed = watcher.current()
    assert changed and "people-auto" in second.sources
    _edit(path, path.read_text(encoding="utf-8") + "  - id: [broken\n")
    assert watcher.current() == (second, False)


def test_web_app_and_poller_follow_feeds_yaml(tmp_path: Path, replay_dir: Path) -> None:
    path = tmp_path / "feeds.yaml"
    _edit(path, E2E.read_text(encoding="utf-8"))
    config = load_config(path)
    store = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    store.upgrade()
    poller = Poller(
        config,
        store,
        make_fetcher(config, str(replay_dir)),
        clock=lambda: datetime(2026, 4, 20, tzinfo=UTC),
    )
    with TestClient(create_app(config, store)) as client:
        assert client.get("/feeds/source/people-auto.atom").status_code == 404
        _edit(path, E2E.read_text(encoding="utf-8") + EXTRA)
        assert client.get("/feeds/source/people-auto.atom").status_code == 200
        reports = {r.source_id: r.outcome for r in poller.poll_due()}
        assert reports["people-auto"] == "ok"  # the source added after start-up was polled
        feed = client.get("/feeds/source/people-auto.atom")
        assert "车门锁栓存隐患" in feed.text
    store.close()
