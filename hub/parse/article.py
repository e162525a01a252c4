"""What one article page says about itself (pure: HTML text in, :class:`ArticleData` out).

Order of evidence, per field (each rule comes from a corpus page; tests/test_article.py):

* **title** — ``<meta name="ArticleTitle">`` (markup inside the value stripped: bynr puts
  ``<div>——…</div>`` there), else ``selectors.title``, else the longest visible element
  text that the ``<title>`` starts with (the article title is its first segment), else the
  first non-empty ``<h1>``, else the ``<title>`` up to its first ``_``/``|``/`` - ``.
  Whitespace (U+3000 included) is collapsed.
* **origin** — ``ContentSource`` meta when non-empty, else the visible attribution lines
  (``selectors.attribution`` when given, else every visible block that carries a label —
  comments, attributes such as shanxi's contradicting ``alt`` and ``display:none``
  elements are never read; quoted mentions like chinaneast's footer ``注明“来源：…”`` are
  skipped), else ``<meta name="source">`` (its value may start with 来源：), else the
  发文机关/发布机构 field. 本网/本站/本报 → ``site_name``.
* **author** — a labelled 作者/记者 value (never meta ``author``, which holds staff ids or
  editors on gov.cn and people.com.cn); 来源 followed by a bare personal name (sina's
  ``来源: 尹娟``, the last paragraph of the body) is a reporter's credit and becomes the
  author, not the origin.
* **published** — ``PubDate`` meta, else ``firstpublishedtime`` meta, else the visible
  发布时间/发布日期/时间 (or an unlabelled date on the 来源 line), else a short date line
  right after the title, else ``publishdate`` meta, else the date in the URL. Regeneration
  rule (wanzai): when a visible publication date exists and the meta ``PubDate`` is more
  than a day later, the visible date wins — ``PubDate`` was rewritten when the page was
  regenerated. A meta time of exactly 00:00:00 with a same-day visible date-only value
  (jl) is date-only.
* **doc_number / index_number / written** — 发文字号 or 文号 (``无`` → None), 索引号,
  成文日期/发文日期, from the visible lines.
* **body** — ``selectors.body`` when given, else trafilatura (HTML output, links, images,
  tables). Furniture (打印本页, 关闭窗口, share widgets) removed; URLs made absolute
  (``./2024…``, ``../``; lazy ``data-src`` → ``src``). Returned UNsanitized: the caller
  runs nh3.
* **attachments** — links in the body, and anywhere on the page, whose path ends in
  pdf/doc/docx/xls/xlsx/wps/zip/rar/ofd (plus et/ppt/pptx/txt), absolute, with a MIME type.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit

import lxml.html  # type: ignore[import-untyped]
import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from hub.attribution import (
    LABEL_RE,
    AttributionLine,
    byline_author,
    parse_attribution_text,
    resolve_origin,
)
from hub.errors import ParseError
from hub.htmlclean import collapse_ws, remove_furniture, visible_blocks
from hub.sanitize import strip_control
from hub.timeutil import ParsedDate, date_from_url, format_published, parse_date
from hub.types import ArticleData, ArticleSelectors, Enclosure

__all__ = ["ATTACHMENT_TYPES", "article_json", "extract_article"]

#: attachment extension → MIME type
ATTACHMENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "wps": "application/vnd.ms-works",
    "et": "application/vnd.ms-excel",
    "zip": "application/zip",
    "rar": "application/vnd.rar",
    "ofd": "application/ofd",
    "txt": "text/plain",
}

_TITLE_SPLIT = re.compile(r"\s*(?:_{1,2}|\||｜|\s-{1,2}\s|--|-(?=[^-]*$))\s*")
_PERIODICAL = re.compile(r"《([^《》]{2,20})》")
_YEAR_DATE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")


# --------------------------------------------------------------------------------------
# meta tags


def _meta_map(root: HtmlElement) -> dict[str, str]:
    """Lower-cased meta ``name`` → first non-empty ``content`` with markup stripped."""
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = meta.get("content")
        if not name or content is None:
            continue
        text = _strip_markup(content)
        if text and name not in found:
            found[name] = text
    return found


def _strip_markup(value: str) -> str:
    """Text of a value that may hold markup (``…力量<div>——热烈祝贺…</div>``)."""
    if "<" not in value:
        return collapse_ws(value)
    try:
        fragment = lxml.html.fragment_fromstring(value, create_parent="div")
    except (etree.ParserError, ValueError):
        return collapse_ws(re.sub(r"<[^>]*>", "", value))
    return collapse_ws(fragment.text_content())


# --------------------------------------------------------------------------------------
# title


def _title(
    root: HtmlElement, metas: dict[str, str], selectors: ArticleSelectors | None
) -> str | None:
    meta_title = metas.get("articletitle")
    if meta_title:
        return meta_title
    if selectors is not None and selectors.title:
        picked = _select_text(root, selectors.title)
        if picked:
            return picked
    head_title = collapse_ws(root.findtext(".//title") or "")
    body = root.find("body")
    scope = body if body is not None else root
    if head_title:
        best = ""
        for el in scope.iter():
            if not isinstance(el.tag, str) or el.tag in ("script", "style", "title"):
                continue
            text = collapse_ws(el.text_content()) if len(el) < 8 else ""
            if 4 <= len(text) <= 200 and len(text) > len(best) and head_title.startswith(text):
                best = text
        if best:
            return best
    for h1 in scope.iter("h1"):
        text = collapse_ws(h1.text_content())
        if text:
            return text
    if head_title:
        first = _TITLE_SPLIT.split(head_title)[0]
        return first or head_title
    return None


def _select_text(root: HtmlElement, query: str) -> str:
    sel = Selector(root=root)
    picked = sel.xpath(query) if query.startswith(("/", "(")) else sel.css(query)
    texts: list[str] = []
    for item in picked:
        root_el = item.root
        if isinstance(root_el, str):
            texts.append(root_el)
        elif isinstance(root_el, HtmlElement):
            texts.append(root_el.text_content())
    return collapse_ws(" ".join(texts))


def _meta_text(value: str | None) -> str | None:
    return collapse_ws(value) or None if value else None


def _select_element(root: HtmlElement, query: str) -> HtmlElement | None:
    """The first element a CSS (or XPath) query selects anywhere in ``root``'s document.

    CSS is translated to an absolute XPath (``//…``): libxml2 can leave a second ``<html>``
    beside the root on malformed pages (gov.cn), which a query relative to the root
    element would never reach.
    """
    xpath = query if query.startswith(("/", "(")) else _CSS.css_to_xpath(query, prefix="//")
    sel = Selector(root=root)
    for item in sel.xpath(xpath):
        if isinstance(item.root, HtmlElement):
            return item.root
    return None


_CSS = HTMLTranslator()


# --------------------------------------------------------------------------------------
# attribution


def _attribution_blocks(blocks: list[str]) -> list[str]:
    """Blocks that carry a label; a block ending in a bare label takes the next block too."""
    out: list[str] = []
    for index, block in enumerate(blocks):
        if len(block) > 600 or not LABEL_RE.search(block):
            continue
        text = block
        if text.rstrip().endswith((":", "：")) and index + 1 < len(blocks):
            text = text + "\n" + blocks[index + 1]
        out.append(text)
    return out


def _merge(lines: list[AttributionLine]) -> AttributionLine:
    """First non-empty value of every field, in document order."""
    fields = (
        "origin",
        "origin_url",
        "author",
        "editor",
        "published",
        "written",
        "doc_number",
        "index_number",
    )
    merged: dict[str, object] = {}
    for line in lines:
        for name in fields:
            value = getattr(line, name)
            if value is not None and name not in merged:
                merged[name] = value
    return AttributionLine(**merged)  # type: ignore[arg-type]


def _origin_url(root: HtmlElement, origin: str | None, base: str) -> str | None:
    """The link around the 来源 value (people.com.cn links the original); None if none."""
    if not origin:
        return None
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#")):
            continue
        if collapse_ws(a.text_content()) != origin:
            continue
        context = collapse_ws(
            (a.getparent().text_content() if a.getparent() is not None else "")[:200]
        )
        if "来源" in context:
            return str(urljoin(base, href))
    return None


def _date_line_after_title(
    blocks: list[str], title: str | None
) -> tuple[ParsedDate | None, str | None]:
    """A short block right after the title holding a full date (sina's byline row)."""
    if not title:
        return None, None
    start = None
    for index, block in enumerate(blocks):
        if collapse_ws(block) == title:
            start = index
    if start is None:
        return None, None
    for block in blocks[start + 1 : start + 4]:
        text = collapse_ws(block)
        if len(text) <= 80 and _YEAR_DATE.search(text):
            periodical = _PERIODICAL.search(text)
            return parse_date(text), periodical.group(1) if periodical else None
    return None, None


# --------------------------------------------------------------------------------------
# body and attachments


def _absolutize(el: HtmlElement, base: str) -> None:
    for img in el.iter("img"):
        lazy = img.get("data-src") or img.get("data-original") or img.get("data-lazy-src")
        if lazy and (
            not img.get("src") or "blank" in (img.get("src") or "") or lazy != img.get("src")
        ):
            img.set("src", lazy)
    for node in el.iter():
        if not isinstance(node.tag, str):
            continue
        for attr in ("href", "src"):
            value = node.get(attr)
            if value is None:
                continue
            value = value.strip()
            if not value or value.startswith(("javascript:", "mailto:", "data:", "#", "tel:")):
                continue
            node.set(attr, urljoin(base, value))


#: Body containers of the government CMSs (``../shared/DOMAIN.md``): UCAP (the
#: 政府网站集约化 platform, gov.cn), TRS WCM, Hanweb and common provincial templates. Tried
#: after the configured selector and before the generic extractor; a container must hold
#: at least ``_MIN_BODY_CHARS`` characters of text to count.
CMS_BODY_SELECTORS = (
    "#UCAP-CONTENT",
    ".TRS_Editor",
    "#zoom",
    "#Zoom",
    ".pages_content",
    "#ivs_content",
    ".wzcon",
)
_MIN_BODY_CHARS = 50


def _body(
    root: HtmlElement, html: str, url: str, selectors: ArticleSelectors | None
) -> HtmlElement | None:
    element: HtmlElement | None = None
    wanted = [selectors.body] if selectors is not None and selectors.body else []
    for i, selector in enumerate(wanted + list(CMS_BODY_SELECTORS)):
        found = _select_element(root, selector)
        if found is None:
            continue
        if i >= len(wanted) and len(collapse_ws(found.text_content())) < _MIN_BODY_CHARS:
            continue
        element = lxml.html.fromstring(lxml.html.tostring(found, encoding="unicode"))
        break
    if element is None:
        extracted = trafilatura.extract(
            html,
            url=url,
            output_format="html",
            include_links=True,
            include_images=True,
            include_tables=True,
            include_comments=False,
            favor_recall=True,
        )
        if not extracted:
            return None
        element = lxml.html.fromstring(extracted)
        inner = element.find(".//body")
        if inner is not None:
            element = inner
    remove_furniture(element)
    _absolutize(element, url)
    return element


def _attachments(body: HtmlElement | None, root: HtmlElement, base: str) -> tuple[Enclosure, ...]:
    seen: dict[str, Enclosure] = {}
    scopes = [body] if body is not None else []
    scopes.append(root)
    for scope in scopes:
        for a in scope.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            absolute = urljoin(base, href)
            path = urlsplit(absolute).path.lower()
            ext = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
            mime = ATTACHMENT_TYPES.get(ext)
            if mime and absolute not in seen:
                seen[absolute] = Enclosure(url=absolute, type=mime)
    return tuple(seen.values())


# --------------------------------------------------------------------------------------


def extract_article(
    html: str,
    url: str,
    *,
    selectors: ArticleSelectors | None = None,
    site_name: str | None = None,
    now: datetime,
) -> ArticleData:
    """Extract title, attribution, dates, body and attachments from one article page.

    ``html`` is decoded text (see :func:`hub.encoding.decode_body`), ``url`` the page's
    final URL (base for relative links), ``site_name`` the publishing site's own name (for
    来源:本网), ``now`` an aware datetime for year-less dates. Dates are aware
    (Asia/Shanghai for zone-less text). Raises :class:`hub.errors.ParseError` when the
    text is not HTML at all (empty).
    """
    html = strip_control(html or "")  # lxml refuses control characters anywhere
    if not html.strip():
        raise ParseError(f"empty article page: {url}")
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"unreadable article page: {url}") from exc

    metas = _meta_map(root)
    title = _title(root, metas, selectors)

    attribution_root = root
    if selectors is not None and selectors.attribution:
        picked = _select_element(root, selectors.attribution)
        if picked is not None:
            attribution_root = picked
    blocks = visible_blocks(attribution_root)
    visible = _merge(
        [parse_attribution_text(block, now=now) for block in _attribution_blocks(blocks)]
    )

    # origin
    origin = metas.get("contentsource")
    from_meta = origin is not None
    if not origin:
        origin = visible.origin
    if not origin and metas.get("source"):
        origin = re.sub(r"^\s*来源\s*[:：]\s*", "", metas["source"]) or None
    # 来源：本网 means the publishing site: the configured name, else its SiteName meta
    origin = resolve_origin(origin, site_name or _meta_text(metas.get("sitename")))
    origin_url = None if from_meta and origin != visible.origin else _origin_url(root, origin, url)

    # published
    published = _published(
        metas,
        visible.published,
        blocks if attribution_root is root else visible_blocks(root),
        title,
        url,
        now,
    )
    periodical: str | None = None
    if published is None:
        line_date, periodical = _date_line_after_title(visible_blocks(root), title)
        published = line_date
    if published is None and metas.get("publishdate"):
        published = parse_date(metas["publishdate"], now=now)
    if published is None:
        published = date_from_url(url)
    if origin is None and periodical is not None and visible.published is None:
        origin = periodical

    body = _body(root, html, url, selectors)
    body_html = lxml.html.tostring(body, encoding="unicode") if body is not None else None
    author = visible.author
    if author is None and body is not None:  # a reporter's byline inside the text
        author = byline_author("\n".join(visible_blocks(body)))
    canonical = None
    for link in root.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            canonical = urljoin(url, link.get("href", ""))
            break

    return ArticleData(
        title=title,
        published=published.value if published else None,
        date_only=published.date_only if published else False,
        written=visible.written.value if visible.written else None,
        origin=origin,
        origin_url=origin_url,
        author=author,
        editor=visible.editor,
        body_html=body_html,
        doc_number=visible.doc_number,
        index_number=visible.index_number,
        attachments=_attachments(body, root, url),
        canonical_url=canonical,
    )


def _published(
    metas: dict[str, str],
    visible: ParsedDate | None,
    blocks: list[str],
    title: str | None,
    url: str,
    now: datetime,
) -> ParsedDate | None:
    meta: ParsedDate | None = None
    for name in ("pubdate", "firstpublishedtime"):
        if metas.get(name):
            meta = parse_date(metas[name], now=now)
            if meta is not None:
                break
    if meta is None:
        return visible
    if visible is None:
        return meta
    # regeneration trap (wanzai): a meta PubDate more than a day after the visible date
    if meta.value - visible.value > timedelta(days=1):
        return visible
    # jl: "2022-01-28 00:00:00" in meta, 2022年01月28日 on the page → a date
    if (
        visible.date_only
        and not meta.date_only
        and meta.value == visible.value
        and meta.value.time() == datetime.min.time()
    ):
        return visible
    return meta


def article_json(data: ArticleData, url: str) -> dict[str, object]:
    """A JSON-ready summary of ``data`` (golden files, ``hub article`` CLI output).

    Keys: title, origin, author, published (ISO 8601 with offset, or ``YYYY-MM-DD`` when
    date_only; None when unknown), date_only, doc_number, index_number, link (``url``),
    attachments (list of ``{"url", "type"}``), body_text_length (characters of the body's
    text, whitespace collapsed).
    """
    published: str | None = None
    if data.published is not None:
        published = format_published(ParsedDate(data.published, data.date_only))
    length = 0
    if data.body_html:
        try:
            length = len(collapse_ws(lxml.html.fromstring(data.body_html).text_content()))
        except (etree.ParserError, ValueError):
            length = 0
    return {
        "title": data.title,
        "origin": data.origin,
        "author": data.author,
        "published": published,
        "date_only": data.date_only,
        "doc_number": data.doc_number,
        "index_number": data.index_number,
        "link": url,
        "attachments": [{"url": e.url, "type": e.type} for e in data.attachments],
        "body_text_length": length,
    }
