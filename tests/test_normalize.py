"""normalize_item, identity and sanitize: right values on real shapes, and hypothesis
properties (never raises, no control characters, stable guids, idempotent clean-up)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.identity import canonical_url, entry_guid
from hub.normalize import normalize_item
from hub.sanitize import clean_text, sanitize_html, strip_control
from hub.timeutil import SHANGHAI
from hub.types import ArticleData, ListSelectors, RawItem, Source

NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)
SOURCE = Source(
    id="mzt-shaanxi",
    name="陕西省民政厅 通知公告",
    url="http://mzt.shaanxi.gov.cn/bs/bmcx/",
    kind="html",
    region="610000",
    category="minzheng",
    site_name="陕西省民政厅",
    list=ListSelectors(item="li"),
)
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def test_seed_attribution_line_end_to_end() -> None:
    from hub.parse.article import extract_article

    page = (
        "<html><head><title>关于做好2021年秋冬季救助工作的通知</title></head><body>"
        "<h1>关于做好2021年秋冬季救助工作的通知</h1>"
        "<div class='info'>来源:陕西省民政厅 作者:佚名时间:2021-08-30</div>"
        "<div class='content'><p>各市民政局：现将有关事项通知如下。</p>"
        "<p><a href='./P020210830.pdf'>附件：名单.pdf</a></p></div></body></html>"
    )
    link = "http://republisher.example.cn/news/2021/0830/1.html"
    article = extract_article(page, link, now=NOW)
    raw = RawItem(title="关于做好2021年秋冬季救助工作的通知", link=link)
    repub = Source(
        id="minsheng-zixun",
        name="民生资讯网",
        url="http://republisher.example.cn/news/",
        kind="html",
        region="610000",
        category="minzheng",
        list=ListSelectors(item="li"),
    )
    entry = normalize_item(raw, repub, article, now=NOW)
    assert entry.origin == "陕西省民政厅"
    assert entry.author is None  # 佚名 is no personal author
    assert entry.source_id == "minsheng-zixun"  # origin kept apart from the polled source
    assert entry.date_only is True
    assert entry.published.astimezone(SHANGHAI) == datetime(2021, 8, 30, tzinfo=SHANGHAI)
    assert entry.enclosures and entry.enclosures[0].url.endswith("/P020210830.pdf")


def test_list_data_only_is_marked_and_dated_from_url() -> None:
    raw = RawItem(
        title=" 关于\u3000开展 工作的通知 ",
        link="http://mzt.shaanxi.gov.cn/bs/bmcx/201711/t20171107_2703806.html",
    )
    entry = normalize_item(raw, SOURCE, None, now=NOW)
    assert entry.title == "关于 开展 工作的通知"
    assert entry.article_missing is True
    assert entry.origin == "陕西省民政厅"  # the department's own column
    assert entry.published.astimezone(SHANGHAI).date().isoformat() == "2017-11-07"
    assert entry.date_only is True


def test_future_dates_are_clamped(caplog: pytest.LogCaptureFixture) -> None:
    raw = RawItem(
        title="t",
        link="http://a.gov.cn/x.html",
        published=datetime(2030, 1, 1, tzinfo=UTC),
    )
    with caplog.at_level("WARNING", logger="hub.normalize"):
        assert normalize_item(raw, SOURCE, None, now=NOW).published == NOW
    assert "dated in the future; clamped" in caplog.text


def test_truncated_list_title_takes_the_article_title() -> None:
    raw = RawItem(title="关于印发《定西市2022年...", link="http://a.gov.cn/x.html")
    article = ArticleData(title="关于印发《定西市2022年重点工作》的通知")
    assert (
        normalize_item(raw, SOURCE, article, now=NOW).title
        == "关于印发《定西市2022年重点工作》的通知"
    )


def test_canonical_url_folds_scheme_index_fragment_tracking() -> None:
    a = canonical_url("https://WWW.Gov.cn:443/zhengce/index.html?utm_source=x&b=2&a=1#top")
    b = canonical_url("http://www.gov.cn/zhengce/?a=1&b=2&spm=zm1066")
    assert a == b == "http://www.gov.cn/zhengce/?a=1&b=2"
    assert canonical_url("http://a.gov.cn:8080/x;jsessionid=ABC") == "http://a.gov.cn:8080/x"


def test_guid_fallbacks() -> None:
    assert (
        entry_guid(link="https://a.gov.cn/1.html", upstream_guid="g", source_id="s", title="t")
        == "http://a.gov.cn/1.html"
    )
    assert entry_guid(link=None, upstream_guid="g1", source_id="s", title="t") == "urn:hub:s:g1"
    assert entry_guid(link=None, upstream_guid=None, source_id="s", title="t").startswith(
        "urn:hub:s:sha256:"
    )


def test_sanitize_absolutizes_and_strips() -> None:
    html = (
        '<p style="x" onclick="evil()">正文<script>alert(1)</script>'
        '<a href="./2024/a.html">链接</a><img src="../img/a.png"></p>\x07'
    )
    out = sanitize_html(html, "http://a.gov.cn/col/list/index.html")
    assert "script" not in out and "onclick" not in out and "\x07" not in out
    assert 'href="http://a.gov.cn/col/list/2024/a.html"' in out
    assert 'src="http://a.gov.cn/col/img/a.png"' in out


@given(st.text())
def test_clean_text_is_idempotent_and_clean(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
    assert not CONTROL.search(once)
    assert once == once.strip()


@given(st.text(), st.text())
def test_sanitize_never_raises_and_has_no_controls(html: str, path: str) -> None:
    out = sanitize_html(html, "http://a.gov.cn/" + path.replace("\x00", ""))
    assert not CONTROL.search(out)
    assert sanitize_html(out, "http://a.gov.cn/") == sanitize_html(out, "http://a.gov.cn/")


@given(
    title=st.text(),
    body=st.text(),
    origin=st.one_of(st.none(), st.text()),
    author=st.one_of(st.none(), st.text()),
)
def test_normalize_never_raises_and_is_stable(
    title: str, body: str, origin: str | None, author: str | None
) -> None:
    raw = RawItem(
        title=title,
        link="http://a.gov.cn/2021/0830/1.html",
        content_html=body,
        origin=origin,
        author=author,
    )
    first = normalize_item(raw, SOURCE, None, now=NOW)
    again = normalize_item(raw, SOURCE, None, now=NOW)
    assert first == again  # same input, same entry, same guid and hash
    for value in (
        first.title,
        first.content_html,
        first.summary,
        first.origin or "",
        first.author or "",
    ):
        assert not CONTROL.search(value)
    assert first.published.tzinfo is not None
    assert strip_control(first.title) == first.title


def test_bidi_overrides_are_removed_from_one_line_fields() -> None:
    assert clean_text("通知\u202e反转\u2066x\u2069") == "通知反转x"
    assert clean_text("a\u200fb") == "a\u200fb"  # a plain RTL mark stays


def test_usual_cadence() -> None:
    from datetime import timedelta

    from hub.schedule import usual_cadence

    day = datetime(2021, 8, 1, tzinfo=UTC)
    weekly = [day + timedelta(days=7 * i) for i in range(6)]
    assert usual_cadence(weekly, 3600) == timedelta(days=7)
    assert usual_cadence(weekly[:2], 3600) == timedelta(hours=1)  # too few: the interval
    hourly_polls_of_a_busy_feed = [day + timedelta(minutes=5 * i) for i in range(10)]
    assert usual_cadence(hourly_polls_of_a_busy_feed, 3600) == timedelta(hours=1)
