"""Attribution lines: who issued a text, who wrote it, when (pure; the heart of the hub).

An attribution line is the short run of labelled fields a Chinese page prints near its
title or at the end of its body (DOMAIN.md "The parts of an announcement page"; the corpus
shapes are listed in REPORT §3)::

    来源:陕西省民政厅 作者:佚名时间:2021-08-30
    2019年06月15日08:18  来源：人民网-文化频道
    （责任编辑：魏喆）   【编辑:陈海峰】   发文字号：吉政明电〔2022〕1号

Rules (each from a corpus page, see tests/test_attribution.py):

* A label is a known word followed by a full- or half-width colon (``来源：`` / ``来源:``),
  spaces allowed before the colon; 转载自 needs no colon. Labels are matched longest first
  (``资料来源`` is a label of its own, ignored, so its ``来源`` is never read).
* A value ends where the next known label begins (``佚名时间:`` → ``佚名``), or at a
  separator: ``|``, a newline, a tab, U+3000, a non-breaking/en/em space, two spaces, a
  quote, a closing bracket that was not opened inside the value, or sentence punctuation.
  A single ASCII space stays inside (``人民网-文化频道 原创稿``). An origin also ends
  before a date (``来源：太原晚报 2021-11-25 16:26:07``).
* ``[ 人民网 ]`` / ``【X】`` brackets around a value are removed.
* A label right after an opening quote (``注明“来源：振兴东北网”``) is a mention, not an
  attribution (the chinaneast footer), and is skipped.
* A "value" that is itself followed by a colon is an unknown label: the field is empty.
* 来源 whose value looks like a personal name (two or three Han characters, no
  organisation word; the sina page's ``来源: 尹娟``) is read as the author, not the origin.
* 发文机关 / 发布机构 give the origin when no 来源 line does.
* ``文号：无`` means no number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from hub.timeutil import ParsedDate, parse_date

__all__ = [
    "LABEL_RE",
    "AttributionLine",
    "byline_author",
    "clean_person",
    "looks_like_person",
    "parse_attribution_text",
    "resolve_origin",
]

#: label word → field; "" means a known label the hub does not keep (it only ends values)
_LABELS: dict[str, str] = {
    # origin 来源
    "信息来源": "origin",
    "文章来源": "origin",
    "新闻来源": "origin",
    "稿件来源": "origin",
    "来源于": "origin",
    "来源": "origin",
    "稿源": "origin",
    "转载自": "origin",
    "发文机关": "issuer",
    "发布机构": "issuer",
    "发文单位": "issuer",
    # author 作者
    "作者": "author",
    "记者": "author",
    "撰稿": "author",
    # editor 责任编辑
    "责任编辑": "editor",
    "文章编辑": "editor",
    "编辑": "editor",
    "责编": "editor",
    # published 发布时间
    "发布时间": "published",
    "发布日期": "published",
    "发表时间": "published",
    "发表日期": "published",
    "发稿时间": "published",
    "发表于": "published",
    "发布于": "published",
    "时间": "published",
    # written 成文日期
    "成文日期": "written",
    "成文时间": "written",
    "发文日期": "written",
    # numbers
    "发文字号": "doc_number",
    "文号": "doc_number",
    "索引号": "index_number",
    # known labels that only end the previous value
    "资料来源": "",
    "数据来源": "",
    "图片来源": "",
    "图片作者": "",
    "视频来源": "",
    "摄影": "",
    "浏览次数": "",
    "浏览量": "",
    "访问量": "",
    "访问次数": "",
    "阅读次数": "",
    "阅读量": "",
    "阅读": "",
    "点击数": "",
    "点击量": "",
    "点击": "",
    "所属分类": "",
    "主题分类": "",
    "主题词": "",
    "信息分类": "",
    "体裁分类": "",
    "组配分类": "",
    "服务对象": "",
    "有效性": "",
    "生效日期": "",
    "失效日期": "",
    "更新时间": "",
    "更新日期": "",
    "内容概述": "",
    "名称": "",
    "标题": "",
    "关键词": "",
    "关键字": "",
    "字号": "",
    "字体": "",
    "分享到": "",
    "分享": "",
    "转载请注明": "",
    "原标题": "",
    "统一编号": "",
    "公开方式": "",
    "公开范围": "",
}

_LABELS["分类"] = ""
#: labels may be spaced out to align a table column: ``索 &nbsp;引 号：``
_LABEL_ALT = "|".join(
    r"[^\S\n]*".join(re.escape(ch) for ch in k) for k in sorted(_LABELS, key=len, reverse=True)
)
#: a known label and its colon (转载自 may go without one); group ``label``
LABEL_RE = re.compile(rf"(?P<label>{_LABEL_ALT})(?:\s*[:：]|(?<=转载自))")

_OPEN_QUOTES = "“‘「『\"'"
_OPEN_BRACKETS = {"[": "]", "［": "］", "【": "】", "(": ")", "（": "）", "〔": "〕", "<": ">"}
_CLOSE_BRACKETS = set(_OPEN_BRACKETS.values())
_HARD_STOPS = set('|｜\n\r\t\u3000\u00a0\u2002\u2003\u2009\u200b“”‘’「」『』"，。；;！？!?')
_DATE_IN_VALUE = re.compile(r"\s*(?:\d{4}\s*[-/.年]\s*\d{1,2}|\d{1,2}:\d{2})")

_NONE_PERSONS = frozenset(
    {
        "佚名",
        "不详",
        "未知",
        "管理员",
        "系统管理员",
        "超级管理员",
        "admin",
        "administrator",
        "system",
        "本站",
        "本网",
        "本报",
        "本网站",
        "网站管理员",
        "无",
        "暂无",
        "-",
        "--",
        "/",
    }
)
_SELF_ORIGINS = frozenset({"本网", "本站", "本报", "本网站", "本台", "本刊", "本部", "本单位"})
_NO_NUMBER = frozenset({"无", "暂无", "-", "--", "/", "空", "null", "none"})
#: characters and words that mark an organisation, not a person
_ORG_MARKERS = re.compile(
    r"[网报社台刊局厅委部办处院会府所站组室队署馆校司科协联团厂行村镇县市省区党军宫]"
    r"|中心|公司|集团|频道|客户端|电视|广播|新闻|杂志|大学|学院|教授|研究|政府|日报|晚报"
)
#: commercial portals whose two-character names look like personal names
_BRANDS = frozenset(
    {"新浪", "搜狐", "网易", "腾讯", "凤凰", "澎湃", "百度", "中新", "新华", "人民"}
)
_HAN = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributionLine:
    """The fields one attribution line (or block) gives; None where it gives none.

    ``published`` / ``written`` are :class:`~hub.timeutil.ParsedDate` (Asia/Shanghai for
    zone-less text). ``origin_url`` is only known to callers that see markup (the link
    around the 来源 value); the text parser leaves it None.
    """

    origin: str | None = None
    origin_url: str | None = None
    author: str | None = None
    editor: str | None = None
    published: ParsedDate | None = None
    written: ParsedDate | None = None
    doc_number: str | None = None
    index_number: str | None = None


def _clean_space(text: str) -> str:
    return re.sub(r"[\s\u3000\u00a0\u2002\u2003]+", " ", text).strip()


def clean_person(name: str | None) -> str | None:
    """A personal name, or None for 佚名, 不详, 管理员, 系统管理员, admin, 本站, 本网, empty.

    Surrounding brackets and spaces are removed (``（ 魏喆 ）`` → ``魏喆``).
    """
    if name is None:
        return None
    value = _clean_space(name).strip("[]［］【】()（）〔〕<>《》 :：,，、.。")
    value = value.strip()
    if not value or value.lower() in _NONE_PERSONS:
        return None
    return value


def looks_like_person(name: str) -> bool:
    """True for a bare two-to-four-character Han name with no organisation word (``尹娟``).

    Used to tell a reporter's name written after 来源 from an issuing body.
    """
    value = name.strip()
    if not _HAN.match(value) or value in _BRANDS:
        return False
    return _ORG_MARKERS.search(value) is None


_NAME = r"(?!整合|报道|摄影|采写|通讯员|实习生|综合)[\u4e00-\u9fff]{2,3}"
_NAMES = rf"{_NAME}(?:[ \t、]+{_NAME}){{0,3}}"
#: （记者陈智 整合） （记者 胡晓蓉） 新华社巴黎12月9日电（记者唐霁）
_BYLINE_IN_PARENS = re.compile(
    rf"[（(][^（()）]{{0,20}}?记者[ \t]*({_NAMES})[ \t]*(?:整合|报道|摄影?|采写)?[ \t]*[）)]"
)
#: a line of its own: □ 本报记者 葛灵丹 / 记者 刘涛 / 新华网黑龙江频道 记者 伊琳 李清芬
_BYLINE_LINE = re.compile(
    rf"(?:^|[ \t□■●])(?:本报|本台|本网|新华社|总台)?记者[ \t]+({_NAMES})[ \t]*$"
)


def byline_author(text: str) -> str | None:
    """A reporter named in the body's byline, or None.

    ``text`` is the body's visible text, one block per line. A parenthesised byline
    （记者 X） anywhere, else a line that ends with 记者 X (Y) — never 记者： followed by a
    question (interviews). Several names are joined by one space.
    """
    text = "\n".join(_clean_space(line) for line in text.splitlines())
    match = _BYLINE_IN_PARENS.search(text)
    if match is None:
        for line in text.splitlines():
            match = _BYLINE_LINE.search(line)
            if match is not None:
                break
    if match is None:
        return None
    return clean_person(re.sub(r"[ \t、]+", " ", match.group(1)))


def resolve_origin(origin: str | None, site_name: str | None) -> str | None:
    """The origin to store: 本网/本站/本报/本网站 (the carrying site itself) → ``site_name``.

    Empty values and the "no author" words give None; anything else is returned cleaned.
    """
    if origin is None:
        return None
    value = _clean_space(origin).strip("[]［］【】 ")
    if not value:
        return None
    if value in _SELF_ORIGINS:
        return site_name
    if value.lower() in _NONE_PERSONS:
        return None
    return value


def _read_value(text: str, start: int, end: int, field: str) -> tuple[str, int]:
    """The value that starts at ``start`` (right after a label) and cannot pass ``end``."""
    i = start
    while i < end and text[i] in " \t\r\n\u3000\u00a0\u2002\u2003\u2009":
        i += 1
    closer: str | None = None
    if i < end and text[i] in _OPEN_BRACKETS and field != "doc_number":
        closer = _OPEN_BRACKETS[text[i]]
        i += 1
        while i < end and text[i] in " \t\r\n\u3000\u00a0\u2002\u2003":
            i += 1
    out: list[str] = []
    depth = 0
    while i < end:
        ch = text[i]
        if closer is not None and ch == closer:
            break
        if closer is None and ch in _HARD_STOPS:
            break
        if closer is not None and ch in "|｜\n\r":
            # inside brackets a newline is just spacing: "[ \n人民网\n ]"
            if ch in "|｜":
                break
            out.append(" ")
            i += 1
            continue
        if ch == " " and i + 1 < end and text[i + 1] == " " and closer is None:
            break
        if ch in _OPEN_BRACKETS:
            depth += 1
        elif ch in _CLOSE_BRACKETS:
            if depth == 0:
                break
            depth -= 1
        if field in ("origin", "issuer") and ch == " " and _DATE_IN_VALUE.match(text, i):
            break
        out.append(ch)
        i += 1
    value = _clean_space("".join(out))
    # an unknown label ("转载请注明：…") is not a value
    j = i
    while j < len(text) and text[j] == " ":
        j += 1
    if value and j < len(text) and text[j] in ":：" and closer is None:
        return "", i
    return value.strip(" -—:：,，、"), i


def _valid_text(value: str, field: str) -> bool:
    if not value:
        return False
    if field in ("origin", "issuer"):
        return len(value) <= 40
    if field == "author":
        return len(value) <= 24 and _ORG_MARKERS.search(value) is None
    if field == "editor":
        return len(value) <= 24
    return len(value) <= 60


def parse_attribution_text(text: str, *, now: datetime | None = None) -> AttributionLine:
    """Read the labelled fields of one attribution line or block of plain text.

    ``text`` is visible text (markup already removed; HTML entities decoded). The first
    valid value of each field wins. ``published``: a labelled 发布时间/发布日期/时间/
    发表于 value, else the first unlabelled full date in the text (``2005年08月16日　来源：
    新华网``). ``now`` is passed to :func:`~hub.timeutil.parse_date` for year-less dates.
    Never raises.
    """
    found: dict[str, str] = {}
    dates: dict[str, ParsedDate] = {}
    labelled_spans: list[tuple[int, int]] = []
    matches = [
        m
        for m in LABEL_RE.finditer(text)
        if not (m.start() > 0 and text[m.start() - 1] in _OPEN_QUOTES)
    ]
    for index, match in enumerate(matches):
        field = _LABELS[re.sub(r"\s", "", match.group("label"))]
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        if not field or field in ("published", "written"):
            labelled_spans.append((match.start(), end))
        if not field:
            continue
        if field in ("published", "written"):
            if field not in dates:
                parsed = parse_date(text[match.end() : end], now=now)
                if parsed is not None:
                    dates[field] = parsed
            continue
        value, stop = _read_value(text, match.end(), end, field)
        labelled_spans.append((match.start(), stop))
        if field == "origin" and value and looks_like_person(value):
            field = "author"
        if field in found or not _valid_text(value, field):
            continue
        if field in ("author", "editor") and stop < len(text) and text[stop] in "，。？！；,?!;":
            continue  # an interview question ("记者：这么看你…，…"), not a byline
        if field == "author" and clean_person(value) is None:
            continue
        found[field] = value

    published = dates.get("published")
    if published is None:
        rest = list(text)
        for start, stop in labelled_spans:
            rest[start:stop] = ["\n"] * (stop - start)
        published = parse_date("".join(rest), now=None)

    doc_number = found.get("doc_number")
    if doc_number is not None and doc_number.lower() in _NO_NUMBER:
        doc_number = None
    index_number = found.get("index_number")
    if index_number is not None and index_number.lower() in _NO_NUMBER:
        index_number = None
    origin = found.get("origin") or found.get("issuer")
    return AttributionLine(
        origin=origin or None,
        author=clean_person(found.get("author")),
        editor=clean_person(found.get("editor")),
        published=published,
        written=dates.get("written"),
        doc_number=doc_number,
        index_number=index_number,
    )
