"""hub.attribution: the labelled attribution line, every shape the corpus shows."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.attribution import (
    AttributionLine,
    clean_person,
    looks_like_person,
    parse_attribution_text,
    resolve_origin,
)
from hub.timeutil import SHANGHAI, ParsedDate


def sh(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def test_seed_line_without_separators() -> None:
    line = parse_attribution_text("来源:陕西省民政厅 作者:佚名时间:2021-08-30")
    assert line == AttributionLine(
        origin="陕西省民政厅",
        author=None,
        published=ParsedDate(sh(2021, 8, 30), True),
    )


@pytest.mark.parametrize(
    ("text", "origin", "published"),
    [
        (
            "2019年06月15日08:18\xa0\xa0来源：人民网-文化频道 原创稿",
            "人民网-文化频道 原创稿",
            sh(2019, 6, 15, 8, 18),
        ),
        ("2022年02月13日07:48 | 来源：新华日报", "新华日报", sh(2022, 2, 13, 7, 48)),
        ("2005年08月16日\u3000来源：新华网", "新华网", sh(2005, 8, 16)),
        ("2005年3月11日12:12\n来源：[ \n人民网\n ]", "人民网", sh(2005, 3, 11, 12, 12)),
        (
            "2004-12-10 11:55:08\n   来源: \n 网易商业报道\n",
            "网易商业报道",
            sh(2004, 12, 10, 11, 55, 8),
        ),
        (
            "发布时间：2022-02-13 04:22:18\xa0\xa0\xa0来源：云南日报",
            "云南日报",
            sh(2022, 2, 13, 4, 22, 18),
        ),
        ("来源：太原晚报 2021-11-25 16:26:07", "太原晚报", sh(2021, 11, 25, 16, 26, 7)),
        ("时间：\n2019-09-18 06:23\n来源：\n      山西日报\n", "山西日报", sh(2019, 9, 18, 6, 23)),
        ("发布日期：2016-11-22 浏览次数： 信息来源：省发改委", "省发改委", sh(2016, 11, 22)),
        ("来源于：东区办事处\n发布日期：2019-03-06", "东区办事处", sh(2019, 3, 6)),
        ("转载自人民日报 2021-01-02", "人民日报", sh(2021, 1, 2)),
    ],
)
def test_origin_and_published(text: str, origin: str, published: datetime) -> None:
    line = parse_attribution_text(text)
    assert line.origin == origin
    assert line.published is not None and line.published.value == published


def test_separators_ensp_and_editor() -> None:
    line = parse_attribution_text("来源：巴彦淖尔日报  \u2002\u2002\u2002编辑：苏亮  ")
    assert (line.origin, line.editor, line.author) == ("巴彦淖尔日报", "苏亮", None)


@pytest.mark.parametrize(
    ("text", "editor"),
    [
        ("（责任编辑：\n    黄帅\n   ）", "黄帅"),
        ("【编辑:陈海峰】", "陈海峰"),
        ("【编辑：姚昊】", "姚昊"),
        ("（ 责任编辑：魏喆 ）", "魏喆"),
        ("责编：王五", "王五"),
        ("（责任编辑：系统管理员）", None),
    ],
)
def test_editor_forms(text: str, editor: str | None) -> None:
    assert parse_attribution_text(text).editor == editor


def test_empty_values() -> None:
    line = parse_attribution_text("来源: | 发布时间: 2018-05-17 | 浏览次数: ")
    assert line.origin is None
    assert line.published == ParsedDate(sh(2018, 5, 17), True)
    triad = parse_attribution_text(
        "来源：当代商报 时间：2019-09-23 14:34:05 作者：\n转载请注明：http://x"
    )
    assert (triad.origin, triad.author) == ("当代商报", None)
    assert triad.published is not None and triad.published.value == sh(2019, 9, 23, 14, 34, 5)


def test_data_source_is_not_attribution() -> None:
    """cjn / yichun: 资料来源 inside the body names data, not the origin."""
    assert parse_attribution_text("（资料来源：参考消息、海外网等）").origin is None
    assert parse_attribution_text("数据来源：国家统计局").origin is None


def test_quoted_mention_is_not_attribution() -> None:
    """chinaneast footer: 凡本网注明“来源：振兴东北网”的所有作品…"""
    text = "① 凡本网注明“来源：振兴东北网”的所有作品，② 凡本网注明“来源：XXX（非振兴东北网）”的作品"
    assert parse_attribution_text(text).origin is None


def test_reporter_after_source_label_is_author() -> None:
    """sina: the body's last paragraph says 来源: 尹娟 — a person, not an issuing body."""
    line = parse_attribution_text("\u3000\u3000来源: 尹娟 \n")
    assert (line.origin, line.author) == (None, "尹娟")


def test_interview_question_is_not_a_byline() -> None:
    line = parse_attribution_text(
        "记者：这么看你平时也很关注国家的相关农业政策，所以你不止是农民专家"
    )
    assert line.author is None


def test_information_disclosure_block() -> None:
    text = (
        "索 \xa0引 号：\n11220000013544357T/2022-00426\n发文机关：\n吉林省人民政府\n"
        "成文日期：\n2022年01月27日\n发文字号：\n吉政明电〔2022〕1号\n发布日期：\n2022年01月28日"
    )
    line = parse_attribution_text(text)
    assert line.origin == "吉林省人民政府"
    assert line.index_number == "11220000013544357T/2022-00426"
    assert line.doc_number == "吉政明电〔2022〕1号"
    assert line.written == ParsedDate(sh(2022, 1, 27), True)
    assert line.published == ParsedDate(sh(2022, 1, 28), True)


def test_doc_number_none_word() -> None:
    line = parse_attribution_text(
        "索引号：000014348/2020-35147\n文号：无\n发文日期：2020年08月02日"
    )
    assert line.doc_number is None
    assert line.index_number == "000014348/2020-35147"
    assert line.written == ParsedDate(sh(2020, 8, 2), True)


def test_yearless_published_uses_now() -> None:
    now = datetime(2026, 11, 29, tzinfo=SHANGHAI)
    line = parse_attribution_text("发布时间：[08-30]", now=now)
    assert line.published == ParsedDate(sh(2026, 8, 30), True)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("佚名", None),
        ("不详", None),
        ("管理员", None),
        ("系统管理员", None),
        ("admin", None),
        ("本站", None),
        ("本网", None),
        ("", None),
        (None, None),
        ("  （ 魏喆 ） ", "魏喆"),
        ("胡晓蓉", "胡晓蓉"),
    ],
)
def test_clean_person(name: str | None, expected: str | None) -> None:
    assert clean_person(name) == expected


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("本网", "陕西省民政厅网站"),
        ("本站", "陕西省民政厅网站"),
        ("本报", "陕西省民政厅网站"),
        ("本网站", "陕西省民政厅网站"),
        (" 新华网 ", "新华网"),
        ("", None),
        (None, None),
    ],
)
def test_resolve_origin(origin: str | None, expected: str | None) -> None:
    assert resolve_origin(origin, "陕西省民政厅网站") == expected


def test_looks_like_person() -> None:
    assert looks_like_person("尹娟")
    assert not looks_like_person("新华网")
    assert not looks_like_person("省发改委")
    assert not looks_like_person("新浪")
    assert not looks_like_person("Xinhua")


@given(st.text())
def test_never_raises(text: str) -> None:
    assert isinstance(parse_attribution_text(text), AttributionLine)


def test_byline_author_shapes() -> None:
    from hub.attribution import byline_author

    assert byline_author("长江网10月4日讯（记者陈智 整合） 国庆中秋长假过半") == "陈智"
    assert byline_author("新华社巴黎12月9日电（记者唐霁）法国9日再次爆发") == "唐霁"
    assert byline_author("推动云南工业高质量发展。（记者 胡晓蓉）") == "胡晓蓉"
    assert byline_author("标题\n□ 本报记者 葛灵丹\n正文") == "葛灵丹"
    assert byline_author("新华网黑龙江频道\u00a0 记者\u00a0 伊琳\u00a0 李清芬") == "伊琳 李清芬"
    assert byline_author("记者：首先欢迎你来到新华网接受我们的采访") is None  # interview
    assert byline_author("正文里没有署名。") is None


def test_gaoyuan_label_and_hanweb_markers() -> None:
    from hub.attribution import parse_attribution_text

    line = parse_attribution_text("稿源：陕西日报　发布日期：2021年08月30日")
    assert line.origin == "陕西日报"
    assert line.published is not None and line.published.date_only
    # Hanweb CMS markers leave the value between two comments; as text it reads plainly
    assert parse_attribution_text("信息来源：省发改委").origin == "省发改委"
