"""Redis coordination between workers: per-source locks, dispatch claims and tokens, and
the publish coalescer. Plain redis-py; no Celery here.

Keys (all under the settings' prefix, ``hub:`` by default):

=================================  =======================================================
``lock:source:<id>``               redis-py ``Lock`` held while one poll of ``<id>`` runs
                                   (the Celery cookbook's "ensuring a task is only executed
                                   one at a time", with an expiry instead of a cache add)
``claim:source:<id>``              ``SET NX EX``: ``<id>`` was enqueued and its poll has not
                                   finished; the dispatcher skips claimed sources
``dispatch:<period>``              ``SET NX EX``: one dispatch per period however many beat
                                   processes run (period = floor(unix time / interval))
``lock:dispatch``                  redis-py ``Lock``: dispatch runs never overlap
``publish:pending``                set of storage feed keys (``region:610000``) to render
``publish:scheduled``              ``SET NX EX`` flag: a ``hub.publish`` task is on its way
``publish:taking:<task id>``       the keys one publish task took (kept across its retries)
``stats:<name>``                   counters (publish runs, feeds rendered, dispatches)
=================================  =======================================================
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress

import redis
from redis.lock import Lock

__all__ = ["Coordinator"]


def _text(values: Iterable[bytes | str]) -> list[str]:
    return sorted(v.decode() if isinstance(v, bytes) else v for v in values)


class Coordinator:
    """Locks, claims and the publish coalescer on one Redis database.

    Args:
        client: a redis-py client (``redis.Redis.from_url(url)``).
        prefix: prefix of every key, e.g. ``hub:``.

    Every method can raise ``redis.exceptions.RedisError`` (a ``ConnectionError`` while
    Redis is down); callers inside Celery tasks let it propagate so the task fails and
    the broker's redelivery or the next dispatch makes up for it.
    """

    def __init__(self, client: redis.Redis, prefix: str = "hub:") -> None:
        self.client = client
        self.prefix = prefix

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    # ------------------------------------------------------------------ locks

    @contextmanager
    def _try_lock(self, name: str, timeout: float) -> Iterator[bool]:
        """Try once to take the lock ``name``; yields True when taken (released on exit),
        False when someone else holds it. ``timeout`` is its expiry, seconds."""
        lock = Lock(self.client, name, timeout=timeout)
        if not lock.acquire(blocking=False):
            yield False
            return
        try:
            yield True
        finally:
            # the lock may have expired (and been taken by someone else) meanwhile
            with suppress(redis.exceptions.LockError):
                lock.release()

    def source_lock(self, source_id: str, timeout: float) -> AbstractContextManager[bool]:
        """Try once to take the per-source lock; yields True when taken (and releases it
        on exit), False when another poll of the source holds it.

        ``timeout`` (seconds) is the lock's expiry: longer than the task's hard time limit,
        so a lock held by a killed worker frees itself before Redis redelivers the task.
        """
        return self._try_lock(self.key("lock", "source", source_id), timeout)

    def dispatch_lock(self, timeout: float) -> AbstractContextManager[bool]:
        """Non-blocking lock around one dispatch run (``timeout`` seconds)."""
        return self._try_lock(self.key("lock", "dispatch"), timeout)

    def dispatch_token(self, interval: float, now: float | None = None) -> bool:
        """Claim the dispatch of the current period (``interval`` seconds long, aligned on
        the Unix epoch); False when another process dispatched in this period already."""
        now = time.time() if now is None else now
        period = math.floor(now / interval)
        ttl = max(1, math.ceil(interval * 2))
        return bool(self.client.set(self.key("dispatch", str(period)), "1", nx=True, ex=ttl))

    # ------------------------------------------------------------------ claims

    def claim_sources(self, source_ids: list[str], ttl: float) -> list[str]:
        """Claim each source for ``ttl`` seconds (``SET NX EX``, one round trip); returns
        the ids claimed now, in order. A claimed source is not dispatched again until its
        poll task releases the claim or the claim expires."""
        if not source_ids:
            return []
        pipe = self.client.pipeline(transaction=False)
        for sid in source_ids:
            pipe.set(self.key("claim", "source", sid), "1", nx=True, ex=max(1, math.ceil(ttl)))
        return [sid for sid, ok in zip(source_ids, pipe.execute(), strict=True) if ok]

    def release_claim(self, source_id: str) -> None:
        """End a source's claim (its poll finished: the stored next-poll time now rules)."""
        self.client.delete(self.key("claim", "source", source_id))

    # ------------------------------------------------------------------ publish coalescer

    def add_changed(self, feed_keys: Iterable[str], flag_ttl: float) -> bool:
        """Add storage feed keys to the pending set; returns True when the caller must
        enqueue a publish task (no publish was pending: the flag was set now).

        ``flag_ttl`` (seconds) bounds how long a lost publish task can hold off the next
        one; it must exceed the publish countdown.
        """
        keys = list(feed_keys)
        if not keys:
            return False
        self.client.sadd(self.key("publish", "pending"), *keys)
        return self.schedule_publish(flag_ttl)

    def schedule_publish(self, flag_ttl: float) -> bool:
        """Set the "publish scheduled" flag if absent; True when it was set now."""
        return bool(
            self.client.set(
                self.key("publish", "scheduled"), "1", nx=True, ex=max(1, math.ceil(flag_ttl))
            )
        )

    def pending_publish(self) -> bool:
        """True when keys wait in the pending set and no publish task is scheduled."""
        pipe = self.client.pipeline(transaction=False)
        pipe.scard(self.key("publish", "pending"))
        pipe.exists(self.key("publish", "scheduled"))
        count, scheduled = pipe.execute()
        return bool(count) and not scheduled

    def take_changed(self, task_id: str) -> list[str]:
        """Take every pending key for the publish task ``task_id``: clears the flag, then
        atomically (MULTI/EXEC) moves the pending set into the task's own set, merged with
        what the same task took in an earlier attempt (a retry or a redelivery keeps its
        task id). Keys added after this call schedule a new publish task.

        Returns the keys, sorted.
        """
        work = self.key("publish", "taking", task_id)
        pending = self.key("publish", "pending")
        self.client.delete(self.key("publish", "scheduled"))
        pipe = self.client.pipeline(transaction=True)
        pipe.sunionstore(work, [work, pending])
        pipe.delete(pending)
        pipe.expire(work, 7 * 86400)
        pipe.smembers(work)
        members = pipe.execute()[-1]
        return _text(members)

    def done_changed(self, task_id: str) -> None:
        """Forget the keys of a publish task that rendered them."""
        self.client.delete(self.key("publish", "taking", task_id))

    def give_back_changed(self, task_id: str) -> None:
        """Return the keys of a publish task that failed for good to the pending set."""
        work = self.key("publish", "taking", task_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.sunionstore(self.key("publish", "pending"), [self.key("publish", "pending"), work])
        pipe.delete(work)
        pipe.execute()

    # ------------------------------------------------------------------ counters

    def incr(self, name: str, amount: int = 1) -> int:
        """Add ``amount`` to the counter ``stats:<name>``; returns the new value."""
        return int(self.client.incrby(self.key("stats", name), amount))

    def counter(self, name: str) -> int:
        raw = self.client.get(self.key("stats", name))
        return int(raw) if raw is not None else 0
