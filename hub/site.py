"""The documents around the feeds — OPML lists and the HTML index — built once for both
the web app (``hub.serve``) and the static export (``hub.export``)."""

from __future__ import annotations

from hub import catalog
from hub.config import Config
from hub.publish.index_html import IndexRow, render_index
from hub.publish.opml import OpmlFeed, OpmlGroup, render_opml
from hub.store import Store
from hub.types import FeedKey, Region

__all__ = ["index_document", "opml_document", "region_opml_document", "region_opml_regions"]


def opml_document(config: Config, keys: list[FeedKey], title: str) -> bytes:
    """OPML 2.0 listing ``keys``, grouped as on the index page."""
    groups: dict[str, list[OpmlFeed]] = {}
    for key in keys:
        info = catalog.feed_info(config, key)
        groups.setdefault(info.group, []).append(OpmlFeed(title=info.title, path=info.path))
    return render_opml(
        title, [OpmlGroup(title=g, feeds=f) for g, f in groups.items()], config.settings.base_url
    )


def region_opml_regions(config: Config) -> list[Region]:
    """Regions that have feeds (at least one source inside them)."""
    codes = {k.key for k in catalog.all_feed_keys(config) if k.kind == "region"}
    return [config.regions.by_code(c) for c in sorted(codes)]


def region_opml_document(config: Config, region: Region) -> bytes | None:
    """OPML of one region's feeds (the region and each region × category), or None."""
    keys = [
        k
        for k in catalog.all_feed_keys(config)
        if k.kind in ("region", "region_category") and k.key.split("/")[0] == region.code
    ]
    if not keys:
        return None
    return opml_document(config, keys, f"{region.name} — {config.settings.title}")


def index_document(config: Config, store: Store) -> bytes:
    """The HTML index: every feed with its entry count and last update.

    Raises:
        StorageError: the database failed.
    """
    rows = []
    for key in catalog.all_feed_keys(config):
        info = catalog.feed_info(config, key)
        count, newest = store.feed_stats(key)
        rows.append(
            IndexRow(
                group=info.group,
                title=info.title,
                path=info.path,
                entry_count=count,
                last_updated=newest,
            )
        )
    return render_index(config.settings.title, config.settings.base_url, rows)
