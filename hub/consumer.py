"""Consumer options on feed URLs, named after RSSHub's (which aggregators already know).

``?limit=N`` (1–500), ``?filter=`` / ``?filterout=`` (title or body), ``?filter_title=``,
``?filter_description=``, ``?filter_time=SECONDS`` (only entries published within that many
seconds), ``?since=ISO8601`` (published at or after).

Patterns are **plain keywords**, not regular expressions: ``|`` separates alternatives,
matching is a case-insensitive substring test. A consumer-supplied pattern therefore
cannot hang the server (no catastrophic backtracking is possible). Each pattern is at most
200 characters and 20 alternatives.

Pure: ``now`` is passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hub.sanitize import text_of_html
from hub.timeutil import SHANGHAI
from hub.types import Entry

__all__ = ["ConsumerOptions", "OptionError", "apply_options", "parse_options"]

MAX_LIMIT = 500
MAX_PATTERN = 200
MAX_ALTERNATIVES = 20
KNOWN = {
    "limit",
    "filter",
    "filterout",
    "filter_title",
    "filter_description",
    "filter_time",
    "since",
}


class OptionError(ValueError):
    """A consumer option has a bad value; the message is one line for a 400 answer."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsumerOptions:
    limit: int | None = None
    filter: tuple[str, ...] = ()
    filterout: tuple[str, ...] = ()
    filter_title: tuple[str, ...] = ()
    filter_description: tuple[str, ...] = ()
    filter_time_s: int | None = None
    since: datetime | None = None

    def since_at(self, now: datetime) -> datetime | None:
        """The earliest ``published`` kept (UTC), from ``since`` and ``filter_time``."""
        bounds = [b for b in (self.since,) if b is not None]
        if self.filter_time_s is not None:
            bounds.append(now - timedelta(seconds=self.filter_time_s))
        return max(bounds) if bounds else None

    def fetch_limit(self, default: int) -> int:
        """How many candidates to read before keyword filters (filters need more)."""
        limit = self.limit or default
        if self.filter or self.filterout or self.filter_title or self.filter_description:
            return MAX_LIMIT * 4
        return limit


def _keywords(name: str, value: str) -> tuple[str, ...]:
    if len(value) > MAX_PATTERN:
        raise OptionError(f"{name}: longer than {MAX_PATTERN} characters")
    words = tuple(w.strip().casefold() for w in value.split("|") if w.strip())
    if not words:
        raise OptionError(f"{name}: empty pattern")
    if len(words) > MAX_ALTERNATIVES:
        raise OptionError(f"{name}: more than {MAX_ALTERNATIVES} alternatives")
    return words


def parse_options(query: Mapping[str, str]) -> ConsumerOptions | None:
    """Parse the query string; None when it carries no option (the stored feed serves).
    Parameters that are not options are ignored.

    Raises:
        OptionError: a bad option value (one-line reason).
    """
    # other parameters (cache busters, utm_*) are ignored: readers add them freely
    present = {k: v for k, v in query.items() if k in KNOWN}
    if not present:
        return None
    limit = None
    if "limit" in present:
        try:
            limit = int(present["limit"])
        except ValueError:
            raise OptionError("limit: not a whole number") from None
        if not 1 <= limit <= MAX_LIMIT:
            raise OptionError(f"limit: must be between 1 and {MAX_LIMIT}")
    filter_time = None
    if "filter_time" in present:
        try:
            filter_time = int(present["filter_time"])
        except ValueError:
            raise OptionError("filter_time: not a whole number of seconds") from None
        if filter_time <= 0 or filter_time > 100 * 365 * 86400:
            raise OptionError("filter_time: must be a positive number of seconds")
    since = None
    if "since" in present:
        try:
            since = datetime.fromisoformat(present["since"].replace("Z", "+00:00"))
        except ValueError:
            raise OptionError("since: not an ISO 8601 date or datetime") from None
        if since.tzinfo is None:
            since = since.replace(tzinfo=SHANGHAI)
        since = since.astimezone(UTC)

    def kw(name: str) -> tuple[str, ...]:
        return _keywords(name, present[name]) if name in present else ()

    return ConsumerOptions(
        limit=limit,
        filter=kw("filter"),
        filterout=kw("filterout"),
        filter_title=kw("filter_title"),
        filter_description=kw("filter_description"),
        filter_time_s=filter_time,
        since=since,
    )


def _has(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


def apply_options(
    entries: Sequence[Entry], options: ConsumerOptions, *, default_limit: int
) -> list[Entry]:
    """Keep the entries the options select, in the given order, at most ``limit``."""
    out = []
    for entry in entries:
        title = entry.title.casefold()
        body = (entry.summary + " " + text_of_html(entry.content_html)).casefold()
        if options.filter and not _has(title + " " + body, options.filter):
            continue
        if options.filter_title and not _has(title, options.filter_title):
            continue
        if options.filter_description and not _has(body, options.filter_description):
            continue
        if options.filterout and _has(title + " " + body, options.filterout):
            continue
        out.append(entry)
    return out[: options.limit or default_limit]
