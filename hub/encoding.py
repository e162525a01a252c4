"""Decode one upstream response body to text (pure; no I/O).

Decision order, per response (WHATWG "encoding sniffing" order, adapted to Chinese sites):

1. a byte-order mark (UTF-8, UTF-16 LE/BE) — always wins;
2. the HTTP ``Content-Type`` ``charset`` parameter;
3. the first declaration in the first 16 KiB of the body: ``<meta charset=…>``,
   ``<meta http-equiv="Content-Type" content="…charset=…">`` or an XML declaration
   ``<?xml … encoding="…"?>`` (declarations inside ``<!-- -->`` comments are skipped);
4. detection with charset-normalizer, restricted to UTF-8, GB18030 and Big5-HKSCS (a short
   page must not come out as Korean or Cyrillic), preferring UTF-8.

Hub rules on top of that (corpus REPORT §5):

* GB2312, GBK, ``gb_2312-80``, ``x-gbk``, CP936 … decode as **gb18030** (a superset; two
  corpus pages that declare gbk hold byte pairs only gb18030 accepts); Big5 decodes as
  **big5hkscs** (a superset of Big5).
* A declaration can lie: browser-saved pages keep ``charset=GB2312`` over UTF-8 bytes. When
  a legacy (non-Unicode) charset is declared but the bytes decode strictly as UTF-8 and
  contain non-ASCII, UTF-8 wins.
* Invalid byte pairs become U+FFFD (``errors="replace"``) rather than failing; more than
  10% replacement characters means the codec is wrong, and when no candidate does better
  :class:`hub.errors.EncodingError` is raised.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from hub.errors import EncodingError

__all__ = ["decode_body", "normalize_codec"]

#: share of U+FFFD among the decoded characters above which a decoding is rejected
MAX_REPLACEMENT_RATIO = 0.10
#: how far into the body a ``<meta>`` / XML declaration is looked for (bytes)
SNIFF_BYTES = 16384

_GB_LABELS = frozenset(
    {
        "gb2312",
        "gb_2312",
        "gb_2312-80",
        "gb2312-80",
        "csgb2312",
        "euc-cn",
        "euccn",
        "x-euc-cn",
        "gbk",
        "x-gbk",
        "cp936",
        "ms936",
        "windows-936",
        "iso-ir-58",
        "chinese",
        "csiso58gb231280",
        "gb18030",
        "zh_cn",
        "hz-gb-2312",
    }
)
_BIG5_LABELS = frozenset({"big5", "big-5", "cn-big5", "csbig5", "x-x-big5", "big5-hkscs", "cp950"})
_UNICODE_CODECS = frozenset({"utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32"})

_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:+-]+)""", re.IGNORECASE)
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_META = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:+-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:+-]+)["']""")
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def normalize_codec(label: str | None) -> str | None:
    """Map a charset label to the Python codec the hub decodes with, or None if unknown.

    ``"GB2312"`` → ``"gb18030"``, ``"x-gbk"`` → ``"gb18030"``, ``"Big5"`` → ``"big5hkscs"``,
    ``"UTF8"`` → ``"utf-8"``; anything Python does not know → None.
    """
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _GB_LABELS:
        return "gb18030"
    if name in _BIG5_LABELS:
        return "big5hkscs"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    if codec in {"gb2312", "gbk", "hz"}:
        return "gb18030"
    if codec == "big5":
        return "big5hkscs"
    if codec in {"ascii", "latin-1", "iso8859-1"}:
        # WHATWG: ascii and latin-1 labels mean windows-1252
        return "cp1252"
    return codec


def _bom(body: bytes) -> str | None:
    for mark, codec in _BOMS:
        if body.startswith(mark):
            return codec
    return None


def _declared_in_body(body: bytes) -> str | None:
    """The first charset declared by an XML declaration or a ``<meta>`` tag, as a label."""
    head = body[:SNIFF_BYTES]
    xml = _XML_DECL.match(head)
    if xml:
        return xml.group(1).decode("ascii")
    head = _COMMENT.sub(b"", head)
    for meta in _META.finditer(head):
        found = _META_CHARSET.search(meta.group(0))
        if found:
            return found.group(1).decode("ascii")
    return None


def _is_strict_utf8_non_ascii(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _utf8_beats(body: bytes, declared: str) -> bool:
    """A non-Unicode declaration loses to UTF-8 when the bytes are valid UTF-8 with
    non-ASCII text that reads at least as well as the declared codec's reading."""
    if not _is_strict_utf8_non_ascii(body):
        return False
    if declared not in ("gb18030", "big5hkscs"):
        return True
    try:
        theirs = body.decode(declared)
    except UnicodeDecodeError:
        return True
    return plausibility(body.decode("utf-8"), "utf-8") >= plausibility(theirs, declared)


def _decode(body: bytes, codec: str) -> tuple[str, float]:
    """Decode with replacement; return the text and its share of U+FFFD characters."""
    text = body.decode(codec, errors="replace")
    if codec == "utf-8" and text.startswith("\ufeff"):
        text = text[1:]
    bad = text.count("\ufffd")
    return text, (bad / len(text) if text else 0.0)


def _in_common_range(char: str, codec: str) -> bool:
    """Whether a decoded character is what a Chinese page is mostly made of.

    UTF-8: CJK ideographs, CJK punctuation and full-width forms (GBK bytes that happen to
    be valid UTF-8 decode to Hebrew points and combining marks instead). GB18030: GB2312
    symbols and level-1 characters (the 3,755 most used). Big5: Big5 symbols and level-1
    characters (the 5,401 most used). Bytes read in the wrong Chinese codec land mostly
    outside the other codec's common range, which tells the two apart on short pages.
    """
    if codec == "utf-8":
        code = ord(char)
        return 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF
    target, common = (
        ("gb2312", range(0xA1, 0xD8)) if codec == "gb18030" else ("big5", range(0xA1, 0xC7))
    )
    try:
        encoded = char.encode(target)
    except UnicodeEncodeError:
        return False
    return (
        len(encoded) == 2
        and encoded[0] in common
        and not (codec == "gb18030" and 0xA4 <= encoded[0] <= 0xAF)
    )


def plausibility(text: str, codec: str) -> float:
    """Share of the non-ASCII characters of ``text`` (decoded with ``codec``) that fall in
    that codec's common Chinese range (see ``_in_common_range``); 0.0 without any."""
    chars = [c for c in text if ord(c) > 0x7F and not c.isspace()]
    if not chars:
        return 0.0
    return sum(_in_common_range(c, codec) for c in chars) / len(chars)


def _detect(body: bytes) -> str:
    """Guess among UTF-8, GB18030 and Big5-HKSCS for a body without a usable declaration.

    Each codec that decodes the bytes strictly is scored by ``plausibility``; the best
    wins (UTF-8, then GB18030 on ties). So a short GBK page whose bytes happen to be valid
    UTF-8 (通知) or look like Big5 (关于) still decodes as GB18030. Only when no codec
    decodes strictly does charset-normalizer decide.
    """
    if body.isascii():
        return "utf-8"
    scored: list[tuple[float, int, str]] = []
    for rank, codec in enumerate(("utf-8", "gb18030", "big5hkscs")):
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            continue
        scored.append((plausibility(text, codec), -rank, codec))
    if scored:
        return max(scored)[2]
    best = from_bytes(body, cp_isolation=["utf_8", "gb18030", "big5hkscs"]).best()
    if best is None:
        return "gb18030"
    return normalize_codec(best.encoding) or "gb18030"


def decode_body(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode ``body`` and return ``(text, codec)``; codec is a Python codec name.

    ``content_type`` is the raw ``Content-Type`` header value (or None). The codec is one
    of ``"utf-8"``, ``"gb18030"``, ``"big5hkscs"``, ``"utf-16"`` … as decided by the
    module rules above. Raises :class:`hub.errors.EncodingError` when every candidate
    leaves more than 10% U+FFFD.
    """
    if not body:
        return "", "utf-8"
    bom = _bom(body)
    if bom is not None:
        text, _ = _decode(body, bom)
        return text.lstrip("\ufeff"), bom

    declared: str | None = None
    if content_type:
        match = _CHARSET_PARAM.search(content_type)
        if match:
            declared = normalize_codec(match.group(1))
    if declared is None:
        declared = normalize_codec(_declared_in_body(body))

    candidates: list[str] = []
    if declared is not None:
        if declared not in _UNICODE_CODECS and _utf8_beats(body, declared):
            candidates.append("utf-8")  # the declaration lies (browser-saved page)
        candidates.append(declared)
    candidates.append(_detect(body))
    for fallback in ("utf-8", "gb18030", "big5hkscs"):
        if fallback not in candidates:
            candidates.append(fallback)

    best: tuple[float, str, str] | None = None
    for codec in candidates:
        text, ratio = _decode(body, codec)
        if ratio <= 0.001:
            return text, codec
        if (ratio <= MAX_REPLACEMENT_RATIO and best is None) or (
            best is not None and ratio < best[0] / 10
        ):
            best = (ratio, text, codec)
    if best is None:
        raise EncodingError(f"cannot decode body ({len(body)} bytes) as {', '.join(candidates)}")
    return best[1], best[2]
