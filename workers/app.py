"""The Celery application of the scale-out mode (Redis broker, PostgreSQL store).

Usage::

    celery -A workers worker -Q poll --concurrency 16      # I/O bound: many fetches
    celery -A workers worker -Q publish --concurrency 2    # CPU bound: rendering
    celery -A workers beat -s /var/lib/hub/beat-schedule   # one periodic task only

Configuration follows the Celery user guide's production advice: JSON only (never
pickle), ``acks_late`` with ``reject_on_worker_lost`` because every task is idempotent
(a poll upserts, a publish re-renders), prefetch of one so a long poll never hides queued
work, soft and hard time limits, and a Redis ``visibility_timeout`` longer than any
task's hard limit (Celery's Redis broker caveat). Settings come from the environment
through :mod:`workers.settings`.

Every log line a worker writes carries ``task=<task id> source=<source id>`` (``-`` outside
a task), set by :func:`bind_log_context` in the tasks and added to records by
:class:`ContextFilter` on the worker's handlers.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger
from kombu.entity import Queue
from kombu.transport import redis as kombu_redis

from workers.settings import WorkerSettings, load_settings

__all__ = [
    "POLL_QUEUE",
    "PUBLISH_QUEUE",
    "ContextFilter",
    "RedisTransport",
    "app",
    "bind_log_context",
    "make_app",
    "settings",
]

POLL_QUEUE = "poll"
PUBLISH_QUEUE = "publish"

LOG_FORMAT = (
    "%(asctime)s %(levelname)s %(processName)s task=%(task_id)s source=%(source_id)s "
    "%(name)s: %(message)s"
)

_task_id: contextvars.ContextVar[str] = contextvars.ContextVar("hub_task_id", default="-")
_source_id: contextvars.ContextVar[str] = contextvars.ContextVar("hub_source_id", default="-")


@contextmanager
def bind_log_context(*, task_id: str | None, source_id: str | None = None) -> Iterator[None]:
    """Within the block, log records carry ``task_id`` and ``source_id`` (per thread and
    per process, through context variables)."""
    t1 = _task_id.set(task_id or "-")
    t2 = _source_id.set(source_id or "-")
    try:
        yield
    finally:
        _source_id.reset(t2)
        _task_id.reset(t1)


class ContextFilter(logging.Filter):
    """Adds ``task_id`` and ``source_id`` attributes to every record (``-`` when unset)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "task_id", None) in (None, "???"):
            record.task_id = _task_id.get()
        if not hasattr(record, "source_id"):
            record.source_id = _source_id.get()
        return True


def _install_filter(logger: logging.Logger | None = None, **_: Any) -> None:
    if logger is None:
        return
    for handler in logger.handlers:
        if not any(isinstance(f, ContextFilter) for f in handler.filters):
            handler.addFilter(ContextFilter())


after_setup_logger.connect(_install_filter, weak=False)
after_setup_task_logger.connect(_install_filter, weak=False)


class _QoS(kombu_redis.QoS):
    """kombu's Redis QoS, surviving a broker restart with unacknowledged messages.

    Workaround for celery 5.7 / kombu 5.7: on a lost broker connection the consumer
    (``Consumer.on_connection_error_after_connected``) first ``collect()``s the
    connection, which drops the transport's client, then ``close()``s it; closing the
    default channel restores the unacknowledged messages through that client and fails
    with ``AttributeError: 'NoneType' object has no attribute 'hostname'`` — an
    "Unrecoverable error" that ends the worker. With ``acks_late`` a busy worker always
    holds such messages. Skipping the restore loses nothing: the Redis transport keeps
    every unacknowledged message in its ``unacked`` hash on the server, and any worker
    restores it after ``visibility_timeout``.
    """

    def restore_unacked(self, client: Any = None) -> None:
        try:
            super().restore_unacked(client)  # type: ignore[no-untyped-call]
        except AttributeError:
            logging.getLogger(__name__).warning(
                "broker connection gone; %d unacknowledged message(s) stay in Redis and "
                "are redelivered after the visibility timeout",
                len(self._delivered),
            )
            self._delivered.clear()


class _Channel(kombu_redis.Channel):
    QoS = _QoS


class RedisTransport(kombu_redis.Transport):
    """kombu's Redis transport with :class:`_QoS` (``broker_transport`` of the app)."""

    Channel = _Channel


def make_app(settings: WorkerSettings) -> Celery:
    """Build the Celery app for ``settings``.

    Queues: ``poll`` (``hub.poll_source`` and the quick ``hub.dispatch_due``) and
    ``publish`` (``hub.publish``). Beat runs ``hub.dispatch_due`` every
    ``settings.dispatch_interval`` seconds; each message expires after one interval, so a
    backlog never piles up dispatches.
    """
    app = Celery("hub", set_as_current=True)
    app.conf.update(
        broker_url=settings.redis_url,
        broker_transport="workers.app:RedisTransport",
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a worker outlives a Redis restart
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout,
            "unacked_restore_interval": settings.unacked_restore_interval,
            "unacked_restore_throttle": 1,  # sweep every interval, not every 10th
            "global_keyprefix": settings.redis_prefix,
            "socket_timeout": 30,
            "socket_connect_timeout": 10,
        },
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        event_serializer="json",
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        task_soft_time_limit=settings.soft_time_limit,
        task_time_limit=settings.time_limit,
        task_queues=(
            Queue(POLL_QUEUE, routing_key=POLL_QUEUE),  # type: ignore[no-untyped-call]
            Queue(PUBLISH_QUEUE, routing_key=PUBLISH_QUEUE),  # type: ignore[no-untyped-call]
        ),
        task_default_queue=POLL_QUEUE,
        task_create_missing_queues=False,
        task_routes={
            "hub.poll_source": {"queue": POLL_QUEUE},
            "hub.dispatch_due": {"queue": POLL_QUEUE},
            "hub.publish": {"queue": PUBLISH_QUEUE},
        },
        beat_schedule={
            "dispatch-due": {
                "task": "hub.dispatch_due",
                "schedule": settings.dispatch_interval,
                "options": {"expires": settings.dispatch_interval},
            }
        },
        beat_max_loop_interval=min(settings.dispatch_interval, 60),
        timezone="UTC",
        enable_utc=True,
        worker_log_format=LOG_FORMAT,
        worker_task_log_format=LOG_FORMAT,
        worker_redirect_stdouts_level="INFO",
    )
    return app


settings = load_settings()
app = make_app(settings)
