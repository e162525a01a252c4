"""Pure: which feeds exist, their URL paths, titles and cache lifetimes.

Feeds (issue 2 and 4): all entries; each category; each region — rolled up by GB/T 2260
code, so a prefecture's source also appears in its province's feed; each region ×
category; each source. Regions are addressed by slug in URLs (``/feeds/region/shaanxi``)
and also resolve by code (``/feeds/region/610000``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hub.config import Config
from hub.types import FeedKey, Source

__all__ = [
    "FeedInfo",
    "affected_keys",
    "all_feed_keys",
    "feed_info",
    "key_for_path",
    "sources_of",
]

FORMATS = ("atom", "rss", "json")


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedInfo:
    key: FeedKey
    path: str  # URL path without extension
    title: str
    subtitle: str
    group: str  # heading on the index page and in OPML
    ttl_s: int  # shortest interval among the feed's sources, seconds


def _region_codes(config: Config, source: Source) -> list[str]:
    return [r.code for r in config.regions.ancestors(source.region)]


def sources_of(config: Config, key: FeedKey) -> list[Source]:
    """The configured sources whose entries a feed holds."""
    out = []
    for source in config.sources.values():
        codes = _region_codes(config, source)
        if key.kind == "all":
            ok = True
        elif key.kind == "category":
            ok = source.category == key.key
        elif key.kind == "source":
            ok = source.id == key.key
        elif key.kind == "region":
            ok = key.key in codes
        else:
            region, _, category = key.key.partition("/")
            ok = region in codes and source.category == category
        if ok:
            out.append(source)
    return out


def affected_keys(config: Config, source: Source) -> list[FeedKey]:
    """Every feed an entry of ``source`` appears in (all, its category, each enclosing
    region, each region × category, the source itself)."""
    keys = [FeedKey(kind="all"), FeedKey(kind="category", key=source.category)]
    for code in _region_codes(config, source):
        keys.append(FeedKey(kind="region", key=code))
        keys.append(FeedKey(kind="region_category", key=f"{code}/{source.category}"))
    keys.append(FeedKey(kind="source", key=source.id))
    return keys


def all_feed_keys(config: Config) -> list[FeedKey]:
    """Every feed the hub publishes, in a stable order (no duplicates). Categories are
    listed even when no source uses them yet; regions only where a source lives."""
    seen: dict[FeedKey, None] = {FeedKey(kind="all"): None}
    for slug in config.categories:
        seen[FeedKey(kind="category", key=slug)] = None
    for source in config.sources.values():
        for key in affected_keys(config, source):
            seen[key] = None
    return list(seen)


def _region_label(config: Config, code: str) -> tuple[str, str]:
    region = config.regions.by_code(code)
    return region.slug, region.name


def feed_info(config: Config, key: FeedKey) -> FeedInfo:
    """Path, title and TTL of one feed.

    Raises:
        KeyError: the key names an unknown category, region or source.
    """
    hub_title = config.settings.title
    if key.kind == "all":
        path, title, group = "/feeds/all", f"{hub_title} — 全部 All", "全部 All"
    elif key.kind == "category":
        cat = config.categories[key.key]
        path = f"/feeds/category/{cat.slug}"
        title, group = f"{cat.name} {cat.name_en} — {hub_title}", "分类 Categories"
    elif key.kind == "source":
        src = config.sources[key.key]
        path, title, group = f"/feeds/source/{src.id}", f"{src.name} — {hub_title}", "来源 Sources"
    elif key.kind == "region":
        slug, name = _region_label(config, key.key)
        path, title, group = f"/feeds/region/{slug}", f"{name} — {hub_title}", "地区 Regions"
    else:
        code, _, cat_slug = key.key.partition("/")
        slug, name = _region_label(config, code)
        cat = config.categories[cat_slug]
        path = f"/feeds/region/{slug}/category/{cat.slug}"
        title, group = f"{name} · {cat.name} — {hub_title}", f"{name} {slug}"
    members = sources_of(config, key)
    ttl = min((s.interval for s in members), default=3600)
    subtitle = f"{title}（{len(members)} 个来源 sources）"
    return FeedInfo(key=key, path=path, title=title, subtitle=subtitle, group=group, ttl_s=ttl)


def key_for_path(config: Config, parts: Iterable[str]) -> FeedKey | None:
    """Resolve URL path segments after ``/feeds/`` (extension removed) to a feed key.

    ``["all"]``, ``["category", slug]``, ``["source", id]``, ``["region", slug_or_code]``,
    ``["region", slug_or_code, "category", slug]``. None when nothing matches.
    """
    p = list(parts)
    if p == ["all"]:
        return FeedKey(kind="all")
    if len(p) == 2 and p[0] == "category" and p[1] in config.categories:
        return FeedKey(kind="category", key=p[1])
    if len(p) == 2 and p[0] == "source" and p[1] in config.sources:
        return FeedKey(kind="source", key=p[1])
    if p and p[0] == "region" and len(p) in (2, 4):
        region = config.regions.get(p[1])
        if region is None:
            return None
        if len(p) == 2:
            key = FeedKey(kind="region", key=region.code)
        elif p[2] == "category" and p[3] in config.categories:
            key = FeedKey(kind="region_category", key=f"{region.code}/{p[3]}")
        else:
            return None
        return key if key in set(all_feed_keys(config)) else None
    return None
