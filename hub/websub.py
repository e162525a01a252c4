"""WebSub publisher side (W3C WebSub §7): tell the hub which feeds changed.

After a publish that changed a feed's bytes, one ``POST`` per changed feed URL with
``hub.mode=publish`` and ``hub.url=<feed URL>`` goes to the configured hub; a publish that
changed nothing pings nothing. A failing hub is logged, never raised: subscribers then
fall back to polling, which works anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import httpx

from hub import catalog
from hub.config import Config
from hub.types import FeedKey

__all__ = ["changed_urls", "ping"]

log = logging.getLogger("hub.websub")


def changed_urls(config: Config, changed: Iterable[tuple[FeedKey, str]]) -> list[str]:
    """Absolute URLs of the changed feed documents, without duplicates, in order."""
    urls: dict[str, None] = {}
    for key, fmt in changed:
        try:
            info = catalog.feed_info(config, key)
        except KeyError:
            continue
        urls[f"{config.settings.base_url}{info.path}.{fmt}"] = None
    return list(urls)


def ping(
    hub_url: str, urls: Iterable[str], *, client: httpx.Client | None = None, timeout_s: float = 10
) -> int:
    """POST ``hub.mode=publish`` for each URL to ``hub_url``; returns how many the hub
    accepted (2xx). Errors are logged, not raised."""
    own = client is None
    http = client or httpx.Client(timeout=timeout_s)
    accepted = 0
    try:
        for url in urls:
            try:
                r = http.post(hub_url, data={"hub.mode": "publish", "hub.url": url})
            except httpx.HTTPError as exc:
                log.warning("websub ping %s for %s failed: %s", hub_url, url, exc)
                continue
            if r.is_success:
                accepted += 1
            else:
                log.warning("websub hub %s answered %s for %s", hub_url, r.status_code, url)
    finally:
        if own:
            http.close()
    return accepted
