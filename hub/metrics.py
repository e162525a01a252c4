"""Prometheus metrics (prometheus-client).

Process-local counters and histograms, updated by ``hub.pipeline``:

* ``hub_polls_total{source,outcome}`` — polls by source and outcome code
* ``hub_poll_duration_seconds{source}`` — poll wall time, seconds
* ``hub_entries_ingested_total{source,kind}`` — entries stored, ``kind`` new or updated
* ``hub_publish_duration_seconds`` — one publish run, seconds
* ``hub_publish_bytes_total{format}`` — bytes of feed documents that changed

Read at scrape time (``StoreCollector``), so the web app reports them whichever process
polled:

* ``hub_source_last_success_age_seconds{source}`` — seconds since the last successful poll
* ``hub_source_failures{source}`` — consecutive failed polls
* ``hub_entries{source}`` — entries stored
* ``hub_queue_depth{queue}`` — Celery messages waiting in Redis (when a broker is set)

The embedded ``hub run`` serves all of them at ``/metrics``. In the scale-out
deployment the counters are incremented in Celery worker processes: set
``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode) to one directory
shared by the workers and the web app, and ``/metrics`` aggregates every process.
``hub_queue_depth`` is read from the broker named by ``HUB_REDIS_URL`` /
``CELERY_BROKER_URL`` (keys prefixed with ``HUB_REDIS_PREFIX``, default ``hub:``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from hub.store import Store
from hub.timeutil import utc_now

__all__ = [
    "ENTRIES_INGESTED",
    "POLLS",
    "POLL_DURATION",
    "PUBLISH_BYTES",
    "PUBLISH_DURATION",
    "StoreCollector",
    "process_registry",
    "queue_depth_from_env",
]

log = logging.getLogger("hub.metrics")

POLLS = Counter("hub_polls", "Polls by source and outcome.", ["source", "outcome"])
POLL_DURATION = Histogram(
    "hub_poll_duration_seconds",
    "Wall time of one poll, seconds.",
    ["source"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300),
)
ENTRIES_INGESTED = Counter(
    "hub_entries_ingested", "Entries stored by source, new or updated.", ["source", "kind"]
)
PUBLISH_DURATION = Histogram("hub_publish_duration_seconds", "Wall time of one publish, seconds.")
PUBLISH_BYTES = Counter(
    "hub_publish_bytes", "Bytes of feed documents whose content changed.", ["format"]
)


class StoreCollector(Collector):
    """Gauges read from the store (and the broker) at scrape time.

    Args:
        store: the database.
        source_ids: callable giving the configured source ids (others are not reported).
        queue_depth: optional callable returning ``{queue name: waiting messages}``.
    """

    def __init__(
        self,
        store: Store,
        source_ids: Callable[[], Sequence[str]],
        queue_depth: Callable[[], dict[str, int]] | None = None,
    ) -> None:
        self.store = store
        self.source_ids = source_ids
        self.queue_depth = queue_depth

    def collect(self) -> Iterator[GaugeMetricFamily]:
        age = GaugeMetricFamily(
            "hub_source_last_success_age_seconds",
            "Seconds since the last successful poll of a source.",
            labels=["source"],
        )
        failures = GaugeMetricFamily(
            "hub_source_failures", "Consecutive failed polls of a source.", labels=["source"]
        )
        entries = GaugeMetricFamily("hub_entries", "Entries stored per source.", labels=["source"])
        try:
            states = self.store.all_states()
        except Exception:  # a scrape must not fail because the database is down
            log.exception("metrics: store unavailable")
            states = {}
        now = utc_now()
        for sid in self.source_ids():
            st = states.get(sid)
            if st is None:
                continue
            if st.last_success_at is not None:
                age.add_metric([sid], (now - st.last_success_at).total_seconds())
            failures.add_metric([sid], st.failures)
            entries.add_metric([sid], st.entry_count)
        yield age
        yield failures
        yield entries
        if self.queue_depth is not None:
            depth = GaugeMetricFamily(
                "hub_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"]
            )
            try:
                for queue, n in self.queue_depth().items():
                    depth.add_metric([queue], n)
            except Exception:
                log.exception("metrics: broker unavailable")
            yield depth


QUEUES = ("poll", "publish")


def queue_depth_from_env(
    env: Mapping[str, str] | None = None,
) -> Callable[[], dict[str, int]] | None:
    """A callable reporting the Celery queue lengths (messages waiting, per queue) from the
    Redis broker in the environment, or None when no broker is configured."""
    env = os.environ if env is None else env
    url = env.get("HUB_REDIS_URL") or env.get("CELERY_BROKER_URL")
    if not url:
        return None
    prefix = env.get("HUB_REDIS_PREFIX", "hub:")

    def depth() -> dict[str, int]:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            return {q: int(client.llen(prefix + q)) for q in QUEUES}
        finally:
            client.close()

    return depth


def process_registry() -> CollectorRegistry | None:
    """The registry aggregating every worker process's counters when
    ``PROMETHEUS_MULTIPROC_DIR`` is set (prometheus-client multiprocess mode), else None
    (the default registry of this process is used)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry
