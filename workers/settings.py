"""Worker settings from the environment (the only place ``workers/`` reads ``os.environ``).

Every variable, its unit and default:

=============================  ==========================================================
``HUB_REDIS_URL``              broker, locks, claims and the publish coalescer; falls back to
                               ``CELERY_BROKER_URL``, then ``redis://127.0.0.1:6379/0``
``HUB_DATABASE_URL``           SQLAlchemy URL of the store (``hub.cli.database_url`` rule:
                               default ``sqlite:///hub.db``); scale-out uses
                               ``postgresql+psycopg://user@host:5432/db``
``HUB_CONFIG``                 feeds.yaml path (``hub.config.config_path_from_env``)
``HUB_REPLAY_DIR``             answer upstream requests from recorded responses (tests, demos)
``HUB_EXPORT_DIR``             if set, the publish task also writes the static site there
``HUB_REDIS_PREFIX``           prefix of every Redis key, broker keys included (``hub:``)
``HUB_TASK_SOFT_TIME_LIMIT``   seconds before ``SoftTimeLimitExceeded`` is raised (240)
``HUB_TASK_TIME_LIMIT``        seconds before the pool kills the task (300)
``HUB_LOCK_TIMEOUT``           seconds a per-source lock lives (default hard limit + 60)
``HUB_VISIBILITY_TIMEOUT``     seconds before Redis redelivers an unacknowledged task
                               (default 3600; must exceed the lock timeout)
``HUB_UNACKED_RESTORE_INTERVAL``  seconds between sweeps for such tasks (10)
``HUB_DISPATCH_INTERVAL``      seconds between ``hub.dispatch_due`` runs by beat (15)
``HUB_CLAIM_TTL``              seconds a dispatched source stays claimed (default 900)
``HUB_PUBLISH_DELAY``          seconds the publish coalescer waits for more changes (5)
``HUB_RETRY_BACKOFF``          first retry delay, seconds; doubles per retry (5)
``HUB_RETRY_BACKOFF_MAX``      cap of one retry delay, seconds (600)
``HUB_MAX_RETRIES``            retries of a retryable error before giving up (8)
=============================  ==========================================================

The time limits are ordered on purpose: hard time limit < lock timeout < visibility
timeout. A task killed at its hard limit has let its lock expire before Redis redelivers
it, and Redis never redelivers a task that may still be running (Celery's Redis broker
caveat: "the visibility timeout must be longer than the longest task ETA / runtime").
:func:`load_settings` raises ``ValueError`` when the order is broken.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from hub.config import config_path_from_env
from hub.store import DEFAULT_URL

__all__ = ["DEFAULT_BROKER_URL", "ENV_VARS", "WorkerSettings", "load_settings"]

DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"

#: Every environment variable this package reads (tests check docker-compose against it).
ENV_VARS = (
    "HUB_REDIS_URL",
    "CELERY_BROKER_URL",
    "HUB_DATABASE_URL",
    "HUB_CONFIG",
    "HUB_REPLAY_DIR",
    "HUB_EXPORT_DIR",
    "HUB_REDIS_PREFIX",
    "HUB_TASK_SOFT_TIME_LIMIT",
    "HUB_TASK_TIME_LIMIT",
    "HUB_LOCK_TIMEOUT",
    "HUB_VISIBILITY_TIMEOUT",
    "HUB_UNACKED_RESTORE_INTERVAL",
    "HUB_DISPATCH_INTERVAL",
    "HUB_CLAIM_TTL",
    "HUB_PUBLISH_DELAY",
    "HUB_RETRY_BACKOFF",
    "HUB_RETRY_BACKOFF_MAX",
    "HUB_MAX_RETRIES",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerSettings:
    """Resolved worker settings; times in seconds (see the module docstring)."""

    redis_url: str = DEFAULT_BROKER_URL
    database_url: str = DEFAULT_URL
    config_path: str = "feeds.yaml"
    replay_dir: str | None = None
    export_dir: str | None = None
    redis_prefix: str = "hub:"
    soft_time_limit: float = 240.0
    time_limit: float = 300.0
    lock_timeout: float = 360.0
    visibility_timeout: float = 3600.0
    unacked_restore_interval: float = 10.0
    dispatch_interval: float = 15.0
    claim_ttl: float = 900.0
    publish_delay: float = 5.0
    retry_backoff: int = 5
    retry_backoff_max: int = 600
    max_retries: int = 8


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}: not a number: {raw!r}") from None
    if not value > 0:
        raise ValueError(f"{name}: must be greater than 0, got {raw!r}")
    return value


def load_settings(env: Mapping[str, str] | None = None) -> WorkerSettings:
    """Read :class:`WorkerSettings` from ``env`` (default ``os.environ``).

    Raises:
        ValueError: a number is malformed or not positive, or the time limits are not
            ordered soft < hard < lock timeout < visibility timeout; the message names
            the variable.
    """
    env = os.environ if env is None else env
    soft = _number(env, "HUB_TASK_SOFT_TIME_LIMIT", 240.0)
    hard = _number(env, "HUB_TASK_TIME_LIMIT", max(300.0, soft + 1))
    lock = _number(env, "HUB_LOCK_TIMEOUT", hard + 60.0)
    visibility = _number(env, "HUB_VISIBILITY_TIMEOUT", max(3600.0, lock + 60.0))
    if not soft < hard:
        raise ValueError("HUB_TASK_SOFT_TIME_LIMIT must be less than HUB_TASK_TIME_LIMIT")
    if not hard < lock:
        raise ValueError("HUB_LOCK_TIMEOUT must be greater than HUB_TASK_TIME_LIMIT")
    if not lock < visibility:
        raise ValueError("HUB_VISIBILITY_TIMEOUT must be greater than HUB_LOCK_TIMEOUT")
    backoff_max = int(_number(env, "HUB_RETRY_BACKOFF_MAX", 600))
    if backoff_max >= visibility:
        raise ValueError("HUB_RETRY_BACKOFF_MAX must be less than HUB_VISIBILITY_TIMEOUT")
    return WorkerSettings(
        redis_url=env.get("HUB_REDIS_URL") or env.get("CELERY_BROKER_URL") or DEFAULT_BROKER_URL,
        database_url=env.get("HUB_DATABASE_URL") or DEFAULT_URL,
        config_path=str(config_path_from_env(env.get("HUB_CONFIG"))),
        replay_dir=env.get("HUB_REPLAY_DIR") or None,
        export_dir=env.get("HUB_EXPORT_DIR") or None,
        redis_prefix=env.get("HUB_REDIS_PREFIX", "hub:"),
        soft_time_limit=soft,
        time_limit=hard,
        lock_timeout=lock,
        visibility_timeout=visibility,
        unacked_restore_interval=_number(env, "HUB_UNACKED_RESTORE_INTERVAL", 10.0),
        dispatch_interval=_number(env, "HUB_DISPATCH_INTERVAL", 15.0),
        claim_ttl=_number(env, "HUB_CLAIM_TTL", 900.0),
        publish_delay=_number(env, "HUB_PUBLISH_DELAY", 5.0),
        retry_backoff=int(_number(env, "HUB_RETRY_BACKOFF", 5)),
        retry_backoff_max=backoff_max,
        max_retries=int(_number(env, "HUB_MAX_RETRIES", 8)),
    )
