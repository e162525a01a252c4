"""The documents around the feeds — OPML lists and the HTML index — built once for both
the web app (``hub.serve``) and the static export (``hub.export``)."""

from __future__ import annotations

from datetime import datetime

from hub import catalog
from hub.config import Config
from hub.publish.index_html import (
    FeedCell,
    IndexRow,
    MatrixColumn,
    MatrixRow,
    RegionMatrix,
    render_index,
)
from hub.publish.opml import OpmlFeed, OpmlGroup, render_opml
from hub.publish.sources_html import SourceRow, render_sources
from hub.store import Store
from hub.types import FeedKey, Region, SourceState

__all__ = [
    "index_document",
    "opml_document",
    "region_opml_document",
    "region_opml_regions",
    "sources_document",
]


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


def _region_tree(config: Config, codes: set[str]) -> list[Region]:
    """``codes`` as regions in tree order: each province (code order), then its divisions
    depth-first, children in code order."""
    regions = {c: config.regions.by_code(c) for c in codes}
    children: dict[str | None, list[Region]] = {}
    for region in regions.values():
        parent = region.parent if region.parent in regions else None
        children.setdefault(parent, []).append(region)
    out: list[Region] = []

    def walk(parent: str | None) -> None:
        for region in sorted(children.get(parent, []), key=lambda r: r.code):
            out.append(region)
            walk(region.code)

    walk(None)
    return out


def _region_path(config: Config, region: Region) -> str:
    """Display path of a region: ``甘肃省 · 定西市``."""
    return " · ".join(r.name for r in reversed(config.regions.ancestors(region.code)))


def index_document(config: Config, store: Store, *, sources_link: bool = True) -> bytes:
    """The HTML index: a regions × categories matrix, then every other feed (all, each
    category, each region, each source) with its entry count and last update.

    ``sources_link`` adds the link to the live ``/sources`` page (the web app); a static
    export passes False.

    Raises:
        StorageError: the database failed.
    """
    keys = catalog.all_feed_keys(config)
    configured = list(config.sources)
    stats: dict[FeedKey, tuple[int, datetime | None]] = {
        k: store.feed_stats(k, configured) for k in keys
    }
    infos = {k: catalog.feed_info(config, k) for k in keys}

    def cell(key: FeedKey) -> FeedCell:
        count, newest = stats[key]
        return FeedCell(infos[key].title, infos[key].path, count, newest)

    region_codes = {k.key for k in keys if k.kind == "region"}
    tree = _region_tree(config, region_codes)
    depth = {r.code: len(config.regions.ancestors(r.code)) - 1 for r in tree}
    key_set = set(keys)

    rows: list[IndexRow] = []
    for key in keys:
        info = infos[key]
        count, newest = stats[key]
        label: str | None = None
        note = ""
        if key.kind == "all":
            label = "全部公告"
            note = "All announcements"
        elif key.kind == "category":
            cat = config.categories[key.key]
            label, note = cat.name, cat.name_en
        elif key.kind == "source":
            src = config.sources[key.key]
            region = config.regions.by_code(src.region)
            cat = config.categories[src.category]
            label = src.name
            note = f"{_region_path(config, region)} · {cat.name}"
            if not src.enabled:
                note += " · 已停用 disabled"
        elif key.kind == "region":
            continue  # listed below in tree order
        else:
            continue  # region × category: in the matrix
        rows.append(IndexRow(info.group, info.title, info.path, count, newest, label, note))

    region_rows = []
    for region in tree:
        key = FeedKey(kind="region", key=region.code)
        info = infos[key]
        count, newest = stats[key]
        region_rows.append(
            IndexRow(
                info.group,
                info.title,
                info.path,
                count,
                newest,
                region.name,
                region.name_en,
                depth[region.code],
            )
        )
    # regions go after the categories, before the sources
    first_source = next(
        (i for i, r in enumerate(rows) if r.path.startswith("/feeds/source/")), None
    )
    at = len(rows) if first_source is None else first_source
    rows[at:at] = region_rows

    used = [
        slug
        for slug in config.categories
        if any(FeedKey(kind="region_category", key=f"{c}/{slug}") in key_set for c in region_codes)
    ]
    matrix_rows = []
    for region in tree:
        cells = tuple(
            cell(k)
            if (k := FeedKey(kind="region_category", key=f"{region.code}/{slug}")) in key_set
            else None
            for slug in used
        )
        matrix_rows.append(
            MatrixRow(
                name=region.name,
                name_en=region.name_en,
                depth=depth[region.code],
                province=config.regions.province_of(region.code).code,
                total=cell(FeedKey(kind="region", key=region.code)),
                cells=cells,
            )
        )
    columns = tuple(
        MatrixColumn(
            name=config.categories[slug].name,
            name_en=config.categories[slug].name_en,
            total=cell(FeedKey(kind="category", key=slug)),
        )
        for slug in used
    )
    matrix = RegionMatrix(columns, tuple(matrix_rows), cell(FeedKey(kind="all")))
    base = config.settings.base_url
    return render_index(
        config.settings.title,
        base,
        rows,
        matrix=matrix if matrix_rows else None,
        sources_url=base + "/sources" if sources_link else None,
    )


def sources_document(config: Config, store: Store) -> bytes:
    """The ``/sources`` health page: every configured source (file order) with its last
    outcome, detail, last success, stored entries, next poll and feed links.

    Raises:
        StorageError: the database failed.
    """
    states = store.all_states()
    rows = []
    for source in config.sources.values():
        st = states.get(source.id) or SourceState(source_id=source.id)
        cat = config.categories.get(source.category)
        region = config.regions.get(source.region)
        rows.append(
            SourceRow(
                id=source.id,
                name=source.name,
                url=source.url,
                region=_region_path(config, region) if region is not None else source.region,
                category=f"{cat.name} {cat.name_en}" if cat is not None else source.category,
                enabled=source.enabled,
                outcome=st.last_outcome,
                detail=st.last_detail or "",
                last_attempt=st.last_attempt_at,
                last_success=st.last_success_at,
                next_poll=st.next_poll_at,
                entry_count=st.entry_count,
                failures=st.failures,
                feed_path=catalog.feed_info(config, FeedKey(kind="source", key=source.id)).path,
            )
        )
    return render_sources(config.settings.title, config.settings.base_url, rows)
