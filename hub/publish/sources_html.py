"""The ``/sources`` page: the health of every configured source, one table row each.

Chinese with English labels, HTML5 (``<html lang="zh-CN">``, ``<meta charset="utf-8">``),
no JavaScript, no external resources. Each row: source id, name (linking to the upstream
page), region, category, the last poll's outcome (a coloured badge; ``class="o o-<code>
<severity>"`` with severity ``good``/``warn``/``bad``/``off``), its detail, the last
attempt and success, stored entries, consecutive failures, the next poll, and the source's
own feed in Atom/RSS/JSON. Disabled sources say so (``disabled``) whatever they last did.

Times in Beijing time (``2022-04-27 08:00``). Deterministic: no clock; the bytes depend on
the arguments only. Pure; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hub.publish.index_html import BASE_STYLE, FORMAT_TYPES, NO_FAVICON, esc, time_html

__all__ = ["SourceRow", "outcome_status", "render_sources"]

_STYLE = (
    BASE_STYLE
    + """
td .o,.summary .o{display:inline-block;padding:0 .45rem;border-radius:.6rem;font-size:.85em;\
white-space:nowrap;border:1px solid transparent}
.good{background:#e3f4e3;color:#185c18;border-color:#9ccf9c}
.warn{background:#fff3d6;color:#6b4a00;border-color:#e6c46b}
.bad{background:#fde2e1;color:#8a1c17;border-color:#eaa29e}
.off{background:#eee;color:#555;border-color:#ccc}
tr.disabled td{color:#777}
td.detail{max-width:22rem;overflow-wrap:anywhere;font-size:.9em}
.summary .o{margin-right:.3rem}
td time{white-space:nowrap}"""
)

_GOOD = {"ok", "not_modified"}
_WARN = {"stale", "selector_drift", "challenge", "robots_disallowed", "not_polled"}
_OFF = {"disabled"}

#: Display order of statuses in the summary line; unknown codes follow, sorted.
_ORDER = (
    "ok",
    "not_modified",
    "stale",
    "selector_drift",
    "challenge",
    "robots_disallowed",
    "http_error",
    "timeout",
    "fetch_error",
    "encoding_error",
    "parse_error",
    "blocked_address",
    "too_large",
    "not_polled",
    "disabled",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRow:
    """One source on the health page.

    ``id``/``name``/``url`` from feeds.yaml; ``region`` and ``category`` are display
    texts (``甘肃省 · 定西市``, ``综合政务 General government affairs``); ``enabled``;
    ``outcome`` the last poll's outcome code (``ok``, ``http_error`` …) or None when never
    polled, ``detail`` its explanation; ``last_attempt``/``last_success``/``next_poll``
    aware datetimes or None; ``entry_count`` stored entries; ``failures`` consecutive
    failed polls; ``feed_path`` the source feed's URL path without extension.
    """

    id: str
    name: str
    url: str
    region: str
    category: str
    enabled: bool
    outcome: str | None
    detail: str = ""
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    next_poll: datetime | None = None
    entry_count: int = 0
    failures: int = 0
    feed_path: str


def outcome_status(row: SourceRow) -> tuple[str, str]:
    """(status code shown, severity class): ``disabled``/``off`` for a disabled source,
    ``not_polled``/``warn`` when never polled, else the outcome and ``good`` (ok,
    not_modified), ``warn`` (stale, selector drift, challenge, robots) or ``bad``."""
    if not row.enabled:
        return "disabled", "off"
    code = row.outcome or "not_polled"
    if code in _GOOD:
        return code, "good"
    if code in _WARN:
        return code, "warn"
    return code, "bad"


def _badge(code: str, severity: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]", "", code) or "unknown"
    return f'<span class="o o-{safe} {severity}">{esc(code)}</span>'


def _next_poll(row: SourceRow) -> str:
    if not row.enabled:
        return "—"
    return time_html(row.next_poll, empty="待抓取 <small>due</small>")


def render_sources(
    title: str, base_url: str, rows: Sequence[SourceRow], *, home_url: str | None = None
) -> bytes:
    """The source-health page as UTF-8 bytes.

    Args:
        title: the hub's title (the page is titled "来源状态 Source health — ``title``").
        base_url: hub base URL without trailing slash; feed links are absolute.
        rows: sources in display order.
        home_url: the index page's address; ``base_url + "/"`` when None.

    Raises:
        PublishError: a naive datetime in a row.
    """
    statuses = [outcome_status(r) for r in rows]
    counts: dict[str, tuple[int, str]] = {}
    for code, severity in statuses:
        n, _ = counts.get(code, (0, severity))
        counts[code] = (n + 1, severity)
    rank = {c: i for i, c in enumerate(_ORDER)}
    summary = " ".join(
        f"{_badge(code, sev)}&nbsp;{n}"
        for code, (n, sev) in sorted(counts.items(), key=lambda kv: (rank.get(kv[0], 99), kv[0]))
    )
    home = esc(home_url if home_url is not None else base_url + "/")
    page_title = f"来源状态 Source health — {title}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(page_title)}</title>",
        NO_FAVICON,
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        "<h1>来源状态 <small>Source health</small></h1>",
        f'<p><a href="{home}">← 首页 <small>Home</small></a> · {esc(title)}</p>',
        f'<p class="summary">{len(rows)} 个来源 sources: {summary}</p>',
        "</header>",
        "<main>",
        '<div class="scroll">',
        "<table>",
        "<thead><tr>"
        "<th>来源 <small>Source</small></th>"
        "<th>名称 <small>Name</small></th>"
        "<th>地区 <small>Region</small></th>"
        "<th>分类 <small>Category</small></th>"
        "<th>结果 <small>Last outcome</small></th>"
        "<th>详情 <small>Detail</small></th>"
        "<th>上次抓取 <small>Last attempt</small></th>"
        "<th>上次成功 <small>Last success</small></th>"
        '<th class="n">条目 <small>Entries</small></th>'
        '<th class="n">连续失败 <small>Failures</small></th>'
        "<th>下次抓取 <small>Next poll</small></th>"
        "<th>订阅 <small>Feed</small></th>"
        "</tr></thead>",
        "<tbody>",
    ]
    for row, (code, severity) in zip(rows, statuses, strict=True):
        feed = base_url + row.feed_path
        fmts = " ".join(
            f'<a href="{esc(feed + "." + fmt)}" type="{FORMAT_TYPES[fmt]}">{label}</a>'
            for fmt, label in (("atom", "Atom"), ("rss", "RSS"), ("json", "JSON"))
        )
        cls = ' class="disabled"' if not row.enabled else ""
        out.append(
            f'<tr id="src-{esc(row.id)}"{cls}>'
            f"<td><code>{esc(row.id)}</code></td>"
            f'<td><a href="{esc(row.url)}" rel="nofollow noopener noreferrer">'
            f"{esc(row.name)}</a></td>"
            f"<td>{esc(row.region)}</td>"
            f"<td>{esc(row.category)}</td>"
            f"<td>{_badge(code, severity)}</td>"
            f'<td class="detail">{esc(row.detail)}</td>'
            f"<td>{time_html(row.last_attempt)}</td>"
            f"<td>{time_html(row.last_success)}</td>"
            f'<td class="n">{int(row.entry_count)}</td>'
            f'<td class="n">{int(row.failures)}</td>'
            f"<td>{_next_poll(row)}</td>"
            f'<td class="fmt">{fmts}</td>'
            "</tr>"
        )
    out += ["</tbody>", "</table>", "</div>", "</main>", "</body>", "</html>"]
    return ("\n".join(out) + "\n").encode("utf-8")
