"""hub.replay: recorded responses served through the production Fetcher."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.errors import HTTPStatusError
from hub.fetch import Fetcher
from hub.replay import ReplayTransport, load_replay, replay_key
from hub.types import CachingInfo, FetchResult, FetchSettings, NotModified

SETTINGS = FetchSettings(user_agent="gov-feed-hub-test/0.1", host_delay_s=0.0)


def _lines(replay_dir: Path) -> list[dict[str, Any]]:
    text = (replay_dir / "responses.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def corpus_fetcher(replay_dir: Path) -> Iterator[tuple[Fetcher, ReplayTransport]]:
    transport = load_replay(replay_dir)
    with Fetcher(SETTINGS, transport=transport) as fetcher:
        yield fetcher, transport


def test_every_recorded_line_is_served_exactly(
    replay_dir: Path, corpus_fetcher: tuple[Fetcher, ReplayTransport]
) -> None:
    fetcher, transport = corpus_fetcher
    lines = _lines(replay_dir)
    assert len(lines) == len(transport.entries) > 0
    for line in lines:
        expected = (replay_dir / line["body"]).read_bytes()
        result = fetcher.fetch(line["url"], source_id="replay")
        assert isinstance(result, FetchResult), line["url"]
        assert result.status == line["status"], line["url"]
        assert result.body == expected, line["url"]
        assert result.url == str(httpx.URL(line["url"]))
        for name, value in line["headers"].items():
            assert result.headers[name.lower()] == value
        if not {"etag", "last-modified"} & {k.lower() for k in line["headers"]}:
            assert result.caching == CachingInfo()


def test_robots_asked_through_replay(corpus_fetcher: tuple[Fetcher, ReplayTransport]) -> None:
    fetcher, transport = corpus_fetcher
    fetcher.fetch("http://www.cnta.gov.cn/zdgz/")
    robots = [r for r in transport.requests if r.url.path == "/robots.txt"]
    assert robots  # 404 from the replay: everything allowed
    assert len({str(r.url) for r in robots}) == len(robots)  # once per origin


def test_unknown_url_is_404(corpus_fetcher: tuple[Fetcher, ReplayTransport]) -> None:
    fetcher, _ = corpus_fetcher
    with pytest.raises(HTTPStatusError) as info:
        fetcher.fetch("http://www.cnta.gov.cn/no/such/page.html", source_id="x")
    assert info.value.status == 404
    assert not info.value.retryable
    assert info.value.source_id == "x"


def test_trailing_index_html_not_normalized(
    replay_dir: Path, corpus_fetcher: tuple[Fetcher, ReplayTransport]
) -> None:
    fetcher, transport = corpus_fetcher
    entry = transport.lookup("http://www.cnta.gov.cn/zdgz/")
    assert entry is not None
    assert transport.lookup("http://www.cnta.gov.cn/zdgz/index.html") is None
    with pytest.raises(HTTPStatusError):
        fetcher.fetch("http://www.cnta.gov.cn/zdgz/index.html")


def test_scheme_and_host_case_insensitive(
    replay_dir: Path, corpus_fetcher: tuple[Fetcher, ReplayTransport]
) -> None:
    fetcher, transport = corpus_fetcher
    line = next(x for x in _lines(replay_dir) if x["url"] == "http://www.cnta.gov.cn/zdgz/")
    shouted = "HTTP://WWW.CNTA.Gov.CN/zdgz/"
    assert transport.lookup(shouted) is not None
    result = fetcher.fetch(shouted)
    assert isinstance(result, FetchResult)
    assert result.body == (replay_dir / line["body"]).read_bytes()
    # the path stays case-sensitive
    assert transport.lookup("http://www.cnta.gov.cn/ZDGZ/") is None


def test_replay_key() -> None:
    assert replay_key("HTTP://Example.COM/A?b=C") == "http://example.com/A?b=C"
    assert replay_key("http://example.com:80/x") == "http://example.com/x"
    assert replay_key("http://example.com:8080/x#frag") == "http://example.com:8080/x"
    assert replay_key("https://example.com") == "https://example.com/"


# ---------------------------------------------------------------------------------------
# Small replay folders built in tmp_path


def _write(folder: Path, lines: list[Any], bodies: dict[str, bytes] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (bodies or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    with (folder / "responses.jsonl").open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    return folder


LM = "Mon, 30 Nov 2026 08:00:00 GMT"


@pytest.fixture
def small(tmp_path: Path) -> ReplayTransport:
    folder = _write(
        tmp_path / "replay",
        [
            {
                "url": "https://gov.example/list/",
                "status": 200,
                "headers": {"Content-Type": "text/html; charset=utf-8", "ETag": '"e1"'},
                "body": "list.html",
            },
            {
                "url": "https://gov.example/art/1.html",
                "status": 200,
                "headers": {"Content-Type": "text/html", "Last-Modified": LM},
                "body": "../shared/art.html",
                "note": "a body outside the folder",
            },
            {
                "url": "https://gov.example/gz",
                "status": 200,
                "headers": {"Content-Type": "text/html", "Content-Encoding": "gzip"},
                "body": "page.html.gz",
            },
            {
                "url": "https://gov.example/gone",
                "status": 410,
                "headers": {"Content-Type": "text/plain"},
                "body": "list.html",
            },
        ],
        {
            "list.html": "<ul><li>列表</li></ul>".encode(),
            "page.html.gz": gzip.compress("<p>压缩</p>".encode()),
        },
    )
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "art.html").write_bytes("<p>正文</p>".encode("gb18030"))
    return load_replay(folder)


def test_conditional_etag(small: ReplayTransport) -> None:
    with Fetcher(SETTINGS, transport=small) as f:
        first = f.fetch("https://gov.example/list/")
        assert isinstance(first, FetchResult)
        assert first.caching == CachingInfo(etag='"e1"')
        again = f.fetch("https://gov.example/list/", caching=first.caching)
        assert isinstance(again, NotModified)
        assert again.caching == CachingInfo(etag='"e1"')
        weak = f.fetch("https://gov.example/list/", caching=CachingInfo(etag='W/"e1"'))
        assert isinstance(weak, NotModified)
        other = f.fetch("https://gov.example/list/", caching=CachingInfo(etag='"e0"'))
        assert isinstance(other, FetchResult)


def test_conditional_last_modified(small: ReplayTransport) -> None:
    with Fetcher(SETTINGS, transport=small) as f:
        first = f.fetch("https://gov.example/art/1.html")
        assert isinstance(first, FetchResult)
        assert first.body == "<p>正文</p>".encode("gb18030")
        assert first.caching == CachingInfo(last_modified=LM)
        same = f.fetch("https://gov.example/art/1.html", caching=first.caching)
        assert isinstance(same, NotModified)
        assert same.caching == CachingInfo(last_modified=LM)
        later = CachingInfo(last_modified="Tue, 01 Dec 2026 08:00:00 GMT")
        assert isinstance(f.fetch("https://gov.example/art/1.html", caching=later), NotModified)
        earlier = CachingInfo(last_modified="Sun, 29 Nov 2026 08:00:00 GMT")
        assert isinstance(f.fetch("https://gov.example/art/1.html", caching=earlier), FetchResult)


def test_no_304_without_listed_validator(small: ReplayTransport) -> None:
    with Fetcher(SETTINGS, transport=small) as f:
        result = f.fetch(
            "https://gov.example/gz", caching=CachingInfo(etag='"x"', last_modified=LM)
        )
    assert isinstance(result, FetchResult)
    assert result.caching == CachingInfo()


def test_stored_gzip_body_goes_through_the_decoder(small: ReplayTransport) -> None:
    with Fetcher(SETTINGS, transport=small) as f:
        result = f.fetch("https://gov.example/gz")
    assert isinstance(result, FetchResult)
    assert result.body == "<p>压缩</p>".encode()


def test_recorded_error_status(small: ReplayTransport) -> None:
    with Fetcher(SETTINGS, transport=small) as f, pytest.raises(HTTPStatusError) as info:
        f.fetch("https://gov.example/gone")
    assert info.value.status == 410


def test_raw_transport_answers(small: ReplayTransport) -> None:
    with httpx.Client(transport=small) as client:
        missing = client.get("https://gov.example/nope")
        assert missing.status_code == 404
        assert missing.content == b""
        assert "etag" not in missing.headers
        head = client.head("https://gov.example/list/")
        assert head.status_code == 200
        assert head.content == b""
        star = client.get("https://gov.example/list/", headers={"If-None-Match": "*"})
        assert star.status_code == 304
        assert star.headers["etag"] == '"e1"'


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ({"status": 200, "headers": {}, "body": "a.html"}, "'url'"),
        ({"url": "/relative", "status": 200, "headers": {}, "body": "a.html"}, "absolute"),
        ({"url": "http://x.example/", "status": "200", "headers": {}, "body": "a.html"}, "status"),
        (
            {"url": "http://x.example/", "status": 200, "headers": {"A": 1}, "body": "a.html"},
            "headers",
        ),
        ({"url": "http://x.example/", "status": 200, "headers": {}}, "'body'"),
        (
            {"url": "http://x.example/", "status": 200, "headers": {}, "body": "gone.html"},
            "gone.html",
        ),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path: Path, line: Any, message: str) -> None:
    good = {"url": "http://x.example/ok", "status": 200, "headers": {}, "body": "a.html"}
    folder = _write(tmp_path / "r", [good, "", line], {"a.html": b"a"})
    with pytest.raises(ValueError, match=message) as info:
        load_replay(folder)
    assert f"{folder / 'responses.jsonl'}:3:" in str(info.value)


def test_duplicate_url_rejected(tmp_path: Path) -> None:
    entry = {"url": "http://x.example/ok", "status": 200, "headers": {}, "body": "a.html"}
    shouted = dict(entry, url="HTTP://X.EXAMPLE/ok")
    folder = _write(tmp_path / "r", [entry, shouted], {"a.html": b"a"})
    with pytest.raises(ValueError, match=r"responses.jsonl:2: duplicate url .*line 1"):
        load_replay(folder)


def test_missing_responses_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"responses\.jsonl: replay file not found"):
        load_replay(tmp_path)
