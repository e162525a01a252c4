"""The hub's HTML5 index page: every feed, grouped, with links to its three formats.

Chinese page with English labels (``<html lang="zh-CN">``, ``<meta charset="utf-8">``).
Optionally a regions × categories matrix (:class:`RegionMatrix`) comes first: one row per
region, provinces followed by their prefectures and counties (indented, one ``<tbody>``
per province), one column per category, each cell the region × category feed's entry
count linking to its Atom rendering, with Atom/RSS/JSON links and the last update. Then
one ``<table>`` per :class:`IndexRow` group, in the order of each group's first row.

``<head>`` carries feed autodiscovery links (``<link rel="alternate"
type="application/atom+xml" ...>``, the convention every feed reader follows): the Atom
rendering of every feed on the page (rows and matrix cells), and the RSS and JSON Feed
renderings of the "all" feed (the row whose path ends in ``/all``), plus ``<link
rel="outline" type="text/x-opml" href=".../opml.xml">``. No JavaScript, no external
resources (one inline ``<style>``).

Every text is escaped once with :func:`html.escape`; times are shown in Beijing time
(``2022-04-27 08:00``). Deterministic: the bytes depend on the arguments only (no clock).
Pure; no I/O.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hub.errors import PublishError
from hub.publish.xml import local_time, xml_safe

__all__ = [
    "BASE_STYLE",
    "FORMAT_TYPES",
    "NO_FAVICON",
    "FeedCell",
    "IndexRow",
    "MatrixColumn",
    "MatrixRow",
    "RegionMatrix",
    "esc",
    "render_index",
    "time_html",
]

#: Media type of each format, as used in ``type=`` attributes.
FORMAT_TYPES = {
    "atom": "application/atom+xml",
    "rss": "application/rss+xml",
    "json": "application/feed+json",
}
_FORMATS = (("atom", "Atom"), ("rss", "RSS"), ("json", "JSON"))

#: An empty inline icon: browsers then ask for no ``/favicon.ico`` (a 404 in the console).
NO_FAVICON = '<link rel="icon" href="data:,">'

#: The CSS both hub pages share (index and ``/sources``).
BASE_STYLE = """\
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:2rem auto;\
max-width:72rem;padding:0 1rem;line-height:1.5;color:#222;background:#fff}
a{color:#0645ad}
table{border-collapse:collapse;width:100%;margin-bottom:2rem}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
thead th{background:#f6f6f6}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
small,.muted{color:#666}
.fmt a{margin-right:.4rem;font-size:.85em}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem}
.scroll{overflow-x:auto}"""

_STYLE = (
    BASE_STYLE
    + """
table.matrix td,table.matrix th{white-space:nowrap}
table.matrix td.cell{text-align:right}
table.matrix td.cell a.count{font-weight:600;font-variant-numeric:tabular-nums}
table.matrix td.cell .fmt,table.matrix td.cell time{display:block;font-size:.8em}
table.matrix td.cell .fmt a{margin:0 0 0 .3rem}
table.matrix tbody{border-top:2px solid #bbb}
table.matrix tfoot th,table.matrix tfoot td{border-top:2px solid #bbb;background:#f6f6f6}
.d1{padding-left:1.5rem}
.d2{padding-left:3rem}
.d3{padding-left:4.5rem}
td.none{color:#bbb;text-align:center}"""
)


@dataclass(frozen=True, slots=True)
class IndexRow:
    """One feed in a group table.

    ``group`` is the table's heading, ``title`` the feed's full title (autodiscovery link
    titles; also shown when ``label`` is None), ``path`` its URL path without extension
    (``/feeds/region/shaanxi``), ``entry_count`` the stored entries, ``last_updated`` the
    newest entry's ``updated`` (aware) or None. ``label`` is a shorter display name,
    ``note`` a secondary line (English name, region · category …), ``depth`` the indent
    level (0 top; 1 a prefecture under its province; 2 a county).
    """

    group: str
    title: str
    path: str
    entry_count: int
    last_updated: datetime | None
    label: str | None = None
    note: str = ""
    depth: int = 0


@dataclass(frozen=True, slots=True)
class FeedCell:
    """One feed inside the matrix: full ``title``, URL ``path`` without extension, stored
    ``entry_count`` and newest entry time (aware) or None."""

    title: str
    path: str
    entry_count: int
    last_updated: datetime | None


@dataclass(frozen=True, slots=True)
class MatrixColumn:
    """A category column: Chinese ``name``, English ``name_en``, and the category feed
    (``total``, shown in the footer row) or None."""

    name: str
    name_en: str
    total: FeedCell | None


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """A region row: ``name``/``name_en``, ``depth`` (0 province, 1 prefecture, 2 county),
    ``province`` (code of the enclosing province; rows of one province share a
    ``<tbody>``), ``total`` the region feed, and ``cells`` — one per column, the region ×
    category feed or None where none exists."""

    name: str
    name_en: str
    depth: int
    province: str
    total: FeedCell
    cells: tuple[FeedCell | None, ...]


@dataclass(frozen=True, slots=True)
class RegionMatrix:
    """Regions × categories: ``columns`` in display order, ``rows`` in tree order
    (a province, then its divisions), ``total`` the "all" feed (footer corner) or None."""

    columns: tuple[MatrixColumn, ...]
    rows: tuple[MatrixRow, ...]
    total: FeedCell | None = None


def esc(text: str) -> str:
    """``text`` made XML-safe and HTML-escaped (quotes too), for content and attributes."""
    return html.escape(xml_safe(text), quote=True)


def time_html(value: datetime | None, *, empty: str = "—") -> str:
    """A ``<time>`` element at Beijing time (``2022-04-27 08:00``), or ``empty``.

    Raises:
        PublishError: ``value`` is naive.
    """
    if value is None:
        return empty
    local = local_time(value)
    return f'<time datetime="{local.isoformat()}">{local.strftime("%Y-%m-%d %H:%M")}</time>'


def _is_all_feed(path: str) -> bool:
    return path.rstrip("/").endswith("/all")


def _matrix_cells(matrix: RegionMatrix | None) -> list[FeedCell]:
    if matrix is None:
        return []
    cells = [r.total for r in matrix.rows]
    cells += [c.total for c in matrix.columns if c.total is not None]
    for row in matrix.rows:
        cells += [c for c in row.cells if c is not None]
    if matrix.total is not None:
        cells.append(matrix.total)
    return cells


def _autodiscovery(
    base_url: str, rows: Sequence[IndexRow], matrix: RegionMatrix | None
) -> list[str]:
    feeds = [(r.title, r.path) for r in rows] + [(c.title, c.path) for c in _matrix_cells(matrix)]
    ordered = [f for f in feeds if _is_all_feed(f[1])] + [
        f for f in feeds if not _is_all_feed(f[1])
    ]
    links: list[str] = []
    seen: set[str] = set()
    for title, path in ordered:
        fmts = ("atom", "rss", "json") if _is_all_feed(path) else ("atom",)
        for fmt in fmts:
            href = base_url + path + "." + fmt
            if href in seen:
                continue
            seen.add(href)
            shown = title if fmt == "atom" else f"{title} ({fmt.upper()})"
            links.append(
                f'<link rel="alternate" type="{FORMAT_TYPES[fmt]}" title="{esc(shown)}"'
                f' href="{esc(href)}">'
            )
    return links


def _format_links(base_url: str, path: str) -> str:
    base = base_url + path
    return " ".join(
        f'<a href="{esc(base + "." + fmt)}" type="{FORMAT_TYPES[fmt]}">{label}</a>'
        for fmt, label in _FORMATS
    )


def _cell(base_url: str, cell: FeedCell | None, tag: str = "td") -> str:
    if cell is None:
        return f'<{tag} class="none">—</{tag}>'
    href = esc(base_url + cell.path + ".atom")
    return (
        f'<{tag} class="cell">'
        f'<a class="count" href="{href}" type="{FORMAT_TYPES["atom"]}" title="{esc(cell.title)}">'
        f"{int(cell.entry_count)}</a>"
        f'<span class="fmt">{_format_links(base_url, cell.path)}</span>'
        f"{time_html(cell.last_updated, empty='')}</{tag}>"
    )


def _matrix_html(base_url: str, matrix: RegionMatrix) -> list[str]:
    for row in matrix.rows:
        if len(row.cells) != len(matrix.columns):
            raise PublishError(
                f"matrix row {row.name!r} has {len(row.cells)} cells for "
                f"{len(matrix.columns)} columns"
            )
    out = [
        '<section id="matrix">',
        "<h2>地区 × 分类 <small>Regions × Categories</small></h2>",
        "<p><small>每格：条目数（链接 Atom）、订阅格式、最近更新（北京时间）。"
        " Each cell: entries (links to Atom), formats, last update (UTC+8). "
        "上级地区汇总下级地区 Provinces include their prefectures and counties.</small></p>",
        '<div class="scroll">',
        '<table class="matrix">',
        '<thead><tr><th scope="col">地区 <small>Region</small></th>',
    ]
    out += [
        f'<th scope="col" class="n">{esc(c.name)}<br><small>{esc(c.name_en)}</small></th>'
        for c in matrix.columns
    ]
    out.append('<th scope="col" class="n">合计<br><small>All categories</small></th></tr></thead>')
    province: str | None = None
    for row in matrix.rows:
        if row.province != province:
            if province is not None:
                out.append("</tbody>")
            out.append("<tbody>")
            province = row.province
        depth = max(0, min(int(row.depth), 3))
        out.append(
            f'<tr><th scope="row" class="d{depth}">{esc(row.name)} '
            f"<small>{esc(row.name_en)}</small></th>"
            + "".join(_cell(base_url, c) for c in row.cells)
            + _cell(base_url, row.total)
            + "</tr>"
        )
    if province is not None:
        out.append("</tbody>")
    out.append('<tfoot><tr><th scope="row">全部地区 <small>All regions</small></th>')
    out += [_cell(base_url, c.total) for c in matrix.columns]
    out.append(_cell(base_url, matrix.total) + "</tr></tfoot>")
    out += ["</table>", "</div>", "</section>"]
    return out


def _group_html(base_url: str, index: int, group: str, rows: list[IndexRow]) -> list[str]:
    out = [
        f'<section id="g{index}">',
        f"<h2>{esc(group)}</h2>",
        "<table>",
        "<thead><tr><th>订阅源 <small>Feed</small></th>"
        "<th>订阅 <small>Subscribe</small></th>"
        '<th class="n">条目 <small>Entries</small></th>'
        "<th>最近更新 <small>Last updated (UTC+8)</small></th></tr></thead>",
        "<tbody>",
    ]
    for row in rows:
        depth = max(0, min(int(row.depth), 3))
        cls = f' class="d{depth}"' if depth else ""
        note = f" <small>{esc(row.note)}</small>" if row.note else ""
        label = row.label if row.label is not None else row.title
        out.append(
            f"<tr><td{cls}>{esc(label)}{note}</td>"
            f'<td class="fmt">{_format_links(base_url, row.path)}</td>'
            f'<td class="n">{int(row.entry_count)}</td>'
            f"<td>{time_html(row.last_updated)}</td></tr>"
        )
    out += ["</tbody>", "</table>", "</section>"]
    return out


def render_index(
    title: str,
    base_url: str,
    rows: Sequence[IndexRow],
    *,
    matrix: RegionMatrix | None = None,
    sources_url: str | None = None,
) -> bytes:
    """The index page as UTF-8 bytes.

    Args:
        title: page title and ``<h1>``.
        base_url: hub base URL without trailing slash; feed and OPML links are absolute.
        rows: feeds in display order; rows of one ``group`` need not be adjacent, groups
            appear in the order of their first row.
        matrix: the regions × categories table shown before the groups, or None.
        sources_url: where the source-health page lives (``base_url + "/sources"``), or
            None for no link (a static export has no such page).

    Raises:
        PublishError: a naive ``last_updated``; a matrix row whose cells do not match
            the columns.
    """
    groups: dict[str, list[IndexRow]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    all_row = next((r for r in rows if _is_all_feed(r.path)), None)
    opml = esc(base_url + "/opml.xml")

    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        NO_FAVICON,
        *_autodiscovery(base_url, rows, matrix),
        f'<link rel="outline" type="text/x-opml" title="OPML" href="{opml}">',
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{esc(title)}</h1>",
        "<p>政府公告订阅源 · Government announcement feeds (Atom · RSS · JSON Feed)。"
        "按地区、分类与来源订阅 Subscribe by region, category or source.</p>",
    ]
    subscribe_all = f'<a href="{opml}" type="text/x-opml">OPML</a>'
    if all_row is not None:
        subscribe_all = f"{_format_links(base_url, all_row.path)} · {subscribe_all}"
    out.append(
        f'<p>订阅全部 <small>Subscribe to all</small>: <span class="fmt">{subscribe_all}</span>'
    )
    if all_row is not None:
        out.append(
            f" <small>（{int(all_row.entry_count)} 条 entries，最近更新 last updated "
            f"{time_html(all_row.last_updated)}）</small>"
        )
    out.append("</p>")
    nav = []
    if matrix is not None:
        nav.append('<li><a href="#matrix">地区 × 分类 <small>Regions × Categories</small></a></li>')
    nav += [f'<li><a href="#g{i}">{esc(g)}</a></li>' for i, g in enumerate(groups, 1)]
    nav.append(f'<li><a href="{opml}" type="text/x-opml">OPML <small>feed list</small></a></li>')
    if sources_url is not None:
        nav.append(
            f'<li><a href="{esc(sources_url)}">来源状态 <small>Source health</small></a></li>'
        )
    out += ['<nav aria-label="目录 Contents"><ul>', *nav, "</ul></nav>", "</header>", "<main>"]
    if matrix is not None:
        out += _matrix_html(base_url, matrix)
    for i, (group, group_rows) in enumerate(groups.items(), 1):
        out += _group_html(base_url, i, group, group_rows)
    out += ["</main>", "</body>", "</html>"]
    return ("\n".join(out) + "\n").encode("utf-8")
