"""HTML column (list) pages → ``RawItem`` values, through parsel and the configured selectors.

Pure: takes decoded text, the page URL and ``now`` (for year-less dates such as ``10-19``).

CMS patterns handled before selection (``../shared/DOMAIN.md``):

* Hanweb (大汉) ``<datastore><recordset><record><![CDATA[ <li>…</li> ]]></record>``: list data
  kept inside CDATA, in a ``<script type="text/xml">`` block or as a bare XML reply. The
  records are unwrapped into real elements so ordinary selectors such as ``li`` match them.
* 人民日报 e-paper titles that exist only as ``document.write(view("TITLE"))``: when the
  title selector finds nothing, the string literal inside the item's script is used.

Dates: the ``date`` selector's text through ``hub.timeutil.parse_date``; without one, the
date embedded in the link (``t20171019_…``, ``/art/2022/1/20/``) through
``hub.timeutil.date_from_url``; else none (the pipeline falls back to the article page and
then to first-seen time).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import parsel
from parsel.csstranslator import HTMLTranslator

from hub.errors import ParseError
from hub.identity import canonical_url
from hub.sanitize import absolutize_url, clean_text, strip_control
from hub.timeutil import ParsedDate, date_from_url, parse_date
from hub.types import ListSelectors, RawItem

__all__ = ["parse_listing", "select"]

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_JS_TITLE = re.compile(r"""document\.write\(\s*\w*\(?\s*["'](.+?)["']\s*\)?\s*\)""", re.S)
_TAG = re.compile(r"<[^>]+>")
_YEAR = re.compile(r"(?:19|20)\d\d")


def select(node: parsel.Selector | parsel.SelectorList[parsel.Selector], query: str) -> list[str]:
    """Evaluate a CSS (or XPath, when ``query`` starts with ``/``, ``(`` or ``.``) query and
    return the cleaned, non-empty strings it yields, in document order."""
    q = query.strip()
    result = node.xpath(q) if q.startswith(("/", "(", ".")) else node.css(q)
    values = []
    for value in result.getall():
        text = clean_text(_TAG.sub(" ", value) if "<" in value else value)
        if text:
            values.append(text)
    return values


def _unwrap_hanweb(text: str) -> str:
    records = _RECORD.findall(text)
    if not records:
        return text
    return text + '\n<div class="hanweb-records">' + "\n".join(records) + "</div>"


def _item_title(item: parsel.Selector, selectors: ListSelectors) -> str:
    for value in select(item, selectors.title):
        if not _JS_TITLE.search(value):
            return value
    script = " ".join(item.css("script::text").getall())
    match = _JS_TITLE.search(script)
    if match:
        return clean_text(_TAG.sub(" ", match.group(1).replace("\\n", " ")))
    return clean_text(" ".join(item.xpath(".//a//text()[not(ancestor::script)]").getall()))


def _with_year_from_link(value: datetime, link_date: datetime) -> datetime:
    """A year-less list date (``10-19``) takes the year that puts it nearest the date in
    its link (``t20171019_…``), so a poll long after capture does not re-date it."""
    candidates = []
    for year in (link_date.year - 1, link_date.year, link_date.year + 1):
        try:
            candidates.append(value.replace(year=year))
        except ValueError:  # 29 February
            continue
    return min(candidates, key=lambda c: abs(c - link_date), default=value)


def parse_listing(
    text: str, page_url: str, selectors: ListSelectors, *, now: datetime
) -> list[RawItem]:
    """Extract the announcements of one column page.

    Args:
        text: the decoded page (``hub.encoding.decode_body``).
        page_url: the final URL of the page; links are resolved against it (or a
            ``<base href>``).
        selectors: the source's list selectors (``feeds.yaml`` ``list:``).
        now: aware current time, for dates without a year.

    Returns:
        Items in page order, one per distinct canonical link; items without a usable link
        or title are skipped. An empty list means the selectors matched nothing.

    Raises:
        ParseError: the text is not parseable as HTML at all, or a selector is invalid.
    """
    try:
        text = strip_control(text)  # lxml refuses control characters anywhere
        page = parsel.Selector(text=_unwrap_hanweb(text) or "<html></html>", type="html")
        base = page.css("base::attr(href)").get()
        base_url = absolutize_url(base, page_url) if base else page_url
        items = select_items(page, selectors.item)
    except (ValueError, TypeError) as exc:  # parsel/lxml: invalid expression or document
        raise ParseError(f"list page unreadable: {exc}") from exc
    seen: set[str] = set()
    found: list[tuple[str, str, ParsedDate | None, bool]] = []  # link, title, date, yearless
    for item in items:
        hrefs = select(item, selectors.link)
        link = absolutize_url(hrefs[0], base_url or page_url) if hrefs else None
        if not link or not link.startswith(("http://", "https://")):
            continue
        key = canonical_url(link)
        if key in seen:
            continue
        title = _item_title(item, selectors)
        if not title:
            continue
        seen.add(key)
        parsed = None
        yearless = False
        from_link = date_from_url(link)
        if selectors.date:
            date_text = " ".join(select(item, selectors.date))
            parsed = parse_date(date_text, now=now) if date_text else None
            yearless = parsed is not None and not _YEAR.search(date_text)
            if yearless and parsed is not None and from_link is not None:
                parsed = ParsedDate(
                    value=_with_year_from_link(parsed.value, from_link.value),
                    date_only=parsed.date_only,
                )
                yearless = False
        found.append((link, title, parsed or from_link, yearless))
    return [
        RawItem(
            title=title,
            link=link,
            published=date.value if date else None,
            date_only=date.date_only if date else False,
        )
        for link, title, date, _ in _year_from_page(found)
    ]


def _year_from_page(
    found: list[tuple[str, str, ParsedDate | None, bool]],
) -> list[tuple[str, str, ParsedDate | None, bool]]:
    """Year-less dates whose link carries no date (``10.11`` next to an off-site link) take
    the latest year that does not put them after the page's newest dated item (+1 day):
    a list page shows its column's recent past, whenever the hub reads it."""
    anchors = [d.value for _, _, d, yearless in found if d is not None and not yearless]
    if not anchors:
        return found  # nothing better than ``now`` on this page
    limit = max(anchors) + timedelta(days=1)
    out = []
    for link, title, date, yearless in found:
        if yearless and date is not None:
            value = date.value
            for year in (limit.year, limit.year - 1, limit.year - 2):
                try:
                    candidate = value.replace(year=year)
                except ValueError:  # 29 February
                    continue
                if candidate <= limit:
                    value = candidate
                    break
            date = ParsedDate(value=value, date_only=date.date_only)
        out.append((link, title, date, yearless))
    return out


def select_items(page: parsel.Selector, query: str) -> parsel.SelectorList[parsel.Selector]:
    """The item elements of a page for the ``item`` selector (CSS or XPath).

    CSS is translated to an absolute XPath (``//…``) so items in a second ``<html>`` that
    libxml2 left beside the root on a malformed page are found too.
    """
    q = query.strip()
    return page.xpath(q if q.startswith(("/", "(")) else _CSS.css_to_xpath(q, prefix="//"))


_CSS = HTMLTranslator()
