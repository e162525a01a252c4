"""Load and validate ``feeds.yaml``: hub settings, categories and sources.

The file (UTF-8) is one YAML mapping with three keys; unknown keys anywhere are errors::

    hub:
      title: 政府公告聚合 Gov Announcements Hub   # optional
      base_url: http://127.0.0.1:8000    # absolute http(s), no query; trailing "/" dropped
      timezone: Asia/Shanghai            # an IANA zone (zoneinfo)
      contact_url: https://github.com/example/gov-feed-hub   # required; http(s) or mailto:,
                                         # goes into the User-Agent
      language: zh-CN
      feed_limit: 50                     # entries per published feed, 1..500
      websub_hub: null                   # absolute http(s) URL of a WebSub hub, or null
      stale_after_intervals: 10          # a source is "stale" after this many intervals
      fetch:                             # all optional
        connect_timeout: 10              # seconds, > 0
        read_timeout: 30                 # seconds, > 0
        max_body_bytes: 5000000          # bytes after decompression, > 0
        max_redirects: 5                 # 0..20
        host_delay: 1.0                  # seconds between requests to one host, >= 0
        respect_robots: true
        robots_ttl: 86400                # seconds robots.txt stays cached, >= 0
        allow_addresses: []              # hosts, IPs or CIDR networks exempt from the SSRF guard
    categories:                          # slugs unique, ^[a-z0-9][a-z0-9-]*$
      - slug: minzheng
        name: 民政、扶贫、救灾
        name_en: Civil affairs, poverty relief, disaster relief
    sources:
      - id: shaanxi-mzt-tzgg             # required, unique, ^[a-z0-9][a-z0-9-]*$
        name: 陕西省民政厅 通知公告          # required
        url: http://mzt.shaanxi.gov.cn/… # required, absolute http(s)
        kind: html                       # required: rss | atom | html
        region: shaanxi                  # required: region slug or six-digit GB/T 2260 code
        category: minzheng               # required: a slug declared under categories
        interval: 3600                   # seconds, or "90s", "30m", "2h", "1d"; >= 60
        site_name: 陕西省民政厅            # optional: origin for 来源：本网/本站
        fetch_articles: true             # optional (html sources fetch article pages)
        enabled: true                    # optional
        list:                            # required for html, not allowed for rss/atom
          item: "ul.list li"             # required: one element per announcement
          title: "a::attr(title), a::text"   # optional, default shown
          link: "a::attr(href)"              # optional, default shown
          date: "span::text"                 # optional
        article:                         # optional, html only
          body: "div.content"
          attribution: "div.info"
          title: "h1::text"

Selectors are parsel selectors: XPath when they start with ``/`` or ``(``, CSS (with
``::text`` and ``::attr(name)``) otherwise; each must compile. ``region`` is stored as the
six-digit code from :mod:`hub.regions`.

Every problem is reported at once in one :class:`hub.errors.ConfigError`, each as a
:class:`hub.errors.ConfigProblem` such as ``feeds.yaml:42: sources[3].url: not an absolute
http(s) URL`` (1-based line of the offending YAML node; the key of an unknown key; the
second occurrence of a duplicate).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import parsel
import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from hub.errors import ConfigError, ConfigProblem
from hub.regions import RegionTable, load_regions
from hub.types import ArticleSelectors, Category, FetchSettings, ListSelectors, Source

__all__ = ["Config", "HubSettings", "config_path_from_env", "load_config", "parse_config"]

DEFAULT_PATH = "feeds.yaml"
ENV_VAR = "HUB_CONFIG"

Loc = tuple[str | int, ...]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAX_NODES = 2_000_000  # about 80,000 sources
_MAX_DEPTH = 64


@dataclass(frozen=True, slots=True, kw_only=True)
class HubSettings:
    """The ``hub:`` section. ``base_url`` has no trailing slash; ``feed_limit`` counts entries."""

    title: str = "政府公告聚合 Gov Announcements Hub"
    base_url: str = "http://127.0.0.1:8000"
    timezone: str = "Asia/Shanghai"
    contact_url: str
    language: str = "zh-CN"
    feed_limit: int = 50
    websub_hub: str | None = None
    fetch: FetchSettings
    stale_after_intervals: int = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """A validated feeds.yaml. ``categories`` by slug and ``sources`` by id, in file order."""

    path: str
    settings: HubSettings
    categories: dict[str, Category]
    regions: RegionTable
    sources: dict[str, Source]


# --------------------------------------------------------------------------- validators


def _fail(message: str) -> PydanticCustomError:
    return PydanticCustomError("hub", "{message}", {"message": message})


def _is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not any(c.isspace() for c in value)
    )


def _http_url(value: object) -> object:
    if isinstance(value, str) and not _is_http_url(value):
        raise _fail("not an absolute http(s) URL")
    return value


def _contact(value: object) -> object:
    if isinstance(value, str) and not (
        _is_http_url(value) or re.fullmatch(r"mailto:[^@\s]+@[^@\s]+", value)
    ):
        raise _fail("not an absolute http(s) or mailto: URL")
    return value


def _slug(what: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        if isinstance(value, str) and not _SLUG.match(value):
            raise _fail(f"not a valid {what} (lowercase letters, digits and '-')")
        return value

    return check


@lru_cache(maxsize=1024)
def _selector_error(selector: str) -> str | None:
    """None when ``selector`` compiles with parsel, else a short reason."""
    is_xpath = selector.lstrip().startswith(("/", "("))
    try:
        doc = parsel.Selector(text="<html/>")
        doc.xpath(selector) if is_xpath else doc.css(selector)
    except Exception as exc:
        kind = "XPath" if is_xpath else "CSS"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"invalid {kind} selector: {reason}"
    return None


def _selector(value: object) -> object:
    if isinstance(value, str):
        error = _selector_error(value)
        if error:
            raise _fail(error)
    return value


def _duration(value: object) -> object:
    """Seconds from an int or a string like ``"90"``, ``"30m"``, ``"2h"``, ``"1d"``."""
    if isinstance(value, bool):
        raise _fail("must be a number of seconds or like 30m, 2h, 1d")
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise _fail("must be a number of seconds or like 30m, 2h, 1d")
        value = int(match.group(1)) * _UNIT_S[match.group(2)]
    if isinstance(value, int) and value < 60:
        raise _fail("must be at least 60 seconds")
    return value


def _not_bool(value: object) -> object:
    if isinstance(value, bool):
        raise _fail("must be a number")
    return value


Text = Annotated[str, Field(min_length=1)]
Url = Annotated[str, BeforeValidator(_http_url)]
Selector = Annotated[str, BeforeValidator(_selector)]
Seconds = Annotated[float, BeforeValidator(_not_bool)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _FetchModel(_Model):
    connect_timeout: Seconds = Field(10.0, gt=0)
    read_timeout: Seconds = Field(30.0, gt=0)
    max_body_bytes: Annotated[int, BeforeValidator(_not_bool)] = Field(5_000_000, gt=0)
    max_redirects: Annotated[int, BeforeValidator(_not_bool)] = Field(5, ge=0, le=20)
    host_delay: Seconds = Field(1.0, ge=0)
    respect_robots: bool = True
    robots_ttl: Seconds = Field(86400.0, ge=0)
    allow_addresses: list[str] = Field(default_factory=list)

    @field_validator("allow_addresses", mode="after")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                if not _HOST.match(item):
                    raise _fail(f"'{item}' is not an IP address, network or host name") from None
        return value


class _HubModel(_Model):
    title: Text = "政府公告聚合 Gov Announcements Hub"
    base_url: Url = "http://127.0.0.1:8000"
    timezone: str = "Asia/Shanghai"
    contact_url: Annotated[str, BeforeValidator(_contact)]
    language: Text = "zh-CN"
    feed_limit: Annotated[int, BeforeValidator(_not_bool)] = Field(50, ge=1, le=500)
    websub_hub: Url | None = None
    stale_after_intervals: Annotated[int, BeforeValidator(_not_bool)] = Field(10, ge=1)
    fetch: _FetchModel = Field(default_factory=_FetchModel)  # type: ignore[arg-type]

    @field_validator("base_url", mode="after")
    @classmethod
    def _base(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.query or parts.fragment:
            raise _fail("must not have a query or fragment")
        return value.rstrip("/")

    @field_validator("timezone", mode="after")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except Exception:
            raise _fail(f"unknown time zone '{value}'") from None
        return value


class _CategoryModel(_Model):
    slug: Annotated[str, BeforeValidator(_slug("category slug"))]
    name: Text
    name_en: Text


class _ListModel(_Model):
    item: Selector
    title: Selector | None = None
    link: Selector | None = None
    date: Selector | None = None


class _ArticleModel(_Model):
    body: Selector | None = None
    attribution: Selector | None = None
    title: Selector | None = None


class _SourceModel(_Model):
    id: Annotated[str, BeforeValidator(_slug("source id"))]
    name: Text
    url: Url
    kind: Literal["rss", "atom", "html"]
    region: str
    category: str
    interval: Annotated[int, BeforeValidator(_duration)] = 3600
    site_name: Text | None = None
    fetch_articles: bool = True
    enabled: bool = True
    list_: _ListModel | None = Field(None, alias="list")
    article: _ArticleModel | None = None

    @field_validator("region", mode="before")
    @classmethod
    def _region(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            value = f"{value:06d}"
        if not isinstance(value, str):
            raise _fail("must be a region slug or six-digit code")
        regions: RegionTable = (info.context or {})["regions"]
        region = regions.get(value)
        if region is None:
            raise _fail(f"unknown region '{value}'")
        return region.code

    @field_validator("category", mode="after")
    @classmethod
    def _category(cls, value: str, info: ValidationInfo) -> str:
        declared: frozenset[str] = (info.context or {}).get("categories", frozenset())
        if value not in declared:
            raise _fail(f"unknown category '{value}'")
        return value


class _FileModel(_Model):
    hub: _HubModel
    categories: list[_CategoryModel] = Field(default_factory=list)
    sources: list[_SourceModel] = Field(default_factory=list)


# --------------------------------------------------------------------------- YAML with lines


@dataclass(slots=True)
class _Problem:
    loc: Loc
    line: int
    message: str


class _TooBig(Exception):
    pass


class _Tree:
    """Plain Python data from a composed YAML node, with the line of every node and key."""

    def __init__(self) -> None:
        self.lines: dict[Loc, int] = {}
        self.key_lines: dict[Loc, int] = {}
        self.problems: list[_Problem] = []
        self.unreadable: set[Loc] = set()
        self._nodes = 0
        self._constructor = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self._nodes += 1
        if self._nodes > _MAX_NODES or len(loc) > _MAX_DEPTH:
            raise _TooBig
        line = node.start_mark.line + 1
        self.lines.setdefault(loc, line)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        try:
            return self._constructor.construct_object(node, deep=True)
        except Exception as exc:
            reason = getattr(exc, "problem", None) or str(exc) or type(exc).__name__
            self.problems.append(_Problem(loc, line, f"cannot read value: {reason}"))
            self.unreadable.add(loc)
            return None

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append(_Problem(loc, key_line, "merge keys (<<) are not supported"))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(_Problem(loc, key_line, "a key must be a plain value"))
                continue
            key = str(key_node.value)
            key_loc = (*loc, key)
            if key in out:
                first = self.key_lines[key_loc]
                message = f"duplicate key '{key}' (first at line {first})"
                self.problems.append(_Problem(key_loc, key_line, message))
                continue
            self.key_lines[key_loc] = key_line
            out[key] = self.build(value_node, key_loc)
        return out


def _error_line(exc: yaml.YAMLError, text: str) -> int:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return int(mark.line) + 1
    position = getattr(exc, "position", None)
    if isinstance(position, int):
        return text.count("\n", 0, position) + 1
    return 1


def _yaml_reason(exc: yaml.YAMLError) -> str:
    reason = getattr(exc, "problem", None) or (str(exc).splitlines() or ["invalid"])[0]
    context, mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and mark is not None and getattr(exc, "problem_mark", None) is not None:
        reason += f" ({context} at line {mark.line + 1})"
    return f"YAML syntax error: {reason}"


def _read_yaml(text: str) -> tuple[Any, _Tree, list[_Problem]]:
    """``(data, tree, problems)``; data is None when the file is unusable."""
    tree = _Tree()
    loader: yaml.SafeLoader | None = None
    try:
        # libyaml's C loader when PyYAML has it (10,000 sources: ~1 s instead of ~15 s);
        # both keep node marks, so every problem still names its line
        loader = _Loader(text)
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        return None, tree, [_Problem((), _error_line(exc, text), _yaml_reason(exc))]
    except RecursionError:
        return None, tree, [_Problem((), 1, "YAML nested too deeply")]
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        return None, tree, [_Problem((), 1, "the file is empty")]
    if not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1
        return None, tree, [_Problem((), line, "the top level must be a mapping (hub, sources)")]
    try:
        data = tree.build(node, ())
    except (_TooBig, RecursionError):
        return (
            None,
            tree,
            [
                _Problem(
                    (),
                    1,
                    f"the document is too large (over {_MAX_NODES:,} YAML nodes)"
                    f" or nested deeper than {_MAX_DEPTH}",
                )
            ],
        )
    return data, tree, list(tree.problems)


# --------------------------------------------------------------------------- problems


def _format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(root)"


def _line_of(loc: Loc, tree: _Tree) -> int:
    for end in range(len(loc), -1, -1):
        line = tree.lines.get(loc[:end])
        if line is not None:
            return line
    return 1


def _num(value: object) -> object:
    return int(value) if isinstance(value, float) and value.is_integer() else value


_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda c: "required",
    "string_type": lambda c: "must be a string",
    "int_type": lambda c: "must be an integer",
    "int_parsing": lambda c: "must be an integer",
    "int_from_float": lambda c: "must be an integer",
    "float_type": lambda c: "must be a number",
    "float_parsing": lambda c: "must be a number",
    "finite_number": lambda c: "must be a finite number",
    "bool_type": lambda c: "must be true or false",
    "bool_parsing": lambda c: "must be true or false",
    "list_type": lambda c: "must be a list",
    "model_type": lambda c: "must be a mapping",
    "model_attributes_type": lambda c: "must be a mapping",
    "dict_type": lambda c: "must be a mapping",
    "string_too_short": lambda c: "must not be empty",
    "greater_than": lambda c: f"must be greater than {_num(c.get('gt'))}",
    "greater_than_equal": lambda c: f"must be at least {_num(c.get('ge'))}",
    "less_than": lambda c: f"must be less than {_num(c.get('lt'))}",
    "less_than_equal": lambda c: f"must be at most {_num(c.get('le'))}",
    "literal_error": lambda c: f"must be {c.get('expected')}",
}


def _pydantic_problems(error: ValidationError, tree: _Tree) -> Iterator[_Problem]:
    for item in error.errors(include_url=False):
        loc: Loc = tuple(item["loc"])
        if any(loc[:n] in tree.unreadable for n in range(len(loc) + 1)):
            continue  # already reported as "cannot read value"
        kind = item["type"]
        ctx: dict[str, Any] = dict(item.get("ctx") or {})
        if kind == "extra_forbidden":
            line = tree.key_lines.get(loc) or _line_of(loc, tree)
            yield _Problem(loc, line, f"unknown key '{loc[-1] if loc else ''}'")
            continue
        if kind == "hub":
            message = str(ctx.get("message", item["msg"]))
        elif kind in _MESSAGES:
            message = _MESSAGES[kind](ctx)
        else:
            message = item["msg"]
        yield _Problem(loc, _line_of(loc, tree), message)


def _mapping_items(data: Any, section: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = data.get(section) if isinstance(data, dict) else None
    if isinstance(items, list):
        for i, item in enumerate(items):
            if isinstance(item, dict):
                yield i, item


def _cross_checks(data: Any, tree: _Tree) -> Iterator[_Problem]:
    """Rules across items or fields: unique slugs and ids, ``list``/``article`` by kind."""
    for section, field, what in (
        ("categories", "slug", "category slug"),
        ("sources", "id", "source id"),
    ):
        first_at: dict[str, int] = {}
        for i, item in _mapping_items(data, section):
            value = item.get(field)
            if not isinstance(value, str):
                continue
            loc: Loc = (section, i, field)
            line = _line_of(loc, tree)
            if value in first_at:
                message = f"duplicate {what} '{value}' (first at line {first_at[value]})"
                yield _Problem(loc, line, message)
            else:
                first_at[value] = line
    for i, item in _mapping_items(data, "sources"):
        kind = item.get("kind")
        if kind == "html" and item.get("list") is None:
            loc = ("sources", i, "list")
            yield _Problem(loc, _line_of(loc, tree), "required for kind html")
        if kind in ("rss", "atom"):
            for key in ("list", "article"):
                if item.get(key) is not None:
                    loc = ("sources", i, key)
                    line = tree.key_lines.get(loc) or _line_of(loc, tree)
                    yield _Problem(loc, line, f"only allowed for kind html, not {kind}")


# --------------------------------------------------------------------------- building


def _version() -> str:
    try:
        return metadata.version("gov-feed-hub")
    except metadata.PackageNotFoundError:
        return "0"


def _settings(model: _HubModel) -> HubSettings:
    f = model.fetch
    fetch = FetchSettings(
        user_agent=f"gov-feed-hub/{_version()} (+{model.contact_url})",
        connect_timeout_s=f.connect_timeout,
        read_timeout_s=f.read_timeout,
        max_body_bytes=f.max_body_bytes,
        max_redirects=f.max_redirects,
        host_delay_s=f.host_delay,
        respect_robots=f.respect_robots,
        robots_ttl_s=f.robots_ttl,
        allow_addresses=tuple(f.allow_addresses),
    )
    return HubSettings(
        title=model.title,
        base_url=model.base_url,
        timezone=model.timezone,
        contact_url=model.contact_url,
        language=model.language,
        feed_limit=model.feed_limit,
        websub_hub=model.websub_hub,
        fetch=fetch,
        stale_after_intervals=model.stale_after_intervals,
    )


def _source(model: _SourceModel) -> Source:
    selectors = None
    if model.list_ is not None:
        given = {
            k: v
            for k, v in (("title", model.list_.title), ("link", model.list_.link))
            if v is not None
        }
        selectors = ListSelectors(item=model.list_.item, date=model.list_.date, **given)
    article = None
    if model.article is not None:
        article = ArticleSelectors(
            body=model.article.body,
            attribution=model.article.attribution,
            title=model.article.title,
        )
    return Source(
        id=model.id,
        name=model.name,
        url=model.url,
        kind=model.kind,
        region=model.region,
        category=model.category,
        interval=model.interval,
        list=selectors,
        article=article,
        fetch_articles=model.fetch_articles,
        enabled=model.enabled,
        site_name=model.site_name,
    )


def parse_config(text: str, path: str = DEFAULT_PATH, regions: RegionTable | None = None) -> Config:
    """Validate feeds.yaml ``text``; ``path`` is only used in messages and ``Config.path``.

    ``regions`` defaults to the packaged table (:func:`hub.regions.load_regions`). Raises
    :class:`hub.errors.ConfigError` listing every problem, sorted by line.
    """
    table = regions if regions is not None else load_regions()
    data, tree, problems = _read_yaml(text)
    model: _FileModel | None = None
    if data is not None:
        declared = frozenset(
            item["slug"]
            for _, item in _mapping_items(data, "categories")
            if isinstance(item.get("slug"), str)
        )
        try:
            model = _FileModel.model_validate(
                data, context={"regions": table, "categories": declared}
            )
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, tree))
        problems.extend(_cross_checks(data, tree))
    if problems or model is None:
        unique = {(p.line, _format_loc(p.loc), p.message): None for p in problems}
        raise ConfigError(
            [ConfigProblem(path, line, key, message) for line, key, message in sorted(unique)]
        )
    return Config(
        path=path,
        settings=_settings(model.hub),
        categories={
            c.slug: Category(slug=c.slug, name=c.name, name_en=c.name_en) for c in model.categories
        },
        regions=table,
        sources={s.id: _source(s) for s in model.sources},
    )


def load_config(path: str | Path, regions: RegionTable | None = None) -> Config:
    """Read and validate the feeds.yaml at ``path`` (see the module docstring for the shape).

    Messages name the file as ``str(path)``. Raises :class:`hub.errors.ConfigError` listing
    every problem, including an unreadable file or bytes that are not UTF-8.
    """
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError([ConfigProblem(name, 1, "(file)", f"cannot read: {reason}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError([ConfigProblem(name, line, "(file)", "not valid UTF-8")]) from None
    return parse_config(text, name, regions)


def config_path_from_env(explicit: str | None = None) -> Path:
    """Which feeds.yaml to use: ``explicit``, else ``$HUB_CONFIG``, else ``./feeds.yaml``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else Path(DEFAULT_PATH)
