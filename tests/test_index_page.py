"""The index page (regions × categories matrix, per-feed tables, autodiscovery) and the
/sources health page: pure renderers, then ``hub.site`` over a store filled from recorded
pages, then the web app's answers."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from hub import catalog, pipeline, site
from hub.config import Config, load_config
from hub.errors import PublishError
from hub.publish.index_html import (
    FeedCell,
    IndexRow,
    MatrixColumn,
    MatrixRow,
    RegionMatrix,
    render_index,
)
from hub.publish.sources_html import SourceRow, outcome_status, render_sources
from hub.runner import make_fetcher
from hub.serve import create_app
from hub.store import Store
from hub.types import FeedKey

CONFIG = Path(__file__).parent / "data" / "e2e-feeds.yaml"
NOW = datetime(2026, 4, 20, tzinfo=UTC)
BASE = "https://hub.example.org"
T = datetime(2022, 4, 27, 0, 0, tzinfo=UTC)  # 2022-04-27 08:00 Beijing


class Page(HTMLParser):
    """Collects what the tests look at: <link>s, anchors, elements with ids/classes."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, str | None]] = []
        self.anchors: list[dict[str, str | None]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "link":
            self.links.append(a)
        elif tag == "a":
            self.anchors.append(a)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def hrefs(self) -> set[str]:
        return {h for a in self.anchors if (h := a.get("href"))}

    def alternates(self) -> set[tuple[str | None, str | None]]:
        return {
            (ln.get("type"), ln.get("href")) for ln in self.links if ln.get("rel") == "alternate"
        }

    def count(self, tag: str) -> int:
        return sum(1 for t, _ in self.tags if t == tag)


def _matrix() -> RegionMatrix:
    cat = FeedCell("综合政务 — Hub", "/feeds/category/zonghe", 7, T)
    return RegionMatrix(
        columns=(
            MatrixColumn("卫生 <体育>", "Health & sports", None),
            MatrixColumn("综合政务", "General", cat),
        ),
        rows=(
            MatrixRow(
                name="甘肃省",
                name_en="Gansu",
                depth=0,
                province="620000",
                total=FeedCell("甘肃省 — Hub", "/feeds/region/gansu", 5, T),
                cells=(
                    None,
                    FeedCell("甘肃省 · 综合政务", "/feeds/region/gansu/category/zonghe", 5, T),
                ),
            ),
            MatrixRow(
                name="定西市",
                name_en="Dingxi",
                depth=1,
                province="620000",
                total=FeedCell("定西市 — Hub", "/feeds/region/dingxi", 5, None),
                cells=(
                    None,
                    FeedCell("定西市 · 综合政务", "/feeds/region/dingxi/category/zonghe", 5, None),
                ),
            ),
        ),
        total=FeedCell("全部 — Hub", "/feeds/all", 9, T),
    )


def test_matrix_cells_link_every_format_and_are_autodiscoverable() -> None:
    rows = [IndexRow("全部 All", "全部 — Hub", "/feeds/all", 9, T, "全部公告", "All")]
    body = render_index("Hub <&>", BASE, rows, matrix=_matrix(), sources_url=BASE + "/sources")
    assert body == render_index(
        "Hub <&>", BASE, rows, matrix=_matrix(), sources_url=BASE + "/sources"
    )
    text = body.decode("utf-8")
    page = Page(text)
    assert page.count("script") == 0 and "src=" not in text  # no scripts, no external resources
    assert not [ln for ln in page.links if ln.get("rel") == "stylesheet"]
    assert (
        "Hub &lt;&amp;&gt;" in text
        and "卫生 &lt;体育&gt;" in text
        and "Health &amp; sports" in text
    )
    assert page.count("table") == 2  # the matrix and the one group
    alternates = page.alternates()
    for path in (
        "/feeds/all",
        "/feeds/region/gansu",
        "/feeds/region/dingxi",
        "/feeds/category/zonghe",
        "/feeds/region/gansu/category/zonghe",
        "/feeds/region/dingxi/category/zonghe",
    ):
        assert ("application/atom+xml", f"{BASE}{path}.atom") in alternates
        for ext in ("atom", "rss", "json"):
            assert f"{BASE}{path}.{ext}" in page.hrefs()
    assert ("application/rss+xml", f"{BASE}/feeds/all.rss") in alternates
    assert ("application/feed+json", f"{BASE}/feeds/all.json") in alternates
    # the count links to the Atom feed; a missing region × category is a dash, not a link
    counts = [a for a in page.anchors if a.get("class") == "count"]
    assert counts[0]["href"] == f"{BASE}/feeds/region/gansu/category/zonghe.atom"
    assert text.count('<td class="none">—</td>') == 3  # 2 rows + the footer's category
    assert "2022-04-27 08:00" in text
    # one <tbody> per province; the prefecture is indented
    assert page.count("tbody") == 2  # the matrix's province + the group table
    assert '<th scope="row" class="d1">定西市' in text
    assert {BASE + "/opml.xml", BASE + "/sources", "#matrix", "#g1"} <= page.hrefs()


def test_index_without_matrix_or_sources_link() -> None:
    rows = [IndexRow("分类 Categories", "通知", "/feeds/category/n", 0, None)]
    text = render_index("Hub", BASE, rows).decode("utf-8")
    page = Page(text)
    assert page.count("table") == 1 and 'id="matrix"' not in text
    assert BASE + "/sources" not in text
    assert BASE + "/opml.xml" in page.hrefs()


def test_index_rejects_naive_times_and_ragged_rows() -> None:
    naive = [IndexRow("g", "t", "/feeds/all", 1, datetime(2022, 1, 1))]
    with pytest.raises(PublishError):
        render_index("Hub", BASE, naive)
    m = _matrix()
    ragged = dataclasses.replace(m, rows=(dataclasses.replace(m.rows[0], cells=(None,)),))
    with pytest.raises(PublishError):
        render_index("Hub", BASE, [], matrix=ragged)


def _source_row(**kw: object) -> SourceRow:
    base: dict[str, object] = {
        "id": "s1",
        "name": "某市 <通知>",
        "url": "https://www.example.gov.cn/a?b=1&c=2",
        "region": "甘肃省 · 定西市",
        "category": "综合政务 General",
        "enabled": True,
        "outcome": "ok",
        "detail": "20 items",
        "last_success": T,
        "next_poll": T,
        "entry_count": 20,
        "feed_path": "/feeds/source/s1",
    }
    base.update(kw)
    base["feed_path"] = f"/feeds/source/{base['id']}"
    return SourceRow(**base)  # type: ignore[arg-type]


def test_sources_page_render() -> None:
    rows = [
        _source_row(),
        _source_row(id="s2", outcome="http_error", detail="HTTP 404 <x>", failures=3),
        _source_row(id="s3", outcome="ok", enabled=False),
        _source_row(id="s4", outcome=None, last_success=None, next_poll=None),
        _source_row(id="s5", outcome="stale"),
    ]
    body = render_sources("Hub", BASE, rows)
    assert body == render_sources("Hub", BASE, rows)
    text = body.decode("utf-8")
    page = Page(text)
    assert text.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in text
    assert page.count("script") == 0 and "src=" not in text
    assert "某市 &lt;通知&gt;" in text and "HTTP 404 &lt;x&gt;" in text
    assert "https://www.example.gov.cn/a?b=1&amp;c=2" in text
    assert '<span class="o o-ok good">ok</span>' in text
    assert '<span class="o o-http_error bad">http_error</span>' in text
    assert '<span class="o o-disabled off">disabled</span>' in text
    assert '<span class="o o-not_polled warn">not_polled</span>' in text
    assert '<span class="o o-stale warn">stale</span>' in text
    assert '<tr id="src-s3" class="disabled">' in text
    assert "2022-04-27 08:00" in text and "待抓取" in text
    for ext in ("atom", "rss", "json"):
        assert f"{BASE}/feeds/source/s2.{ext}" in page.hrefs()
    assert BASE + "/" in page.hrefs()
    assert outcome_status(rows[2]) == ("disabled", "off")
    with pytest.raises(PublishError):
        render_sources("Hub", BASE, [_source_row(last_success=datetime(2022, 1, 1))])


# ------------------------------------------------------------------ over recorded pages


@pytest.fixture(scope="module")
def filled(
    tmp_path_factory: pytest.TempPathFactory, replay_dir: Path
) -> Iterator[tuple[Config, Store]]:
    config = load_config(CONFIG)
    sources = dict(config.sources)
    sources["broken-404"] = dataclasses.replace(sources["broken-404"], enabled=False)
    config = dataclasses.replace(config, sources=sources)
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('index') / 'hub.db'}")
    store.upgrade()
    with make_fetcher(config, str(replay_dir)) as fetcher:
        for sid in ("shanghai-wsjkw-yqtb", "chinanews-scroll", "dingxi-tzgg"):
            pipeline.poll_source(config, store, fetcher, sid, now=NOW)
    pipeline.publish(config, store, None, now=NOW)
    yield config, store
    store.close()


def test_index_document_over_recorded_pages(filled: tuple[Config, Store]) -> None:
    config, store = filled
    body = site.index_document(config, store)
    assert body == site.index_document(config, store)  # deterministic
    text = body.decode("utf-8")
    page = Page(text)
    base = config.settings.base_url
    # every feed: an Atom autodiscovery link and all three formats linked
    for key in catalog.all_feed_keys(config):
        path = catalog.feed_info(config, key).path
        assert ("application/atom+xml", f"{base}{path}.atom") in page.alternates(), path
        for ext in ("atom", "rss", "json"):
            assert f"{base}{path}.{ext}" in page.hrefs(), path
    assert {base + "/opml.xml", base + "/sources"} <= page.hrefs()
    assert "地区 × 分类" in text and "分类 Categories" in text and "来源 Sources" in text

    # matrix rows: regions with sources in tree order; 定西 indented inside 甘肃's tbody
    matrix = text[text.index('id="matrix"') : text.index("</section>")]
    order = [n for n in ("北京市", "上海市", "陕西省", "甘肃省", "定西市") if n in matrix]
    assert order == ["北京市", "上海市", "陕西省", "甘肃省", "定西市"]
    assert [matrix.index(n) for n in order] == sorted(matrix.index(n) for n in order)
    gansu_body = matrix[matrix.index("甘肃省") : matrix.index("</tbody>", matrix.index("甘肃省"))]
    assert 'class="d1">定西市' in gansu_body
    # a cell's count is the store's count of that region × category feed
    count, newest = store.feed_stats(FeedKey(kind="region_category", key="620000/zonghe-zhengwu"))
    assert count == 45 and newest is not None
    cell_href = f'href="{base}/feeds/region/gansu/category/zonghe-zhengwu.atom"'
    assert (
        f'{cell_href} type="application/atom+xml" title="甘肃省 · 综合政务 — 测试 Hub">45</a>'
        in (matrix)
    )
    assert "2026-04-20 08:00" in matrix  # Beijing time of the newest entry
    # the disabled source is marked on the index too
    assert "已停用 disabled" in text

    static = site.index_document(config, store, sources_link=False).decode("utf-8")
    assert base + "/sources" not in static


def test_sources_document_over_recorded_pages(filled: tuple[Config, Store]) -> None:
    config, store = filled
    text = site.sources_document(config, store).decode("utf-8")
    for sid in config.sources:
        assert f'<tr id="src-{sid}"' in text
    assert '<span class="o o-ok good">ok</span>' in text
    assert '<tr id="src-broken-404" class="disabled">' in text
    assert "甘肃省 · 定西市" in text and "综合政务 General government affairs" in text
    assert f"{config.settings.base_url}/feeds/source/dingxi-tzgg.atom" in text


def test_served_pages(filled: tuple[Config, Store]) -> None:
    config, store = filled
    with TestClient(create_app(config, store)) as client:
        for path in ("/", "/sources"):
            r = client.get(path)
            assert r.status_code == 200
            assert r.headers["content-type"] == "text/html; charset=utf-8"
            again = client.get(path, headers={"If-None-Match": r.headers["etag"]})
            assert again.status_code == 304
        assert "来源状态" in client.get("/sources").text
