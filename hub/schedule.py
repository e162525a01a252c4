"""Pure scheduling policy: when is a source polled next.

A successful poll (``ok``, ``not_modified``) schedules the next one ``interval`` seconds
later. A failed poll backs off exponentially — ``interval * 2**(failures-1)`` — capped at
``max_backoff_s``, and never earlier than a ``Retry-After`` the upstream sent (RFC 9110
§10.2.3). Outcomes that are not the upstream's fault to retry soon (robots, blocked
address) use the cap directly.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

__all__ = ["MAX_BACKOFF_S", "SUCCESS_OUTCOMES", "next_poll_at", "usual_cadence"]

MAX_BACKOFF_S = 24 * 3600
SUCCESS_OUTCOMES = frozenset({"ok", "not_modified", "stale"})
_PERMANENT = frozenset({"robots_disallowed", "blocked_address"})


def next_poll_at(
    *,
    now: datetime,
    interval_s: int,
    outcome: str,
    failures: int,
    retry_after_s: float | None = None,
    max_backoff_s: int = MAX_BACKOFF_S,
) -> datetime:
    """When to poll a source again.

    Args:
        now: aware time of this poll's end.
        interval_s: the source's configured interval, seconds.
        outcome: this poll's outcome code (``hub.types.Outcome``).
        failures: consecutive failures including this one (0 after a success).
        retry_after_s: upstream's Retry-After, seconds, if any.
        max_backoff_s: the cap on the back-off, seconds.

    Returns:
        An aware datetime, at least ``now + interval_s`` after a success.
    """
    if outcome in SUCCESS_OUTCOMES:
        delay = float(interval_s)
    elif outcome in _PERMANENT:
        delay = float(max(max_backoff_s, interval_s))
    else:
        exponent = max(failures - 1, 0)
        delay = float(min(interval_s * (2 ** min(exponent, 20)), max(max_backoff_s, interval_s)))
    if retry_after_s is not None and retry_after_s > delay:
        delay = min(retry_after_s, float(max(max_backoff_s, interval_s)) * 2)
    return now + timedelta(seconds=delay)


def usual_cadence(published: list[datetime], interval_s: int) -> timedelta:
    """A source's usual time between announcements: the median gap between the
    ``published`` times given (its recent entries, any order), never shorter than its
    polling interval; the interval itself with fewer than three entries."""
    times = sorted(published)
    gaps = sorted((b - a).total_seconds() for a, b in pairwise(times))
    if len(gaps) < 2:
        return timedelta(seconds=interval_s)
    median = gaps[len(gaps) // 2]
    return timedelta(seconds=max(median, interval_s))
