"""hub.parse.article: evidence order, the corpus traps, body, attachments, JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.encoding import decode_body
from hub.errors import ParseError
from hub.parse.article import article_json, extract_article
from hub.timeutil import SHANGHAI
from hub.types import ArticleData, ArticleSelectors

NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)
URL = "https://mzt.shaanxi.gov.cn/bs/bmcx/202108/t20210830_123.html"


def sh(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def page(body: str, head: str = "") -> str:
    return f"<html><head><title>标题_网站</title>{head}</head><body>{body}</body></html>"


def corpus(corpus_dir: Path, name: str, url: str) -> ArticleData:
    text, _ = decode_body((corpus_dir / "upstream-html" / name).read_bytes(), "text/html")
    return extract_article(text, url, now=NOW)


def test_seed_line_in_a_page() -> None:
    html = page(
        "<h1>关于做好社会救助工作的通知</h1>"
        "<div class=info>来源:陕西省民政厅 作者:佚名时间:2021-08-30</div><p>正文。</p>"
    )
    data = extract_article(html, URL, now=NOW)
    assert (data.origin, data.author, data.published, data.date_only) == (
        "陕西省民政厅", None, sh(2021, 8, 30), True,
    )  # fmt: skip


def test_meta_first_and_markup_in_meta_title() -> None:
    head = (
        '<meta name="ArticleTitle" content="为现代化建设凝聚力量<div>——热烈祝贺会议开幕</div>">'
        '<meta name="PubDate" content="2022-02-11 09:52">'
        '<meta name="ContentSource" content="巴彦淖尔日报">'
    )
    data = extract_article(page("<p>来源：别的报 编辑：苏亮</p>", head), URL, now=NOW)
    assert data.title == "为现代化建设凝聚力量——热烈祝贺会议开幕"
    assert data.origin == "巴彦淖尔日报"
    assert (data.published, data.date_only, data.editor) == (sh(2022, 2, 11, 9, 52), False, "苏亮")


def test_site_self_origin_uses_site_name() -> None:
    html = page("<div>发布时间：2021-08-30 来源：本网</div>")
    assert extract_article(html, URL, site_name="陕西省民政厅", now=NOW).origin == "陕西省民政厅"


def test_meta_source_with_label_inside_value() -> None:
    html = page("<p>正文</p>", '<meta name="source" content="来源：新华日报">')
    assert extract_article(html, URL, now=NOW).origin == "新华日报"


def test_regeneration_pubdate_loses_to_visible_date() -> None:
    head = '<meta name="PubDate" content="2022-04-24 10:00:43">'
    body = (
        "<span>来源：<b></b></span>"
        "<span>发布日期：<b><publishtime>2017-05-15 10:49:00</publishtime></b></span>"
    )
    data = extract_article(page(body, head), URL, now=NOW)
    assert data.published == sh(2017, 5, 15, 10, 49)
    assert data.origin is None


def test_url_date_is_the_last_resort() -> None:
    data = extract_article(page("<p>没有日期</p>"), URL, now=NOW)
    assert (data.published, data.date_only) == (sh(2021, 8, 30), True)


def test_configured_selectors() -> None:
    html = page(
        "<h1>站点名称</h1><div class=t>真正的标题</div><div id=attr>来源：省政府办公厅</div>"
        "<div id=body><p>第一段。</p><p><a href='./202108/P020210830.pdf'>附件1.pdf</a></p>"
        "<img data-src='../img/a.png' src='blank.gif'><p>打印本页</p></div><p>来源：错误</p>"
    )
    sel = ArticleSelectors(body="#body", attribution="#attr", title="div.t::text")
    data = extract_article(html, URL, selectors=sel, now=NOW)
    assert data.title == "真正的标题"
    assert data.origin == "省政府办公厅"
    assert data.body_html is not None
    assert "https://mzt.shaanxi.gov.cn/bs/bmcx/202108/202108/P020210830.pdf" in data.body_html
    assert 'src="https://mzt.shaanxi.gov.cn/bs/bmcx/img/a.png"' in data.body_html
    assert "打印本页" not in data.body_html
    assert [(e.url, e.type) for e in data.attachments] == [
        ("https://mzt.shaanxi.gov.cn/bs/bmcx/202108/202108/P020210830.pdf", "application/pdf")
    ]


def test_empty_page_raises() -> None:
    with pytest.raises(ParseError):
        extract_article("  ", URL, now=NOW)


def test_article_json_keys() -> None:
    data = ArticleData(
        title="T", published=sh(2021, 8, 30), date_only=True, body_html="<p>正文 一</p>"
    )
    out = article_json(data, URL)
    assert list(out) == [
        "title", "origin", "author", "published", "date_only", "doc_number",
        "index_number", "link", "attachments", "body_text_length",
    ]  # fmt: skip
    assert out["published"] == "2021-08-30" and out["body_text_length"] == 4
    timed = article_json(ArticleData(published=sh(2021, 8, 30, 10, 5)), URL)
    assert timed["published"] == "2021-08-30T10:05:00+08:00" and timed["author"] is None


# ---- the corpus traps, one test each --------------------------------------------------


def test_trap_chinaneast_footer_legal_notice(corpus_dir: Path) -> None:
    data = corpus(
        corpus_dir,
        "chinaneast-gov-gb2312__article__1.html",
        "http://chinaneast.xinhuanet.com/jizhe/2005-08/16/content_4894059.htm",
    )
    assert data.origin == "新华网" and data.editor == "黄帅"
    assert data.author == "伊琳 李清芬"  # the byline 记者 伊琳 李清芬, not the footer


def test_trap_data_source_in_body(corpus_dir: Path) -> None:
    data = corpus(corpus_dir, "cjn__article__1.html", "http://news.cjn.cn/sywh/202010/t3714581.htm")
    assert data.origin == "长江网"
    yichun = corpus(
        corpus_dir,
        "yichun-gov__article__1.html",
        "https://www.yichun.gov.cn/ycsrmzf/tjgb/202305/36796cdc82d04268913f2884cf2fe579.shtml",
    )
    assert yichun.origin == "宜春市统计局"
    assert yichun.written == sh(2023, 4, 18)
    assert yichun.index_number == "014717475N/2023-0040295"


def test_trap_shanxi_alt_attribute(corpus_dir: Path) -> None:
    data = corpus(
        corpus_dir,
        "shanxi-gov__article__1.html",
        "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml",
    )
    assert data.origin == "山西日报" and data.published == sh(2019, 9, 18, 6, 23)


def test_trap_nmg_commented_out_line_and_hanweb_markers(corpus_dir: Path) -> None:
    nmg = corpus(
        corpus_dir,
        "nmg-gov__article__1.html",
        "https://www.nmg.gov.cn/zwyw/jrgz/202202/t20220211_2004628.html",
    )
    assert nmg.origin == "内蒙古日报"
    deqing = corpus(
        corpus_dir,
        "deqing-gov__article__1.html",
        "http://fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html",
    )
    assert deqing.origin == "省发改委"
    zsnews = corpus(
        corpus_dir,
        "zsnews__article__1.html",
        "http://www.zsnews.cn/zsdongqu/index/view/cateid/337/id/0.html",
    )
    assert (zsnews.published, zsnews.date_only, zsnews.editor) == (sh(2019, 3, 6), True, "龙慧")
    assert zsnews.origin == "东区办事处"


def test_trap_sina_reporter_after_source(corpus_dir: Path) -> None:
    data = corpus(
        corpus_dir,
        "sina-gb2312__article__1.html",
        "http://chanye.finance.sina.com.cn/sm/2005-03-21/244339.shtml",
    )
    assert data.author == "尹娟"
    assert data.origin == "理财周刊"
    assert data.published == sh(2005, 3, 21, 11, 21)


def test_trap_wanzai_regenerated_pubdate(corpus_dir: Path) -> None:
    data = corpus(
        corpus_dir,
        "wanzai-gov__article__1.html",
        "http://www.wanzai.gov.cn/wzxrmzf/tjgb/201705/9c059bf058ef4db8b3c8f920e22186fe.shtml",
    )
    assert data.published == sh(2017, 5, 15, 10, 49)
    assert data.origin is None


def test_trap_chinanews_hidden_spans(corpus_dir: Path) -> None:
    data = corpus(
        corpus_dir,
        "chinanews__article__1.html",
        "http://www.chinanews.com/ll/2020/07-04/9229287.shtml",
    )
    assert data.origin == "求是网"
    assert data.author is None  # the hidden 作者：陈海峰 is the editor
    assert data.editor == "陈海峰"


def test_jl_doc_number_and_attachments(corpus_dir: Path) -> None:
    data = corpus(
        corpus_dir,
        "jl-gov__article__1.html",
        "http://xxgk.jl.gov.cn/szf/gkml/202201/t20220128_8389416.html",
    )
    assert data.doc_number == "吉政明电〔2022〕1号"
    assert (data.published, data.date_only) == (sh(2022, 1, 28), True)
    assert {e.type for e in data.attachments} == {"application/pdf", "application/msword"}


def test_people_origin_url(corpus_dir: Path) -> None:
    data = corpus(
        corpus_dir,
        "people-gb2312__article__1.html",
        "http://js.people.com.cn/n2/2022/0213/c360307-35131671.html",
    )
    assert data.origin == "新华日报"
    assert data.origin_url is not None and data.origin_url.startswith("http://xh.xhby.net/")


def test_hd_doc_number_none(corpus_dir: Path) -> None:
    data = corpus(
        corpus_dir,
        "hd-gov__article__1.html",
        "http://hdzfxxgk.hd.gov.cn/gszbm/auto23716/202008/t20200802_1352104.html",
    )
    assert data.doc_number is None and data.index_number == "000014348/2020-35147"
    assert data.written is None  # 成文日期 is commented out on the page


def test_government_cms_body_containers(corpus_dir: Path) -> None:
    """gov.cn keeps its text in #UCAP-CONTENT, inside a second <html> libxml2 leaves beside
    the root: the CMS container is found anyway, the generic extractor is not needed."""
    from hub.sanitize import text_of_html

    data = corpus(
        corpus_dir,
        "gov-cn__article__1.html",
        "https://www.gov.cn/gongbao/content/2007/content_711039.htm",
    )
    text = text_of_html(data.body_html)
    assert text.startswith("全国人民代表大会常务委员会 关于批准财政部发行特别国债")
    assert "首页" not in text[:20]


def test_furniture_runs_are_removed_and_sitename_resolves_benwang() -> None:
    from datetime import UTC, datetime

    from hub.parse.article import extract_article
    from hub.sanitize import text_of_html
    from hub.types import ArticleSelectors

    page = (
        "<html><head><meta name='SiteName' content='陕西省民政厅'></head><body>"
        "<div class='info'>来源：本网 发布时间：2021-08-30</div>"
        "<div id='zoom'><p>各市民政局：现将有关事项通知如下，"
        "请认真贯彻执行，确保各项工作落到实处。</p>"
        "<div>打印本页 关闭窗口</div><p>【打印本页】【关闭窗口】</p>"
        "<div>分享到：微信 微博 QQ空间</div></div></body></html>"
    )
    data = extract_article(
        page,
        "http://mzt.shaanxi.gov.cn/a.html",
        selectors=ArticleSelectors(attribution=".info"),
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    text = text_of_html(data.body_html)
    assert text.startswith("各市民政局")
    for furniture in ("打印本页", "关闭窗口", "分享到", "微博"):
        assert furniture not in text
    assert data.origin == "陕西省民政厅"  # 来源：本网 → the SiteName meta
