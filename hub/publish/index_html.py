"""The hub's HTML5 index page: every feed, grouped, with links to its three formats.

Chinese page with English labels (``<html lang="zh-CN">``, ``<meta charset="utf-8">``),
one ``<table>`` per group in the order given, rows in the order given. ``<head>`` carries
feed autodiscovery links (``<link rel="alternate" type="application/atom+xml" ...>``,
the convention every feed reader follows): the Atom rendering of every feed, and the
RSS and JSON Feed renderings of the "all" feed (the row whose path ends in ``/all``),
plus ``<link rel="outline" type="text/x-opml" href="/opml.xml">``. No JavaScript.

Every text is escaped once with :func:`html.escape`; times are shown in Beijing time.
Deterministic: the bytes depend on the arguments only. Pure; no I/O.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hub.publish.xml import local_time, xml_safe

__all__ = ["IndexRow", "render_index"]

_TYPES = {
    "atom": "application/atom+xml",
    "rss": "application/rss+xml",
    "json": "application/feed+json",
}

_STYLE = """\
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:2rem auto;\
max-width:60rem;padding:0 1rem;line-height:1.5;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:2rem}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.fmt a{margin-right:.5rem}
small{color:#666}"""


@dataclass(frozen=True, slots=True)
class IndexRow:
    """One feed on the index: its ``group`` heading, display ``title``, URL ``path``
    without extension, stored ``entry_count`` and newest entry time (aware) or None."""

    group: str
    title: str
    path: str
    entry_count: int
    last_updated: datetime | None


def _e(text: str) -> str:
    return html.escape(xml_safe(text), quote=True)


def _is_all_feed(path: str) -> bool:
    return path.rstrip("/").endswith("/all")


def _autodiscovery(base_url: str, rows: Sequence[IndexRow]) -> list[str]:
    links: list[str] = []
    seen: set[str] = set()
    ordered = [r for r in rows if _is_all_feed(r.path)] + [
        r for r in rows if not _is_all_feed(r.path)
    ]
    for row in ordered:
        fmts = ("atom", "rss", "json") if _is_all_feed(row.path) else ("atom",)
        for fmt in fmts:
            href = base_url + row.path + "." + fmt
            if href in seen:
                continue
            seen.add(href)
            title = row.title if fmt == "atom" else f"{row.title} ({fmt.upper()})"
            links.append(
                f'<link rel="alternate" type="{_TYPES[fmt]}" title="{_e(title)}" href="{_e(href)}">'
            )
    return links


def _when(value: datetime | None) -> str:
    if value is None:
        return "—"
    local = local_time(value)
    return f'<time datetime="{local.isoformat()}">{local.strftime("%Y-%m-%d %H:%M")}</time>'


def render_index(title: str, base_url: str, rows: Sequence[IndexRow]) -> bytes:
    """The index page as UTF-8 bytes.

    Args:
        title: page title and ``<h1>``.
        base_url: hub base URL without trailing slash; feed links are absolute.
        rows: feeds in display order; rows of one ``group`` need not be adjacent, groups
            appear in the order of their first row.

    Raises:
        PublishError: a naive ``last_updated``.
    """
    groups: dict[str, list[IndexRow]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)

    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        *_autodiscovery(base_url, rows),
        f'<link rel="outline" type="text/x-opml" title="OPML" href="{_e(base_url)}/opml.xml">',
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(title)}</h1>",
        "<p>政府公告订阅源 · Government announcement feeds (Atom · RSS · JSON Feed). "
        f'订阅全部 Subscribe to all: <a href="{_e(base_url)}/opml.xml">OPML</a></p>',
    ]
    for group, group_rows in groups.items():
        out.append("<section>")
        out.append(f"<h2>{_e(group)}</h2>")
        out.append("<table>")
        out.append(
            "<thead><tr><th>订阅源 <small>Feed</small></th>"
            "<th>格式 <small>Formats</small></th>"
            '<th class="n">条目 <small>Entries</small></th>'
            "<th>最近更新 <small>Last updated (UTC+8)</small></th></tr></thead>"
        )
        out.append("<tbody>")
        for row in group_rows:
            base = base_url + row.path
            fmt_links = " ".join(
                f'<a href="{_e(base + "." + fmt)}" type="{_TYPES[fmt]}">{label}</a>'
                for fmt, label in (("atom", "Atom"), ("rss", "RSS"), ("json", "JSON"))
            )
            out.append(
                f"<tr><td>{_e(row.title)}</td>"
                f'<td class="fmt">{fmt_links}</td>'
                f'<td class="n">{int(row.entry_count)}</td>'
                f"<td>{_when(row.last_updated)}</td></tr>"
            )
        out.append("</tbody>")
        out.append("</table>")
        out.append("</section>")
    out.append("</body>")
    out.append("</html>")
    return ("\n".join(out) + "\n").encode("utf-8")
