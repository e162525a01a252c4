"""Text and markup helpers for article pages (pure, lxml trees in, values out).

* :func:`collapse_ws` — one space for every run of whitespace, U+3000 and &nbsp; included.
* :func:`visible_blocks` — the text a reader sees, as a list of blocks (one per block-level
  element), skipping ``<script>``/``<style>``, comments, attributes and elements hidden
  with ``display:none`` / ``hidden`` (the chinanews ``#BaiduSpider`` spans).
* :func:`remove_furniture` — drops 打印本页 / 关闭窗口 / 字体 大 中 小 / share widgets.
"""

from __future__ import annotations

import re

from lxml import etree  # type: ignore[import-untyped]
from lxml.html import HtmlElement  # type: ignore[import-untyped]

__all__ = ["BLOCK_TAGS", "collapse_ws", "is_hidden", "remove_furniture", "visible_blocks"]

_WS = re.compile(r"[\s\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff]+")

#: elements that start a new line when rendered; table cells do not (a label cell and its
#: value cell are read as one line: jl.gov.cn's ``<td>成文日期：</td><td>2022年…</td>``)
BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "br", "center", "dd", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
        "h4", "h5", "h6", "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre",
        "section", "table", "tbody", "thead", "tfoot", "tr", "ul", "ucaptitle",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "head", "title", "iframe", "select", "option",
     "textarea", "button", "svg", "object", "embed"}
)  # fmt: skip
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

_FURNITURE_WORD = (
    r"(?:打印本页|打印此页|打印|关闭窗口|关闭本页|关闭|返回顶部|返回|收藏|"
    r"字体[:：]?\s*[大中小\s]*|字号[:：]?\s*[大中小\s]*|[大中小]\s*[大中小]\s*[大中小]|"
    r"分享到[:：]?|分享|发表评论|我要纠错|纠错|视力保护色|背景色|"
    r"微信|微博|QQ空间|QQ|人人网|豆瓣|朋友圈)"
)
#: one furniture word or a run of them (【打印本页】 【关闭窗口】, 打印本页 | 关闭窗口,
#: 分享到：微信 微博), with brackets, bars and spaces between
_FURNITURE = re.compile(
    rf"^[\s【\[（(|｜·]*{_FURNITURE_WORD}(?:[\s【】\[\]（）()|｜·/、]*{_FURNITURE_WORD})*"
    r"[\s】\]）)|｜·]*$"
)
_FURNITURE_CLASS = re.compile(r"share|bdshare|print|fontsize|font-size|jiathis|bshare", re.I)


def collapse_ws(text: str | None) -> str:
    """Whitespace runs (incl. U+3000, &nbsp;, &ensp;, &emsp;) → one space; stripped."""
    if not text:
        return ""
    return _WS.sub(" ", text).strip()


def is_hidden(el: HtmlElement) -> bool:
    """True for an element the browser does not show (``display:none``, ``hidden``)."""
    style = el.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    return el.get("hidden") is not None or el.get("type") == "hidden"


def visible_blocks(root: HtmlElement) -> list[str]:
    """The visible text of ``root`` split into blocks (block-level element boundaries).

    Whitespace inside a block is kept as in the source (newlines separate a label from a
    value on some pages); empty blocks are dropped. Comments and attributes never
    contribute text.
    """
    blocks: list[str] = []
    parts: list[str] = []

    def flush() -> None:
        text = "".join(parts)
        parts.clear()
        if text.strip():
            blocks.append(text)

    def walk(el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None:  # comment or processing instruction: its tail is still text
            if el.tail:
                parts.append(el.tail)
            return
        tag = tag.lower()
        skip = tag in _SKIP_TAGS or is_hidden(el)
        block = tag in BLOCK_TAGS
        if tag == "img" and not skip:
            parts.append("\u2002")  # an image separates the texts around it
        if not skip:
            if block:
                flush()
            elif tag in ("td", "th"):
                parts.append("\n")
            if el.text:
                parts.append(el.text)
            for child in el:
                walk(child)
            if block:
                flush()
        if el.tail:
            parts.append(el.tail)

    walk(root)
    flush()
    return blocks


def remove_furniture(root: HtmlElement) -> None:
    """Drop page furniture from an article body tree, in place.

    Removes elements whose whole text is 打印本页, 关闭窗口, 【打印】, 字体 大 中 小,
    分享到 …, and share/print widgets recognised by class or id.
    """
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el is root or el.getparent() is None:
            continue
        marker = f"{el.get('class', '')} {el.get('id', '')}"
        text = collapse_ws(el.text_content()) if len(el) < 20 else "x" * 100
        if (marker.strip() and _FURNITURE_CLASS.search(marker) and len(text) < 60) or (
            text and len(text) < 30 and _FURNITURE.match(text)
        ):
            el.drop_tree()
    # loose furniture in text: 【打印本页】【关闭窗口】
    for el in root.iter():
        if isinstance(el.tag, str):
            if el.text:
                el.text = _INLINE_FURNITURE.sub("", el.text)
            if el.tail:
                el.tail = _INLINE_FURNITURE.sub("", el.tail)


_INLINE_FURNITURE = re.compile(r"【\s*(?:打印本页|打印|关闭窗口|关闭|发表评论|我要纠错|收藏)\s*】")
