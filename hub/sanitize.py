"""Pure text and HTML clean-up for everything that reaches storage.

Rules: no C0/C1 control characters except tab and newline, no lone surrogates, no
U+FFFE/U+FFFF (XML 1.0 §2.2 forbids them and lxml refuses them); whitespace including the
ideographic space U+3000 collapsed in one-line fields; HTML bodies sanitized with nh3
(an allow-list, ammonia) with every URL made absolute against the page's URL.
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from collections.abc import Callable
from urllib.parse import urljoin

import nh3

__all__ = ["absolutize_url", "clean_text", "sanitize_html", "strip_control", "text_of_html"]

# XML 1.0 Char production minus the C1 range; tab and newline kept.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACE = re.compile(r"[\s\u3000\u00a0\u2002\u2003\u200b\ufeff]+")
# Bidi embedding/override/isolate controls: in a one-line field they only serve to spoof
# (a title that reads backwards); the plain marks U+200E/U+200F stay.
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "li", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_URL_SCHEMES = {"http", "https", "mailto"}


def strip_control(text: str) -> str:
    """Remove characters XML 1.0 cannot carry (controls, surrogates, U+FFFE/U+FFFF).

    Tab and newline stay; a carriage return is dropped (the text keeps its newline).
    """
    return _CONTROL.sub("", text)


def clean_text(text: str | None) -> str:
    """One-line text: NFC, control characters and bidi override/isolate controls removed,
    all whitespace (U+3000, &nbsp;, zero-width space, BOM) collapsed to one ASCII space,
    stripped."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", _BIDI_CONTROL.sub("", strip_control(text)))
    return _SPACE.sub(" ", text).strip()


def absolutize_url(url: str | None, base: str) -> str | None:
    """Resolve ``url`` against ``base`` (RFC 3986 §5); None for empty, ``javascript:``
    and fragment-only links; backslashes (a real government quirk) become slashes."""
    if url is None:
        return None
    url = clean_text(url).replace("\\", "/")
    if not url or url.startswith("#") or url.lower().startswith(("javascript:", "data:")):
        return None
    return urljoin(base, url)


def _rewrite(base: str) -> Callable[[str, str, str], str | None]:
    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if (tag, attr) in {("a", "href"), ("img", "src")}:
            return absolutize_url(value, base)
        return value

    return attribute_filter


def sanitize_html(html: str | None, base_url: str) -> str:
    """Sanitize an HTML fragment for republishing.

    Keeps an allow-list of structural tags (nh3/ammonia), drops scripts, styles, event
    handlers and unknown attributes, resolves ``href``/``src`` against ``base_url`` (lazy
    ``data-src`` images should already be rewritten by the extractor), adds
    ``rel="noopener noreferrer"`` to links and removes control characters.

    Returns "" for empty input. Never raises on any str.
    """
    if not html:
        return ""
    cleaned = nh3.clean(
        strip_control(html),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        attribute_filter=_rewrite(base_url),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return strip_control(cleaned).strip()


def text_of_html(html: str | None) -> str:
    """Visible text of an HTML fragment, whitespace collapsed (for summaries and hashes)."""
    if not html:
        return ""
    return clean_text(html_lib.unescape(nh3.clean(html, tags=set(), strip_comments=True)))
