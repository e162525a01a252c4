"""Pure: RFC 5005 archived feeds (§4) — monthly archive documents.

Every feed's subscription document links ``prev-archive`` to the newest *closed* month
(Asia/Shanghai calendar) that holds entries; each month's archive document at
``{feed path}/archive/YYYY-MM`` holds all of that month's entries, links ``current`` to the
subscription document and ``prev-archive``/``next-archive`` to its neighbours, and carries
``<fh:archive/>``. The month in progress is never archived, so an archive document only
changes when an entry of a closed month arrives late or is corrected upstream.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from hub.timeutil import SHANGHAI

__all__ = ["archive_path", "closed_months", "month_bounds", "month_of", "neighbours"]

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_of(value: datetime) -> str:
    """``YYYY-MM`` of an aware datetime in Asia/Shanghai."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """(start inclusive, end exclusive) of a ``YYYY-MM`` month in Asia/Shanghai, as UTC.

    Raises:
        ValueError: ``month`` is not ``YYYY-MM``.
    """
    match = MONTH.match(month)
    if not match:
        raise ValueError(f"not a YYYY-MM month: {month!r}")
    year, mon = int(match.group(1)), int(match.group(2))
    start = datetime(year, mon, 1, tzinfo=SHANGHAI)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=SHANGHAI)
    return start.astimezone(UTC), end.astimezone(UTC)


def closed_months(published: Iterable[datetime], now: datetime) -> list[str]:
    """The months (ascending) holding entries, without the month in progress at ``now``."""
    current = month_of(now)
    return sorted({m for m in map(month_of, published) if m < current})


def neighbours(months: list[str], month: str) -> tuple[str | None, str | None]:
    """(previous, next) archive months of ``month`` within ``months`` (ascending)."""
    earlier = [m for m in months if m < month]
    later = [m for m in months if m > month]
    return (earlier[-1] if earlier else None), (later[0] if later else None)


def archive_path(feed_path: str, month: str) -> str:
    """URL path (without extension) of a month's archive document."""
    return f"{feed_path}/archive/{month}"
