"""List-page parsing on recorded real pages: CMS patterns and year-less dates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hub.encoding import decode_body
from hub.parse.listing import parse_listing
from hub.timeutil import SHANGHAI
from hub.types import ListSelectors


def _page(corpus_dir: Path, name: str) -> str:
    text, _ = decode_body((corpus_dir / "upstream-html" / name).read_bytes(), "text/html")
    return text


def test_js_only_titles_from_default_selectors(corpus_dir: Path) -> None:
    url = "http://paper.people.com.cn/rmrb/html/2017-10/16/nbs.D110000renmrb_01.htm"
    items = parse_listing(
        _page(corpus_dir, "people-paper__list__1.html"),
        url,
        ListSelectors(item="#titleList li"),
        now=datetime(2017, 10, 16, tzinfo=UTC),
    )
    assert len(items) == 5
    assert all("document.write" not in i.title and i.title for i in items)
    assert (
        items[0].link
        == "http://paper.people.com.cn/rmrb/html/2017-10/16/nw.D110000renmrb_20171016_1-01.htm"
    )


def test_yearless_dates_take_the_year_of_the_link(corpus_dir: Path) -> None:
    items = parse_listing(
        _page(corpus_dir, "zhangshu-gov__list__1.html"),
        "http://www.zhangshu.gov.cn/zwgk/zhxx/",
        ListSelectors(
            item='td[height="600"] > table > tr',
            title="a span.STYLE25::text",
            date="span.STYLE12::text",
        ),
        now=datetime(2026, 11, 29, tzinfo=UTC),  # polled years later
    )
    assert len(items) == 24
    first = items[0]
    assert first.published is not None
    assert first.published.astimezone(SHANGHAI).date().isoformat() == "2017-10-19"
    assert {i.published.year for i in items if i.published} == {2017}


def test_hanweb_datastore_records_are_unwrapped(corpus_dir: Path) -> None:
    body = (corpus_dir / "upstream-api" / "dingxi-gov__hanweb-datastore__1.xml").read_bytes()
    text, _ = decode_body(body, "text/html")
    items = parse_listing(
        text,
        "http://zwgk.dingxi.gov.cn/col/col12377/index.html",
        ListSelectors(item="div.hanweb-records li", date="b::text"),
        now=datetime(2022, 2, 1, tzinfo=UTC),
    )
    assert len(items) == 45
    assert items[0].link == "http://zwgk.dingxi.gov.cn/art/2022/1/20/art_12377_1486865.html"
    assert not items[0].title.endswith("...")  # the full title= attribute


def test_non_government_lists_structure(corpus_dir: Path) -> None:
    """The three non-government lists kept for structure: values read off the pages."""
    now = datetime(2020, 7, 10, tzinfo=UTC)
    dfa = parse_listing(
        _page(corpus_dir, "dfa66-nongov__list__1.html"),
        "https://www.dfa66.com/dfaets/news/infodisclosure/announcement/index.html",
        ListSelectors(item="li.clearfix", date="span.t::text"),
        now=now,
    )
    assert len(dfa) == 10
    assert dfa[2].title == (
        "关于新增申万宏源证券有限公司和申万宏源西部证券有限公司为"
        "东方阿尔法优势产业混合型发起式证券投资基金基金销售机构的公告"
    )  # the full title= attribute, not the text cut with "..."
    assert dfa[0].link == (
        "https://www.dfa66.com/dfaets/contents/2020/7/2-b51327b18dff4d8aa163774fcd9240e6.html"
    )
    assert dfa[1].published is not None
    assert dfa[1].published.astimezone(SHANGHAI).date().isoformat() == "2020-06-29"

    rt = parse_listing(
        _page(corpus_dir, "rtfund-nongov__list__1.html"),
        "http://www.rtfund.com/main/gyrt/xxpl/index.shtml",
        ListSelectors(item="#expertList1 li", date="span::text"),
        now=now,
    )
    assert rt[0].link == "http://www.rtfund.com/main/a/20200709/12323944.shtml"
    assert rt[0].title.startswith("融通关于旗下部分开放式基金新增华瑞保险销售有限公司")
    assert rt[0].published is not None
    assert rt[0].published.astimezone(SHANGHAI).date().isoformat() == "2020-07-09"

    ga = parse_listing(
        _page(corpus_dir, "gaxww-nongov__list__1.html"),
        "http://www.gaxww.com/hot/index.shtml",
        ListSelectors(item="div.newsmb", link="dt a::attr(href)", title="dt a::attr(title)",
                      date="dd::text"),
        now=datetime(2017, 10, 20, tzinfo=UTC),
    )  # fmt: skip
    assert len(ga) == 12
    assert ga[0].title == "【时政】①宜春市政协到我市视察河长制工作"
    assert ga[0].published is not None
    assert ga[0].published.astimezone(SHANGHAI).date().isoformat() == "2017-10-19"


def test_yearless_dates_without_link_dates_follow_the_page(corpus_dir: Path) -> None:
    items = parse_listing(
        _page(corpus_dir, "cnta-gov__list__1.html"),
        "http://www.cnta.gov.cn/zdgz/",
        ListSelectors(item='//li[a/span[@class="time"]]', title="a::text", date="span.time::text"),
        now=datetime(2026, 11, 29, tzinfo=UTC),  # polled years after capture
    )
    years = {i.published.year for i in items if i.published}
    assert years <= {2016, 2017}, years
    by_title = {i.title: i for i in items}
    pdf = next(i for i in items if i.link.endswith(".pdf"))
    assert pdf.published is not None and pdf.published.year == 2017
    assert any(t.startswith("国企改革") for t in by_title)
