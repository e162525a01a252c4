"""The three Celery tasks. Each is thin: ids in, one call into :mod:`hub.pipeline`, and
only what queueing adds — the per-source lock, claims, retries and publish coalescing.

``hub.dispatch_due()``
    Run by beat every ``HUB_DISPATCH_INTERVAL`` seconds. Asks the store which enabled
    sources are due (their next-poll time is stored data: interval, back-off,
    Retry-After), claims each in Redis (``SET NX EX``, see :mod:`workers.locks`) and
    enqueues ``hub.poll_source`` for the ones it claimed. A per-period token and a lock
    make a second beat process harmless; the claims make an overlapping dispatch harmless.

``hub.poll_source(source_id)``
    Reloads feeds.yaml when its modification time changed, takes the per-source lock
    (non-blocking: a held lock ends the task cleanly), skips a source that is no longer
    due (a duplicate delivery after the poll already ran), calls
    ``hub.pipeline.poll_source`` and hands the changed feed keys to the publish coalescer.
    A ``StorageError`` (or another ``HubError`` with ``retryable``) is retried with
    exponential back-off and full jitter; the claim is kept meanwhile.

``hub.publish(feed_keys=None)``
    Takes every pending feed key from Redis at once and renders those feeds once through
    ``hub.pipeline.publish``; with ``HUB_EXPORT_DIR`` set it also writes their static
    files (and the OPML and index pages) there for nginx.

Duplicate delivery (the same message twice, or a redelivery after the visibility
timeout) stores nothing twice: the store's upsert is keyed on (source, guid) with
``ON CONFLICT DO NOTHING``, a second poll of a source that is no longer due does nothing,
and publishing writes only feeds whose bytes changed.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import redis
from celery import Task
from celery.utils.log import get_task_logger

from hub import catalog, pipeline
from hub.config import Config
from hub.errors import ConfigError, HubError, StorageError
from hub.export import export_static
from hub.fetch import Fetcher
from hub.runner import make_fetcher
from hub.store import Store
from hub.timeutil import utc_now
from hub.types import FetchSettings
from hub.watch import ConfigWatcher
from workers.app import app, bind_log_context, settings
from workers.locks import Coordinator
from workers.settings import WorkerSettings

__all__ = ["Retryable", "Runtime", "dispatch_due", "poll_source", "publish", "runtime"]

log = get_task_logger(__name__)

#: Outcomes after which a poll's stored entries are current (publishing makes sense).
_STORED_OUTCOMES = frozenset({"ok", "stale", "not_modified"})


class Retryable(Exception):
    """A retryable ``HubError`` (``.retryable`` true) re-raised for ``autoretry_for``; the
    original is its ``__cause__``."""


class Runtime:
    """Per-process resources, created lazily (after a prefork worker forks) and shared
    by the threads of a ``--pool threads`` worker.

    Args:
        settings: the worker settings.
    """

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._watcher = ConfigWatcher(settings.config_path)
        self._fetcher: Fetcher | None = None
        self._fetch_settings: FetchSettings | None = None
        self._store: Store | None = None
        self._coordinator: Coordinator | None = None

    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = Store(self.settings.database_url)
            return self._store

    @property
    def coordinator(self) -> Coordinator:
        with self._lock:
            if self._coordinator is None:
                client = redis.Redis.from_url(
                    self.settings.redis_url,
                    socket_timeout=30,
                    socket_connect_timeout=10,
                    health_check_interval=30,
                )
                self._coordinator = Coordinator(client, self.settings.redis_prefix)
            return self._coordinator

    def config(self) -> tuple[Config, Fetcher]:
        """The current feeds.yaml and a fetcher for its fetch settings.

        feeds.yaml is re-read when it changed (``hub.watch.ConfigWatcher``), so an edit
        takes effect at the next task without restarting workers; an edit that does not
        validate is logged and the previous config kept.

        Raises:
            ConfigError: the file cannot be read or is invalid, and no earlier version was
                loaded by this process.
        """
        config, _ = self._watcher.current()
        with self._lock:
            if self._fetcher is None or self._fetch_settings != config.settings.fetch:
                self._fetcher = make_fetcher(config, self.settings.replay_dir)
                self._fetch_settings = config.settings.fetch
            return config, self._fetcher


_runtime: Runtime | None = None
_runtime_lock = threading.Lock()


def runtime() -> Runtime:
    """This process's :class:`Runtime` for the module-level settings."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            _runtime = Runtime(settings)
        return _runtime


def _retryable(exc: HubError) -> Retryable | None:
    """The ``Retryable`` wrapper of a retryable error, else None (re-raise as is)."""
    return Retryable(f"{type(exc).__name__}: {exc}") if exc.retryable else None


def _request_publish(coordinator: Coordinator, feed_keys: list[str]) -> None:
    """Add keys to the coalescer; enqueue ``hub.publish`` only when none is pending."""
    delay = settings.publish_delay
    if coordinator.add_changed(feed_keys, flag_ttl=delay + settings.time_limit):
        publish.apply_async(countdown=delay)
        log.info("publish scheduled in %.0f s", delay)


_RETRY_OPTIONS: dict[str, Any] = {
    "autoretry_for": (Retryable,),
    "retry_backoff": settings.retry_backoff,
    "retry_backoff_max": settings.retry_backoff_max,
    "retry_jitter": True,
    "max_retries": settings.max_retries,
}


@app.task(name="hub.poll_source", bind=True, **_RETRY_OPTIONS)  # type: ignore[untyped-decorator]
def poll_source(self: Task, source_id: str, only_if_due: bool = True) -> dict[str, Any]:
    """Poll one source through ``hub.pipeline.poll_source``.

    Args:
        source_id: a source id of feeds.yaml (a removed id ends with outcome ``removed``).
        only_if_due: skip (outcome ``not_due``) when the stored next-poll time is in the
            future, i.e. this delivery is a duplicate of a poll that already ran.

    Returns:
        JSON-able summary: ``source_id``, ``outcome``, ``new``, ``updated``, ``changed``
        (number of feed keys handed to the publisher). Outcomes added here: ``locked``
        (another poll of the source runs), ``not_due``, ``disabled``.

    Raises:
        Retryable: the database failed; Celery retries with back-off.
        ConfigError: feeds.yaml is unreadable (not retried).
    """
    rt = runtime()
    request = self.request
    with bind_log_context(task_id=request.id, source_id=source_id):
        try:
            config, fetcher = rt.config()
            coordinator = rt.coordinator
            with coordinator.source_lock(source_id, settings.lock_timeout) as locked:
                if not locked:
                    log.info("poll %s: another poll holds the lock; done", source_id)
                    return {"source_id": source_id, "outcome": "locked"}
                summary = _poll_locked(config, rt.store, fetcher, source_id, only_if_due, request)
        except HubError as exc:
            wrapped = _retryable(exc)
            if wrapped is None:
                raise
            raise wrapped from exc
        if summary["changed_keys"]:
            _request_publish(coordinator, summary["changed_keys"])
        coordinator.release_claim(source_id)
        summary["changed"] = len(summary.pop("changed_keys"))
        return summary


def _poll_locked(
    config: Config,
    store: Store,
    fetcher: Fetcher,
    source_id: str,
    only_if_due: bool,
    request: Any,
) -> dict[str, Any]:
    source = config.sources.get(source_id)
    now = utc_now()
    if source is not None and not source.enabled:
        log.info("poll %s: disabled in feeds.yaml; done", source_id)
        return {"source_id": source_id, "outcome": "disabled", "changed_keys": []}
    if source is not None and only_if_due and not store.due_sources([source_id], now):
        log.info("poll %s: not due (already polled); done", source_id)
        return {"source_id": source_id, "outcome": "not_due", "changed_keys": []}
    report = pipeline.poll_source(config, store, fetcher, source_id, now=now)
    changed = list(report.changed_feeds)
    again = bool(request.retries) or bool((request.delivery_info or {}).get("redelivered"))
    if source is not None and again and report.outcome in _STORED_OUTCOMES:
        # An earlier attempt may have stored entries and died before reporting them.
        changed = [k.storage_key for k in catalog.affected_keys(config, source)]
    log.info(
        "poll %s: outcome=%s new=%d updated=%d unchanged=%d detail=%s",
        source_id,
        report.outcome,
        report.new,
        report.updated,
        report.unchanged,
        report.detail[:200],
    )
    return {
        "source_id": source_id,
        "outcome": report.outcome,
        "new": report.new,
        "updated": report.updated,
        "changed_keys": changed,
    }


class _PublishTask(Task):  # type: ignore[misc]
    """Gives a failed publish's feed keys back to the pending set (not lost for good)."""

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        try:
            runtime().coordinator.give_back_changed(task_id)
        except redis.exceptions.RedisError:
            log.exception("publish %s: could not give its feed keys back", task_id)


@app.task(name="hub.publish", bind=True, base=_PublishTask, **_RETRY_OPTIONS)  # type: ignore[untyped-decorator]
def publish(self: Task, feed_keys: list[str] | None = None) -> dict[str, Any]:
    """Render the pending feeds (plus ``feed_keys``, storage keys such as
    ``region:610000``) once, through ``hub.pipeline.publish``.

    Returns:
        ``{"rendered": feeds rendered, "changed": documents whose bytes changed,
        "exported": files written}``.

    Raises:
        Retryable: the database failed; the taken keys stay with this task id for the
            retry, and go back to the pending set if it fails for good.
    """
    rt = runtime()
    task_id = str(self.request.id)
    with bind_log_context(task_id=task_id):
        coordinator = rt.coordinator
        keys = sorted(set(feed_keys or ()) | set(coordinator.take_changed(task_id)))
        if not keys:
            log.info("publish: nothing pending")
            return {"rendered": 0, "changed": 0, "exported": 0}
        try:
            config, _ = rt.config()
            store = rt.store
            result = pipeline.publish(
                config, store, pipeline.keys_from_storage(keys), now=utc_now()
            )
            exported = 0
            if settings.export_dir:
                exported = export_static(
                    config, store, Path(settings.export_dir), pipeline.keys_from_storage(keys)
                )
        except HubError as exc:
            wrapped = _retryable(exc)
            if wrapped is None:
                raise
            raise wrapped from exc
        coordinator.done_changed(task_id)
        coordinator.incr("publish_runs")
        coordinator.incr("feeds_rendered", result.rendered)
        log.info(
            "publish: %d feeds rendered, %d documents changed, %d files exported",
            result.rendered,
            len(result.changed),
            exported,
        )
        return {"rendered": result.rendered, "changed": len(result.changed), "exported": exported}


@app.task(name="hub.dispatch_due", bind=True)  # type: ignore[untyped-decorator]
def dispatch_due(self: Task) -> dict[str, Any]:
    """Enqueue ``hub.poll_source`` for every enabled source that is due and unclaimed.

    Returns:
        ``{"due": n, "enqueued": n}``, or ``{"skipped": reason}`` when another dispatcher
        ran in this period or the database is down (the next period tries again).
    """
    rt = runtime()
    with bind_log_context(task_id=self.request.id):
        coordinator = rt.coordinator
        interval = settings.dispatch_interval
        if not coordinator.dispatch_token(interval):
            log.info("dispatch: this period was dispatched already")
            return {"skipped": "period"}
        with coordinator.dispatch_lock(timeout=max(interval * 4, 60)) as locked:
            if not locked:
                log.info("dispatch: another dispatch is running")
                return {"skipped": "locked"}
            try:
                config, _ = rt.config()
                enabled = [s.id for s in config.sources.values() if s.enabled]
                due = rt.store.due_sources(enabled, utc_now())
            except (StorageError, ConfigError) as exc:
                log.warning("dispatch: skipped: %s: %s", exc.code, exc)
                return {"skipped": exc.code}
            claimed = coordinator.claim_sources(due, settings.claim_ttl)
            with app.producer_or_acquire() as producer:
                for sid in claimed:
                    poll_source.apply_async((sid,), producer=producer, expires=settings.claim_ttl)
            if coordinator.pending_publish() and coordinator.schedule_publish(
                settings.publish_delay + settings.time_limit
            ):
                publish.apply_async(countdown=settings.publish_delay)
            coordinator.incr("dispatches")
        if claimed:
            log.info("dispatch: %d due, %d enqueued", len(due), len(claimed))
        return {"due": len(due), "enqueued": len(claimed)}
