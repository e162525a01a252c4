"""Embedded mode: one process polls every source on its interval, publishes, and serves.

No Redis, no Celery: a background thread asks the store which sources are due (their
next-poll time is stored data, honouring interval, back-off and Retry-After — the same
data the Celery dispatcher reads), polls them through ``hub.pipeline.poll_source`` on a
small thread pool, and publishes the feeds the polls changed, coalesced per round.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta

import httpx

from hub import pipeline
from hub.config import Config
from hub.errors import StorageError
from hub.fetch import Fetcher
from hub.replay import load_replay
from hub.store import Store
from hub.timeutil import utc_now
from hub.types import FeedKey, PollReport
from hub.watch import ConfigWatcher

__all__ = ["Poller", "make_fetcher"]

log = logging.getLogger("hub.runner")


def make_fetcher(config: Config, replay_dir: str | None = None) -> Fetcher:
    """The upstream client: production (SSRF-guarded) or answering from recorded
    responses in ``replay_dir`` (``responses.jsonl``) through the same code path.

    Raises:
        ValueError: the replay directory or its ``responses.jsonl`` is malformed.
    """
    settings = config.settings.fetch
    transport: httpx.BaseTransport | None = None
    if replay_dir:
        transport = load_replay(replay_dir)
        settings = replace(settings, host_delay_s=0.0)
    return Fetcher(settings, transport=transport)


class Poller:
    """Polls due sources in rounds until stopped.

    Args:
        config: loaded feeds.yaml.
        store: the database (migrated).
        fetcher: the upstream client.
        workers: polls in flight at once (per-host politeness is the fetcher's).
        clock: the time seam (aware UTC).
    """

    def __init__(
        self,
        config: Config,
        store: Store,
        fetcher: Fetcher,
        *,
        workers: int = 4,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.watcher = ConfigWatcher(config.path, config)
        self.store = store
        self.fetcher = fetcher
        self.workers = workers
        self.clock = clock
        self.stop_event = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def config(self) -> Config:
        """feeds.yaml as it is now: edits take effect at the next round, no restart."""
        return self.watcher.current()[0]

    def poll_due(self) -> list[PollReport]:
        """One round: poll every enabled source that is due, then publish what changed.

        Raises:
            StorageError: the database failed.
        """
        config, changed_config = self.watcher.current()
        if changed_config:  # new sources, categories or regions: render every feed once
            pipeline.publish_and_notify(config, self.store, None, now=self.clock())
        now = self.clock()
        enabled = [s.id for s in config.sources.values() if s.enabled]
        due = self.store.due_sources(enabled, now)
        if not due:
            return []
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="poll") as pool:
            reports = list(
                pool.map(
                    lambda sid: pipeline.poll_source(
                        config, self.store, self.fetcher, sid, now=self.clock()
                    ),
                    due,
                )
            )
        changed: dict[str, None] = {}
        for report in reports:
            changed.update(dict.fromkeys(report.changed_feeds))
        if changed:
            pipeline.publish_and_notify(
                config,
                self.store,
                pipeline.keys_from_storage(changed),
                now=self.clock(),
            )
        return reports

    def seconds_until_next(self) -> float:
        """Seconds until the earliest stored next-poll time (5 to 60)."""
        states = self.store.all_states()
        now = self.clock()
        enabled = {s.id for s in self.config.sources.values() if s.enabled}
        upcoming = [
            st.next_poll_at
            for sid, st in states.items()
            if sid in enabled and st.next_poll_at is not None
        ]
        if len(upcoming) < len(enabled):
            return 5.0
        wait = (min(upcoming) - now) if upcoming else timedelta(seconds=60)
        return max(5.0, min(60.0, wait.total_seconds()))

    def run_forever(self) -> None:
        """Poll rounds until ``stop()``; a database error is logged and retried."""
        while not self.stop_event.is_set():
            try:
                self.poll_due()
                wait = self.seconds_until_next()
            except StorageError:
                log.exception("poll round failed (database); retrying in 30 s")
                wait = 30.0
            except Exception:  # never let the poller thread die while the server runs
                log.exception("poll round failed unexpectedly; retrying in 30 s")
                wait = 30.0
            self.stop_event.wait(wait)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


def publish_all(config: Config, store: Store) -> int:
    """Render every feed once (at start-up); returns how many documents changed."""
    keys: list[FeedKey] | None = None
    return len(pipeline.publish_and_notify(config, store, keys, now=utc_now()).changed)
