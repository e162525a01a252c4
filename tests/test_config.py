"""hub.config: feeds.yaml loading, defaults, and file:line:key problem reports."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.config import Config, config_path_from_env, load_config, parse_config
from hub.errors import ConfigError, ConfigProblem
from hub.types import ArticleSelectors, ListSelectors

HUB = """\
hub:
  contact_url: https://github.com/example/gov-feed-hub
"""

VALID = """\
hub:
  title: 测试 Hub
  base_url: https://feeds.example.org/hub/
  timezone: Asia/Shanghai
  contact_url: https://github.com/example/gov-feed-hub
  feed_limit: 100
  websub_hub: null
  fetch:
    connect_timeout: 5
    read_timeout: 20
    max_body_bytes: 1000000
    host_delay: 2.5
    respect_robots: false
    allow_addresses: [127.0.0.1, 10.0.0.0/8, localhost]
categories:
  - {slug: minzheng, name: 民政、扶贫、救灾, name_en: "Civil affairs, poverty relief"}
  - slug: weisheng
    name: 卫生、体育
    name_en: Health, sports
sources:
  - id: shaanxi-mzt-tzgg
    name: 陕西省民政厅 通知公告
    url: http://mzt.shaanxi.gov.cn/mzt/tzgg/list.html
    kind: html
    region: shaanxi
    category: minzheng
    interval: 2h
    site_name: 陕西省民政厅
    list:
      item: "ul.list li"
      date: "span::text"
    article:
      body: "div.content"
      attribution: "//div[@class='info']"
  - id: baoji-wjw
    name: 宝鸡市卫健委
    url: https://wjw.baoji.gov.cn/rss.xml
    kind: rss
    region: 610300
    category: weisheng
    interval: 600
    enabled: false
"""


def write(tmp_path: Path, text: str, name: str = "feeds.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(text: str, name: str = "feeds.yaml") -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(textwrap.dedent(text), name)
    assert all(isinstance(p, ConfigProblem) for p in info.value.problems)
    assert str(info.value) == "\n".join(str(p) for p in info.value.problems)
    return [str(p) for p in info.value.problems]


def one_source(body: str, *, kind: str = "html") -> str:
    """A config whose only source has ``body`` (indented source keys) added; line 6 = id."""
    head = HUB + "categories:\n  - {slug: c, name: 类, name_en: C}\nsources:\n"
    base = f"  - id: s\n    name: S\n    url: http://a.gov.cn/\n    kind: {kind}\n"
    base += "    region: '610000'\n    category: c\n"
    return head + base + textwrap.indent(textwrap.dedent(body), "    ")


# ---------------------------------------------------------------------------- valid


def test_valid_config_loads(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    config = load_config(path)
    assert isinstance(config, Config)
    assert config.path == str(path)
    hub = config.settings
    assert hub.title == "测试 Hub"
    assert hub.base_url == "https://feeds.example.org/hub"
    assert hub.feed_limit == 100
    assert hub.language == "zh-CN"
    assert hub.stale_after_intervals == 10
    assert hub.fetch.connect_timeout_s == 5.0
    assert hub.fetch.read_timeout_s == 20.0
    assert hub.fetch.max_body_bytes == 1_000_000
    assert hub.fetch.host_delay_s == 2.5
    assert hub.fetch.respect_robots is False
    assert hub.fetch.allow_addresses == ("127.0.0.1", "10.0.0.0/8", "localhost")
    assert hub.fetch.user_agent.startswith("gov-feed-hub/")
    assert hub.fetch.user_agent.endswith(" (+https://github.com/example/gov-feed-hub)")

    assert list(config.categories) == ["minzheng", "weisheng"]
    assert config.categories["weisheng"].name_en == "Health, sports"
    assert list(config.sources) == ["shaanxi-mzt-tzgg", "baoji-wjw"]

    html = config.sources["shaanxi-mzt-tzgg"]
    assert html.region == "610000"  # slug → code
    assert html.interval == 7200  # "2h"
    assert html.kind == "html"
    assert html.site_name == "陕西省民政厅"
    assert html.list == ListSelectors(item="ul.list li", date="span::text")
    assert html.list.title == "a::attr(title), a::text"  # default
    assert html.list.link == "a::attr(href)"  # default
    assert html.article == ArticleSelectors(body="div.content", attribution="//div[@class='info']")
    assert html.fetch_articles is True and html.enabled is True

    rss = config.sources["baoji-wjw"]
    assert rss.region == "610300"  # an int code from YAML
    assert rss.interval == 600
    assert rss.list is None and rss.article is None
    assert rss.enabled is False
    assert config.regions.by_code(rss.region).name == "宝鸡市"


def test_minimal_config_defaults() -> None:
    config = parse_config(HUB)
    hub = config.settings
    assert hub.title == "政府公告聚合 Gov Announcements Hub"
    assert hub.base_url == "http://127.0.0.1:8000"
    assert hub.timezone == "Asia/Shanghai"
    assert hub.feed_limit == 50
    assert hub.websub_hub is None
    assert hub.fetch.connect_timeout_s == 10.0
    assert hub.fetch.max_body_bytes == 5_000_000
    assert hub.fetch.allow_addresses == ()
    assert config.sources == {} and config.categories == {}


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("3600", 3600), ("90s", 90), ("30m", 1800), ("2h", 7200), ("1d", 86400), ("60", 60)],
)
def test_interval_forms(value: str, seconds: int) -> None:
    config = parse_config(one_source(f"interval: '{value}'\n", kind="rss"))
    assert config.sources["s"].interval == seconds


def test_list_selector_overrides() -> None:
    text = one_source("list:\n  item: '//li'\n  title: 'a::text'\n  link: 'a::attr(data-href)'\n")
    selectors = parse_config(text).sources["s"].list
    assert selectors == ListSelectors(item="//li", title="a::text", link="a::attr(data-href)")


# ---------------------------------------------------------------------------- problems


def test_unknown_key_points_at_the_key() -> None:
    assert problems(one_source("list: {item: li}\nintervall: 60\n")) == [
        "feeds.yaml:13: sources[0].intervall: unknown key 'intervall'"
    ]


def test_unknown_top_level_and_hub_keys() -> None:
    text = HUB + "  titel: x\nsourcs: []\n"
    assert problems(text) == [
        "feeds.yaml:3: hub.titel: unknown key 'titel'",
        "feeds.yaml:4: sourcs: unknown key 'sourcs'",
    ]


def test_unknown_region() -> None:
    text = one_source("list: {item: li}\n").replace("'610000'", "shanxii")
    assert problems(text) == ["feeds.yaml:10: sources[0].region: unknown region 'shanxii'"]


def test_unknown_region_code() -> None:
    text = one_source("list: {item: li}\n").replace("'610000'", "'610399'")
    assert problems(text) == ["feeds.yaml:10: sources[0].region: unknown region '610399'"]


def test_unknown_category() -> None:
    text = one_source("list: {item: li}\n").replace("category: c", "category: d")
    assert problems(text) == ["feeds.yaml:11: sources[0].category: unknown category 'd'"]


def test_bad_url_and_kind() -> None:
    text = one_source("list: {item: li}\n").replace("http://a.gov.cn/", "mzt.gov.cn/x")
    text = text.replace("kind: html", "kind: json")
    assert problems(text) == [
        "feeds.yaml:8: sources[0].url: not an absolute http(s) URL",
        "feeds.yaml:9: sources[0].kind: must be 'rss', 'atom' or 'html'",
    ]


def test_broken_selectors_name_their_key() -> None:
    text = one_source("list:\n  item: 'ul li['\n  date: '//span['\narticle:\n  body: 'div::nope'\n")
    got = problems(text)
    assert [p.split(": ")[0:2] for p in got] == [
        ["feeds.yaml:13", "sources[0].list.item"],
        ["feeds.yaml:14", "sources[0].list.date"],
        ["feeds.yaml:16", "sources[0].article.body"],
    ]
    assert got[0].endswith("invalid CSS selector: Expected ident or '*', got <EOF at 6>")
    assert "invalid XPath selector" in got[1]


def test_list_required_for_html_and_forbidden_for_feeds() -> None:
    assert problems(one_source("")) == ["feeds.yaml:6: sources[0].list: required for kind html"]
    assert problems(one_source("list: {item: li}\n", kind="rss")) == [
        "feeds.yaml:12: sources[0].list: only allowed for kind html, not rss"
    ]
    assert problems(one_source("article: {body: div}\n", kind="atom")) == [
        "feeds.yaml:12: sources[0].article: only allowed for kind html, not atom"
    ]


def test_missing_required_fields_point_at_the_item() -> None:
    text = HUB + "sources:\n  - id: x\n    kind: rss\n"
    assert problems(text) == [
        "feeds.yaml:4: sources[0].category: required",
        "feeds.yaml:4: sources[0].name: required",
        "feeds.yaml:4: sources[0].region: required",
        "feeds.yaml:4: sources[0].url: required",
    ]


def test_missing_hub_and_contact() -> None:
    assert problems("sources: []\n") == ["feeds.yaml:1: hub: required"]
    assert problems("hub: {title: x}\n") == ["feeds.yaml:1: hub.contact_url: required"]


def test_duplicate_source_id_points_at_second() -> None:
    source = "  - {id: dup, name: A, url: 'http://a/', kind: rss, region: beijing, category: c}\n"
    text = HUB + "categories: [{slug: c, name: 类, name_en: C}]\nsources:\n" + source * 3
    assert problems(text) == [
        "feeds.yaml:6: sources[1].id: duplicate source id 'dup' (first at line 5)",
        "feeds.yaml:7: sources[2].id: duplicate source id 'dup' (first at line 5)",
    ]


def test_duplicate_category_slug() -> None:
    text = (
        HUB
        + "categories:\n  - {slug: c, name: A, name_en: A}\n  - {slug: c, name: B, name_en: B}\n"
    )
    assert problems(text) == [
        "feeds.yaml:5: categories[1].slug: duplicate category slug 'c' (first at line 4)"
    ]


def test_duplicate_yaml_key() -> None:
    text = HUB + "  title: a\n  title: b\n"
    assert problems(text) == ["feeds.yaml:4: hub.title: duplicate key 'title' (first at line 3)"]


def test_bad_ids_and_slugs() -> None:
    text = HUB + "categories: [{slug: Bad Slug, name: x, name_en: x}]\n"
    assert problems(text) == [
        "feeds.yaml:3: categories[0].slug: not a valid category slug "
        "(lowercase letters, digits and '-')"
    ]
    text = one_source("list: {item: li}\n").replace("id: s", "id: -s")
    assert problems(text)[0].startswith("feeds.yaml:6: sources[0].id: not a valid source id")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("  base_url: /relative", "hub.base_url: not an absolute http(s) URL"),
        ("  base_url: http://a/?q=1", "hub.base_url: must not have a query or fragment"),
        ("  timezone: Mars/Olympus", "hub.timezone: unknown time zone 'Mars/Olympus'"),
        ("  feed_limit: 0", "hub.feed_limit: must be at least 1"),
        ("  feed_limit: 501", "hub.feed_limit: must be at most 500"),
        ("  feed_limit: many", "hub.feed_limit: must be an integer"),
        ("  websub_hub: hub", "hub.websub_hub: not an absolute http(s) URL"),
        ("  fetch: {read_timeout: 0}", "hub.fetch.read_timeout: must be greater than 0"),
        ("  fetch: {respect_robots: maybe}", "hub.fetch.respect_robots: must be true or false"),
        ("  fetch: []", "hub.fetch: must be a mapping"),
    ],
)
def test_hub_settings_problems(line: str, message: str) -> None:
    assert problems(HUB + line + "\n") == [f"feeds.yaml:3: {message}"]


def test_bad_allow_address() -> None:
    text = HUB + "  fetch:\n    allow_addresses: ['127.0.0.1', 'not a host!']\n"
    assert problems(text) == [
        "feeds.yaml:4: hub.fetch.allow_addresses: 'not a host!' is not an IP address,"
        " network or host name"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("30", "must be at least 60 seconds"),
        ("'5m5'", "must be a number of seconds or like 30m, 2h, 1d"),
        ("true", "must be a number of seconds or like 30m, 2h, 1d"),
    ],
)
def test_bad_interval(value: str, message: str) -> None:
    text = one_source(f"interval: {value}\n", kind="rss")
    assert problems(text) == [f"feeds.yaml:12: sources[0].interval: {message}"]


def test_several_problems_reported_at_once() -> None:
    text = """\
        hub:
          contact_url: https://example.org/
          feed_limit: 0
        categories:
          - {slug: c, name: 类, name_en: C}
        sources:
          - id: a
            name: A
            url: nope
            kind: rss
            region: 610000
            category: c
          - id: b
            name: B
            url: http://b/
            kind: html
            region: nowhere
            category: x
            list: {item: 'li['}
            colour: red
        """
    assert problems(text, "conf/feeds.yaml") == [
        "conf/feeds.yaml:3: hub.feed_limit: must be at least 1",
        "conf/feeds.yaml:9: sources[0].url: not an absolute http(s) URL",
        "conf/feeds.yaml:17: sources[1].region: unknown region 'nowhere'",
        "conf/feeds.yaml:18: sources[1].category: unknown category 'x'",
        "conf/feeds.yaml:19: sources[1].list.item: invalid CSS selector:"
        " Expected ident or '*', got <EOF at 3>",
        "conf/feeds.yaml:20: sources[1].colour: unknown key 'colour'",
    ]


# ---------------------------------------------------------------------------- file level


def test_empty_file() -> None:
    assert problems("") == ["feeds.yaml:1: (root): the file is empty"]
    assert problems("# only a comment\n") == ["feeds.yaml:1: (root): the file is empty"]


def test_yaml_syntax_error_has_a_line() -> None:
    got = problems(HUB + "sources:\n  - id: [unclosed\n  - x\n")
    assert len(got) == 1
    # the wording is libyaml's (C loader) or PyYAML's; file, line and context are ours
    (line,) = got
    assert line.startswith("feeds.yaml:6: (root): YAML syntax error: ")
    assert "expected ',' or ']'" in line
    assert line.endswith(" (while parsing a flow sequence at line 4)")


def test_top_level_not_a_mapping() -> None:
    assert problems("\n- a\n- b\n") == [
        "feeds.yaml:2: (root): the top level must be a mapping (hub, sources)"
    ]


def test_multiple_documents_rejected() -> None:
    got = problems(HUB + "---\n" + HUB)
    assert got[0].startswith("feeds.yaml:3: (root): YAML syntax error:")


def test_unsafe_tag_rejected() -> None:
    got = problems(HUB + "  title: !!python/object:os.system x\n")
    assert got == [
        "feeds.yaml:3: hub.title: cannot read value: could not determine a constructor"
        " for the tag 'tag:yaml.org,2002:python/object:os.system'"
    ]


def test_alias_bomb_is_a_config_error() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    got = problems("\n".join(lines) + "\n")
    assert got == [
        "feeds.yaml:1: (root): the document is too large (over 2,000,000 YAML nodes)"
        " or nested deeper than 64"
    ]


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as info:
        load_config(missing)
    assert str(info.value) == f"{missing}:1: (file): cannot read: No such file or directory"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_bytes(HUB.encode() + "  title: 公告\n".encode("gb18030"))
    with pytest.raises(ConfigError) as info:
        load_config(str(path))
    assert str(info.value) == f"{path}:3: (file): not valid UTF-8"


def test_utf8_bom_accepted(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + HUB.encode())
    assert load_config(path).settings.contact_url == "https://github.com/example/gov-feed-hub"


def test_config_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="file is empty"):
        parse_config("")


# ---------------------------------------------------------------------------- path


def test_config_path_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    assert config_path_from_env() == Path("feeds.yaml")
    monkeypatch.setenv("HUB_CONFIG", "/etc/hub/feeds.yaml")
    assert config_path_from_env() == Path("/etc/hub/feeds.yaml")
    assert config_path_from_env("mine.yaml") == Path("mine.yaml")
    monkeypatch.setenv("HUB_CONFIG", "")
    assert config_path_from_env() == Path("feeds.yaml")


# ---------------------------------------------------------------------------- fuzz


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_only_raises_config_error(text: str) -> None:
    try:
        parse_config(text)
    except ConfigError as exc:
        assert exc.problems
        assert all(p.line >= 1 for p in exc.problems)


_YAMLISH = st.lists(
    st.sampled_from(
        ["hub:", "  contact_url: http://a/", "sources:", "  - id: x", "    kind: rss", "- ", ": ",
         "[", "]", "{", "}", "&a ", "*a ", "<<: ", "!!int ", "---", "\t", "'", '"', "? ", "#",
         "\n", "  ", "region: 610000", "list: {item: li}", "~", "1e9", "-1", "."]
    ),
    max_size=40,
).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_YAMLISH)
def test_yamlish_text_only_raises_config_error(text: str) -> None:
    try:
        parse_config(text)
    except ConfigError as exc:
        assert exc.problems


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_arbitrary_file_bytes_only_raise_config_error(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "feeds.yaml"
        path.write_bytes(data)
        try:
            load_config(path)
        except ConfigError as exc:
            assert exc.problems
