"""The shipped feeds.yaml: every enabled list source's selectors fit its recorded page.

For each enabled ``html`` source whose URL is in the replay set
(``../shared/corpus/replay/responses.jsonl``), the recorded body is decoded and parsed with
the source's own ``list:`` selectors, and the result is pinned: the item count and the first
item (title, link, date) were read off the page by hand. ``now`` is a day or so after each
page's capture, because several pages show year-less dates (``10-19``, ``10.11``).

The YAML is read with PyYAML directly so these checks do not depend on ``hub.config``;
``test_load_config_accepts_feeds_yaml`` checks the file against the real loader too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.encoding import decode_body
from hub.parse.listing import parse_listing
from hub.types import ListSelectors

ROOT = Path(__file__).resolve().parents[1]
FEEDS_YAML = ROOT / "feeds.yaml"

#: a full date inside a title means the date leaked into it (cnta puts it in the anchor)
_DATE_IN_TITLE = re.compile(r"(?:19|20)\d{2}\s*[-/.]\s*\d{1,2}\s*[-/.]")
#: a year-less MM.DD / MM-DD left at the end of a title (cnta landing: "…<span>10.11</span>")
_TRAILING_SHORT_DATE = re.compile(r"\b\d{2}[.-]\d{2}$")


@dataclass(frozen=True, slots=True)
class Expect:
    now: datetime  # shortly after the page was captured
    count: int
    title: str
    link: str
    published: date


def _now(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 4, 0, tzinfo=UTC)


#: source id -> what its recorded page yields. Every enabled html source whose URL is in the
#: replay set must have an entry (test_every_replayed_list_source_is_pinned).
EXPECTED: dict[str, Expect] = {
    "shanghai-wsjkw-yqtb": Expect(
        now=_now(2022, 4, 28),
        count=20,
        title="4月26日（0-24时）本市各区确诊病例、无症状感染者居住地信息",
        link="https://mp.weixin.qq.com/s/SIuDbITNdgWwYyM3eiyrgg",
        published=date(2022, 4, 27),
    ),
    "yichun-zwyw": Expect(
        now=_now(2017, 10, 15),
        count=20,
        title="我市在广州举行生态招商推介会",
        link="http://www.yichun.gov.cn/zwgk/zwdt/zwyw/201710/t20171015_521060.html",
        published=date(2017, 10, 14),  # the URL says 20171015; the list date wins
    ),
    "yichun-xsqdt": Expect(
        now=_now(2017, 10, 20),
        count=20,
        title="樟树第48届全国药材药品交易会开幕",
        link="http://www.yichun.gov.cn/zwgk/zwdt/xsqdt/201710/t20171019_521639.html",
        published=date(2017, 10, 19),
    ),
    "yuanzhou-zwyw": Expect(
        now=_now(2017, 10, 21),
        count=25,
        title="袁州区财政局掀起学习贯彻省、市、区有关文件精神热潮",
        link="http://www.yzq.gov.cn/zwgk/zwdt/zwyw/201710/t20171020_398361.html",
        published=date(2017, 10, 20),
    ),
    "wanzai-wzyw": Expect(
        now=_now(2017, 10, 14),
        count=20,
        title="万载县发布禁火令",
        link="http://www.wanzai.gov.cn/news-show-8960.html",
        published=date(2017, 10, 13),
    ),
    "fengcheng-fcxw": Expect(
        now=_now(2017, 10, 14),
        count=21,
        title="胡江萍调研我市重点交通工程项目推进情况",
        link="http://www.jxfc.gov.cn/n3/n13/c672769/content.html",
        published=date(2017, 10, 13),
    ),
    "zhangshu-zhxx": Expect(
        now=_now(2017, 10, 20),
        count=24,
        title="江西（樟树）医药产业招商引资推介会举行",
        link="http://www.zhangshu.gov.cn/zwgk/zhxx/201710/t20171019_398276.html",
        published=date(2017, 10, 19),  # shown as year-less "10-19"
    ),
    "jingan-zwyw": Expect(
        now=_now(2017, 10, 21),
        count=20,
        title="我县保障性住房公开摇号、405户中低收入家庭喜圆住房梦",
        link="http://www.jxjaxzf.gov.cn/Item/24067.aspx",
        published=date(2017, 10, 20),
    ),
    "jxta-dsdt": Expect(
        now=_now(2017, 10, 6),
        count=15,
        title="铜鼓“四升级”舞活生态经济龙头",
        link="http://www.jxta.gov.cn/News.shtml?p5=530558",
        published=date(2017, 10, 5),
    ),
    "jxta-lykb": Expect(
        now=_now(2017, 10, 7),
        count=15,
        title="故宫首设旅游综合执法站 游客可在此咨询投诉",
        link="http://www.jxta.gov.cn/News.shtml?p5=530937",
        published=date(2017, 10, 6),
    ),
    "dingxi-tzgg": Expect(
        now=_now(2022, 1, 21),
        count=45,
        title="定西市“春节”文明祭祀倡议书",
        link="http://zwgk.dingxi.gov.cn/art/2022/1/20/art_12377_1486865.html",
        published=date(2022, 1, 20),
    ),
    # The landing page shows dates up to 10.15 (市场推广 block), so it was captured on or
    # after 2017-10-15 whatever its manifest line says; an earlier `now` would push
    # 10.14/10.15 back to 2016.
    "cnta-zdgz": Expect(
        now=_now(2017, 10, 16),
        count=108,  # 18 in 全域旅游 (two columns) + 9 × 10; 供给侧改革 dates precede links
        title="从小县城到“大景区”：浙江桐庐...",  # cut by the site; the article has the rest
        link="http://www.cnta.gov.cn/zdgz/qyly/201710/t20171010_842040.shtml",
        published=date(2017, 10, 11),  # shown as year-less "10.11"
    ),
    "cnta-zdgz-sctg": Expect(
        now=_now(2017, 10, 16),
        count=20,
        title="区域品牌化 浙江绍兴美丽乡村成“旅游胜地”",
        link="http://www.cnta.gov.cn/zdgz/sctg/201710/t20171013_842393.shtml",
        published=date(2017, 10, 14),
    ),
    "cnta-zdgz-ws": Expect(
        now=_now(2017, 10, 6),
        count=20,
        title="黄金周，将文明旅游进行到底",
        link="http://www.cnta.gov.cn/zdgz/ws/201710/t20171002_841330.shtml",
        published=date(2017, 10, 5),
    ),
    "cnta-zdgz-lyrc": Expect(
        now=_now(2017, 10, 13),
        count=20,
        title="导游云课堂研修培训",  # pinned off-site row, older than the rest
        link="http://www.zgdaoyou.com/",
        published=date(2016, 11, 9),
    ),
    "people-rmrb-01": Expect(
        now=_now(2017, 10, 16),
        count=5,
        title="《习近平关于社会主义文化建设论述摘编》出版发行",
        link="http://paper.people.com.cn/rmrb/html/2017-10/16/nw.D110000renmrb_20171016_1-01.htm",
        published=date(2017, 10, 16),  # from the link: no date next to the items
    ),
}

#: replay URLs that are government list pages or state-media feeds but deliberately not a
#: source URL: an older snapshot of the yzq column (the source uses the URL without
#: index.html).
_NOT_A_SOURCE = {"http://www.yzq.gov.cn/zwgk/zwdt/zwyw/index.html"}


def _sources() -> list[dict[str, Any]]:
    data = yaml.safe_load(FEEDS_YAML.read_text(encoding="utf-8"))
    return list(data["sources"])


def _enabled(kind: str | tuple[str, ...]) -> list[dict[str, Any]]:
    kinds = (kind,) if isinstance(kind, str) else kind
    return [s for s in _sources() if s.get("enabled", True) and s["kind"] in kinds]


def _replay(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    path = corpus_dir / "replay" / "responses.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return {record["url"]: record for record in records}


def _selectors(source: dict[str, Any]) -> ListSelectors:
    given = {k: v for k, v in source["list"].items() if v is not None}
    return ListSelectors(**given)


def _recorded_text(corpus_dir: Path, record: dict[str, Any]) -> str:
    body = (corpus_dir / "replay" / record["body"]).read_bytes()
    headers = {k.lower(): v for k, v in record.get("headers", {}).items()}
    text, _codec = decode_body(body, headers.get("content-type"))
    return text


# --------------------------------------------------------------------------- the file itself


def test_feeds_yaml_shape() -> None:
    data = yaml.safe_load(FEEDS_YAML.read_text(encoding="utf-8"))
    assert set(data) == {"hub", "categories", "sources"}
    slugs = [c["slug"] for c in data["categories"]]
    assert len(slugs) == 22 == len(set(slugs))
    assert {"zonghe-zhengwu", "shangmao-lvyou", "weisheng-tiyu", "minzheng", "qita"} <= set(slugs)
    ids = [s["id"] for s in data["sources"]]
    assert len(ids) == len(set(ids))
    for source in data["sources"]:
        assert source["category"] in slugs, source["id"]
        assert source["kind"] in ("rss", "atom", "html"), source["id"]
        assert ("list" in source) == (source["kind"] == "html"), source["id"]
        assert source.get("site_name"), source["id"]


def test_load_config_accepts_feeds_yaml() -> None:
    from hub.config import load_config

    config = load_config(FEEDS_YAML)
    assert len(config.categories) == 22
    sources = config.sources
    assert set(EXPECTED) <= set(sources)
    assert sources["cnta-zdgz"].region == "100000"
    assert sources["zhangshu-zhxx"].region == "360982"
    assert sources["people-rmrb-01"].list is not None
    assert all(3600 <= s.interval <= 6 * 3600 for s in sources.values())
    assert not sources["shaanxi-mzt-bmcx"].enabled


# --------------------------------------------------------------------------- against the corpus


def test_every_replayed_list_source_is_pinned(corpus_dir: Path) -> None:
    replay = _replay(corpus_dir)
    replayed = {s["id"] for s in _enabled("html") if s["url"] in replay}
    assert replayed == set(EXPECTED)
    assert not {s["url"] for s in _sources()} & _NOT_A_SOURCE


def test_enabled_feed_sources_are_replayed(corpus_dir: Path) -> None:
    replay = _replay(corpus_dir)
    feeds = _enabled(("rss", "atom"))
    assert {s["id"] for s in feeds} == {"chinanews-scroll", "people-auto"}
    for source in feeds:
        assert source["url"] in replay, source["id"]


@pytest.mark.parametrize("source_id", sorted(EXPECTED))
def test_list_selectors_fit_recorded_page(corpus_dir: Path, source_id: str) -> None:
    expect = EXPECTED[source_id]
    source = next(s for s in _enabled("html") if s["id"] == source_id)
    record = _replay(corpus_dir)[source["url"]]
    text = _recorded_text(corpus_dir, record)

    items = parse_listing(text, source["url"], _selectors(source), now=expect.now)

    assert len(items) == expect.count
    first = items[0]
    assert first.title == expect.title
    assert first.link == expect.link
    assert first.published is not None
    assert first.published.date() == expect.published
    for item in items:
        assert item.title, item
        assert not _DATE_IN_TITLE.search(item.title), item.title
        assert not _TRAILING_SHORT_DATE.search(item.title), item.title
        assert "document.write" not in item.title, item.title
        assert item.link.startswith(("http://", "https://")), item.link
        assert item.published is not None, item.link
        # no date later than the capture, none absurdly old
        assert datetime(2015, 1, 1, tzinfo=UTC) <= item.published <= expect.now, item
    assert len({item.link for item in items}) == len(items)
