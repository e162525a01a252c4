"""hub.fetch and hub.netguard against a loopback HTTP server (127.0.0.1 only)."""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import brotli  # type: ignore[import-untyped]
import httpx
import pytest
from loopback import free_port

from hub.errors import (
    BlockedAddress,
    ChallengePage,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    ResponseTooLarge,
    RobotsDisallowed,
)
from hub.fetch import Fetcher, is_challenge, parse_retry_after
from hub.netguard import GuardedTransport, is_blocked
from hub.types import CachingInfo, FetchResult, FetchSettings, NotModified

UA = "gov-feed-hub-test/0.1 (+https://example.org/hub)"
LOOPBACK = ("127.0.0.1",)

# ---------------------------------------------------------------------------------------
# A tiny loopback server: routes map a path to a function writing the response.

Route = Callable[["_Handler"], None]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path
        self.server.record(self)
        route = self.server.routes.get(path)
        if route is None:
            route = self.server.routes.get(path.split("?", 1)[0], respond(404))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()

    def record(self, handler: _Handler) -> None:
        with self._lock:
            self.hits[handler.path] = self.hits.get(handler.path, 0) + 1
            self.requests.append((handler.path, {k.lower(): v for k, v in handler.headers.items()}))

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the timeout test closes the socket under a sleeping handler

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path


def respond(
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    delay: float = 0.0,
) -> Route:
    def route(h: _Handler) -> None:
        if delay:
            time.sleep(delay)
        h.send_response(status)
        sent = {k.lower() for k in (headers or {})}
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        if "content-length" not in sent:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return route


def redirect(location: str, status: int = 302) -> Route:
    return respond(status, b"moved", {"Location": location})


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def make_settings(**kw: Any) -> FetchSettings:
    base: dict[str, Any] = {
        "user_agent": UA,
        "connect_timeout_s": 2.0,
        "read_timeout_s": 2.0,
        "host_delay_s": 0.0,
        "respect_robots": False,
        "allow_addresses": LOOPBACK,
    }
    base.update(kw)
    return FetchSettings(**base)


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(make_settings()) as f:
        yield f


PAGE = "<html><head><title>通知</title></head><body><p>关于开展工作的通知</p></body></html>"


# ---------------------------------------------------------------------------------------
# Basic responses


def test_200_with_headers_and_body(server: _Server, fetcher: Fetcher) -> None:
    body = PAGE.encode("utf-8")
    server.routes["/page"] = respond(
        200,
        body,
        {
            "Content-Type": "text/html; charset=utf-8",
            "ETag": '"abc"',
            "Last-Modified": "Tue, 01 Dec 2026 08:00:00 GMT",
            "X-Custom-Header": "Yes",
        },
    )
    result = fetcher.fetch(server.url("/page"), source_id="src-1")
    assert isinstance(result, FetchResult)
    assert result.status == 200
    assert result.body == body
    assert result.url == server.url("/page")
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    assert result.headers["x-custom-header"] == "Yes"
    assert all(k == k.lower() for k in result.headers)
    assert result.caching == CachingInfo(
        etag='"abc"', last_modified="Tue, 01 Dec 2026 08:00:00 GMT"
    )
    assert result.elapsed_s >= 0
    _path, sent = server.requests[-1]
    assert sent["user-agent"] == UA
    assert sent["accept-encoding"] == "gzip, deflate, br"
    assert "text/html" in sent["accept"]


def test_accept_override(server: _Server, fetcher: Fetcher) -> None:
    server.routes["/feed"] = respond(200, b"<rss/>")
    fetcher.fetch(server.url("/feed"), accept="application/rss+xml")
    assert server.requests[-1][1]["accept"] == "application/rss+xml"


def test_no_validators_gives_empty_caching(server: _Server, fetcher: Fetcher) -> None:
    server.routes["/plain"] = respond(200, b"x")
    result = fetcher.fetch(server.url("/plain"))
    assert isinstance(result, FetchResult)
    assert result.caching == CachingInfo()


def test_conditional_get_round_trip(server: _Server, fetcher: Fetcher) -> None:
    lm = "Mon, 30 Nov 2026 08:00:00 GMT"

    def route(h: _Handler) -> None:
        if h.headers.get("If-None-Match") == '"v1"':
            respond(304)(h)  # a 304 that omits the validators
        else:
            respond(200, b"full", {"ETag": '"v1"', "Last-Modified": lm})(h)

    server.routes["/cond"] = route
    first = fetcher.fetch(server.url("/cond"))
    assert isinstance(first, FetchResult)
    assert first.caching == CachingInfo(etag='"v1"', last_modified=lm)

    second = fetcher.fetch(server.url("/cond"), caching=first.caching)
    assert isinstance(second, NotModified)
    assert second.url == server.url("/cond")
    assert second.caching == first.caching  # kept although the 304 omitted them
    sent = server.requests[-1][1]
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == lm


def test_304_with_new_validator_updates_it(server: _Server, fetcher: Fetcher) -> None:
    server.routes["/c2"] = respond(304, headers={"ETag": '"v2"'})
    old = CachingInfo(etag='"v1"', last_modified="Mon, 30 Nov 2026 08:00:00 GMT")
    result = fetcher.fetch(server.url("/c2"), caching=old)
    assert isinstance(result, NotModified)
    assert result.caching == CachingInfo(etag='"v2"', last_modified=old.last_modified)


# ---------------------------------------------------------------------------------------
# Errors


def test_read_timeout(server: _Server) -> None:
    server.routes["/slow"] = respond(200, b"late", delay=1.0)
    with Fetcher(make_settings(read_timeout_s=0.2)) as f:
        start = time.monotonic()
        with pytest.raises(FetchTimeout) as info:
            f.fetch(server.url("/slow"), source_id="slow-src")
        assert time.monotonic() - start < 0.9
    err = info.value
    assert err.retryable
    assert err.code == "timeout"
    assert err.url == server.url("/slow")
    assert err.source_id == "slow-src"
    assert isinstance(err.__cause__, httpx.TimeoutException)


def test_404_not_retryable(server: _Server, fetcher: Fetcher) -> None:
    with pytest.raises(HTTPStatusError) as info:
        fetcher.fetch(server.url("/missing"), source_id="s404")
    err = info.value
    assert err.status == 404
    assert not err.retryable
    assert err.url == server.url("/missing")
    assert err.source_id == "s404"
    assert "s404" in str(err)


def test_503_retry_after_seconds(server: _Server, fetcher: Fetcher) -> None:
    server.routes["/busy"] = respond(503, b"busy", {"Retry-After": "120"})
    with pytest.raises(HTTPStatusError) as info:
        fetcher.fetch(server.url("/busy"))
    assert info.value.status == 503
    assert info.value.retryable
    assert info.value.retry_after_s == 120


def test_429_retry_after_http_date(server: _Server, fetcher: Fetcher) -> None:
    when = datetime.now(UTC) + timedelta(seconds=90)
    server.routes["/limited"] = respond(429, b"", {"Retry-After": format_datetime(when, True)})
    with pytest.raises(HTTPStatusError) as info:
        fetcher.fetch(server.url("/limited"))
    assert info.value.status == 429
    assert info.value.retryable
    assert info.value.retry_after_s is not None
    assert 80 <= info.value.retry_after_s <= 91


def test_connection_refused_is_fetch_error() -> None:
    port = free_port()
    with Fetcher(make_settings()) as f, pytest.raises(FetchError) as info:
        f.fetch(f"http://127.0.0.1:{port}/", source_id="down")
    err = info.value
    assert type(err) is FetchError
    assert err.retryable
    assert isinstance(err.__cause__, httpx.ConnectError)
    assert err.source_id == "down"


def test_unsupported_scheme(fetcher: Fetcher) -> None:
    with pytest.raises(FetchError) as info:
        fetcher.fetch("ftp://127.0.0.1/file.txt")
    assert not info.value.retryable


# ---------------------------------------------------------------------------------------
# Redirects


def _chain(server: _Server, hops: int) -> str:
    for i in range(hops):
        server.routes[f"/r{i}"] = redirect(f"/r{i + 1}")
    server.routes[f"/r{hops}"] = respond(200, b"end")
    return server.url("/r0")


def test_five_redirects_are_followed(server: _Server, fetcher: Fetcher) -> None:
    result = fetcher.fetch(_chain(server, 5))
    assert isinstance(result, FetchResult)
    assert result.body == b"end"
    assert result.url == server.url("/r5")


def test_six_redirects_fail(server: _Server, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="too many redirects") as info:
        fetcher.fetch(_chain(server, 6), source_id="loop")
    assert info.value.source_id == "loop"
    assert server.hits.get("/r6", 0) == 0


def test_redirect_loop_fails(server: _Server, fetcher: Fetcher) -> None:
    server.routes["/loop"] = redirect("/loop", 301)
    with pytest.raises(FetchError, match="too many redirects"):
        fetcher.fetch(server.url("/loop"))


def test_redirect_body_is_not_read(server: _Server) -> None:
    # a redirect carrying a brotli bomb must not be decompressed
    bomb = brotli.compress(bytes(200_000_000), quality=5)
    server.routes["/bombredir"] = respond(302, bomb, {"Location": "/ok", "Content-Encoding": "br"})
    server.routes["/ok"] = respond(200, b"ok")
    with Fetcher(make_settings(max_body_bytes=1_000_000)) as f:
        result = f.fetch(server.url("/bombredir"))
    assert isinstance(result, FetchResult)
    assert result.body == b"ok"


# ---------------------------------------------------------------------------------------
# Size cap and content decoding


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    return gzip.compress(bytes(50_000_000), compresslevel=6)


def test_gzip_bomb_stops_at_cap(server: _Server, gzip_bomb: bytes) -> None:
    assert len(gzip_bomb) < 1_000_000  # under the cap before decompression
    server.routes["/bomb"] = respond(
        200, gzip_bomb, {"Content-Encoding": "gzip", "Content-Type": "text/html"}
    )
    with Fetcher(make_settings(max_body_bytes=1_000_000)) as f:
        start = time.monotonic()
        with pytest.raises(ResponseTooLarge) as info:
            f.fetch(server.url("/bomb"), source_id="bomb")
        assert time.monotonic() - start < 2.0
    assert not info.value.retryable
    assert info.value.source_id == "bomb"


def test_brotli_bomb_stops_at_cap(server: _Server) -> None:
    bomb = brotli.compress(bytes(100_000_000), quality=5)  # ~150 bytes
    server.routes["/brbomb"] = respond(200, bomb, {"Content-Encoding": "br"})
    with Fetcher(make_settings(max_body_bytes=1_000_000)) as f:
        start = time.monotonic()
        with pytest.raises(ResponseTooLarge):
            f.fetch(server.url("/brbomb"))
        assert time.monotonic() - start < 2.0


def test_plain_body_over_cap(server: _Server) -> None:
    server.routes["/big"] = _chunked(b"x" * 2_000)
    with Fetcher(make_settings(max_body_bytes=1_000)) as f, pytest.raises(ResponseTooLarge):
        f.fetch(server.url("/big"))


def test_body_exactly_at_cap_is_fine(server: _Server) -> None:
    server.routes["/exact"] = respond(200, b"y" * 1_000)
    with Fetcher(make_settings(max_body_bytes=1_000)) as f:
        result = f.fetch(server.url("/exact"))
    assert isinstance(result, FetchResult)
    assert len(result.body) == 1_000


def _chunked(body: bytes) -> Route:
    def route(h: _Handler) -> None:
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for i in range(0, len(body), 300):
            piece = body[i : i + 300]
            h.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        h.wfile.write(b"0\r\n\r\n")

    return route


def test_content_length_over_cap_refused_before_reading(server: _Server) -> None:
    def route(h: _Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "50000000")
        h.end_headers()
        h.wfile.write(b"x" * 10)
        h.wfile.flush()
        time.sleep(3)  # a client reading the body would time out instead

    server.routes["/cl"] = route
    with Fetcher(make_settings(max_body_bytes=1_000_000, read_timeout_s=2.0)) as f:
        start = time.monotonic()
        with pytest.raises(ResponseTooLarge, match="Content-Length"):
            f.fetch(server.url("/cl"))
        assert time.monotonic() - start < 1.0


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send
        ("br", brotli.compress),
        ("identity", lambda b: b),
        ("gzip, br", lambda b: brotli.compress(gzip.compress(b))),
    ],
)
def test_content_encodings_decoded(
    server: _Server, fetcher: Fetcher, coding: str, encode: Callable[[bytes], bytes]
) -> None:
    body = (PAGE * 2000).encode("utf-8")
    server.routes["/enc"] = respond(200, encode(body), {"Content-Encoding": coding})
    result = fetcher.fetch(server.url("/enc"))
    assert isinstance(result, FetchResult)
    assert result.body == body


def test_corrupt_gzip_is_fetch_error(server: _Server, fetcher: Fetcher) -> None:
    server.routes["/corrupt"] = respond(
        200, b"\x1f\x8bnot gzip at all", {"Content-Encoding": "gzip"}
    )
    with pytest.raises(FetchError, match="decode"):
        fetcher.fetch(server.url("/corrupt"))


# ---------------------------------------------------------------------------------------
# robots.txt

ROBOTS = b"User-agent: *\nDisallow: /private\n"


def test_robots_disallow_and_fetched_once(server: _Server) -> None:
    server.routes["/robots.txt"] = respond(200, ROBOTS, {"Content-Type": "text/plain"})
    server.routes["/public"] = respond(200, b"ok")
    server.routes["/private/x"] = respond(200, b"secret")
    with Fetcher(make_settings(respect_robots=True)) as f:
        assert isinstance(f.fetch(server.url("/public")), FetchResult)
        with pytest.raises(RobotsDisallowed) as info:
            f.fetch(server.url("/private/x"), source_id="rb")
        assert isinstance(f.fetch(server.url("/public")), FetchResult)
    assert info.value.source_id == "rb"
    assert not info.value.retryable
    assert server.hits["/robots.txt"] == 1
    assert server.hits.get("/private/x", 0) == 0
    robots_headers = next(h for p, h in server.requests if p == "/robots.txt")
    assert robots_headers["user-agent"] == UA


def test_robots_ttl_expires(server: _Server) -> None:
    clock = FakeClock()
    server.routes["/robots.txt"] = respond(200, ROBOTS)
    server.routes["/a"] = respond(200, b"a")
    with Fetcher(
        make_settings(respect_robots=True, robots_ttl_s=100.0),
        monotonic=clock.monotonic,
        sleep=clock.sleep,
    ) as f:
        f.fetch(server.url("/a"))
        clock.now += 50
        f.fetch(server.url("/a"))
        assert server.hits["/robots.txt"] == 1
        clock.now += 60
        f.fetch(server.url("/a"))
        assert server.hits["/robots.txt"] == 2


@pytest.mark.parametrize("status", [404, 403, 500, 503])
def test_robots_errors_allow_all(server: _Server, status: int) -> None:
    server.routes["/robots.txt"] = respond(status, b"nope")
    server.routes["/private/y"] = respond(200, b"ok")
    with Fetcher(make_settings(respect_robots=True)) as f:
        result = f.fetch(server.url("/private/y"))
    assert isinstance(result, FetchResult)


def test_robots_timeout_allows(server: _Server) -> None:
    server.routes["/robots.txt"] = respond(200, ROBOTS, delay=1.0)
    server.routes["/private/z"] = respond(200, b"ok")
    with Fetcher(make_settings(respect_robots=True, read_timeout_s=0.2)) as f:
        result = f.fetch(server.url("/private/z"))
    assert isinstance(result, FetchResult)


def test_robots_skipped_when_not_respected(server: _Server, fetcher: Fetcher) -> None:
    server.routes["/robots.txt"] = respond(200, ROBOTS)
    server.routes["/private/w"] = respond(200, b"ok")
    assert isinstance(fetcher.fetch(server.url("/private/w")), FetchResult)
    assert "/robots.txt" not in server.hits


def test_robots_checked_on_redirect_target(server: _Server) -> None:
    server.routes["/robots.txt"] = respond(200, ROBOTS)
    server.routes["/go"] = redirect("/private/after-redirect")
    with Fetcher(make_settings(respect_robots=True)) as f, pytest.raises(RobotsDisallowed):
        f.fetch(server.url("/go"))
    assert server.hits.get("/private/after-redirect", 0) == 0


# ---------------------------------------------------------------------------------------
# Politeness


@dataclass
class FakeClock:
    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _mock_fetcher(clock: FakeClock, delay: float, request_s: float = 0.0) -> Fetcher:
    def handler(request: httpx.Request) -> httpx.Response:
        clock.now += request_s  # the request itself takes this long
        return httpx.Response(200, content=b"ok")

    return Fetcher(
        make_settings(host_delay_s=delay),
        transport=httpx.MockTransport(handler),
        sleep=clock.sleep,
        monotonic=clock.monotonic,
    )


def test_host_delay_with_fake_clock() -> None:
    clock = FakeClock()
    with _mock_fetcher(clock, delay=2.0, request_s=0.5) as f:
        f.fetch("http://a.example/1")
        assert clock.sleeps == []
        f.fetch("http://a.example/2")
        assert clock.sleeps == [pytest.approx(2.0)]  # delay counts from the end of /1
        f.fetch("http://b.example/1")  # another host: no wait
        assert clock.sleeps == [pytest.approx(2.0)]
        clock.now += 1.0  # with b's 0.5 s request, 1.5 s have passed since a/2 ended
        f.fetch("http://a.example/3")
        assert clock.sleeps == [pytest.approx(2.0), pytest.approx(0.5)]
        clock.now += 10
        f.fetch("http://a.example/4")
        assert len(clock.sleeps) == 2


def test_one_request_at_a_time_per_host(server: _Server) -> None:
    state = {"now": 0, "max": 0}
    lock = threading.Lock()

    def route(h: _Handler) -> None:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        respond(200, b"ok")(h)

    for i in range(6):
        server.routes[f"/p{i}"] = route
    with Fetcher(make_settings()) as f:
        threads = [threading.Thread(target=f.fetch, args=(server.url(f"/p{i}"),)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sum(server.hits.get(f"/p{i}", 0) for i in range(6)) == 6
    assert state["max"] == 1


# ---------------------------------------------------------------------------------------
# SSRF guard


class RecordingTransport(httpx.BaseTransport):
    """Passes requests to a real transport and remembers their URLs."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport(retries=0)
        self.urls: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_loopback_blocked_without_allow_list(server: _Server) -> None:
    server.routes["/page"] = respond(200, b"ok")
    with Fetcher(make_settings(allow_addresses=())) as f, pytest.raises(BlockedAddress) as info:
        f.fetch(server.url("/page"), source_id="ssrf")
    assert info.value.source_id == "ssrf"
    assert not info.value.retryable
    assert server.hits == {}


def test_loopback_blocked_with_robots_on(server: _Server) -> None:
    settings = make_settings(allow_addresses=(), respect_robots=True)
    with Fetcher(settings) as f, pytest.raises(BlockedAddress):
        f.fetch(server.url("/page"))
    assert server.hits == {}


def test_redirect_to_metadata_address_blocked(server: _Server) -> None:
    server.routes["/meta"] = redirect("http://169.254.169.254/latest/meta-data/")
    recorder = RecordingTransport()
    transport = GuardedTransport(recorder, LOOPBACK)
    with Fetcher(make_settings(), transport=transport) as f, pytest.raises(BlockedAddress) as info:
        f.fetch(server.url("/meta"), source_id="meta")
    assert info.value.url == "http://169.254.169.254/latest/meta-data/"
    assert info.value.source_id == "meta"
    assert recorder.urls == [server.url("/meta")]  # the metadata hop never reached a socket


def test_guard_checks_every_resolved_address() -> None:
    calls: list[str] = []

    def inner(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(200, content=b"ok")

    def resolver(host: str, port: int) -> list[str]:
        return {
            "internal.example": ["10.0.0.1"],
            "mixed.example": ["93.184.216.34", "10.1.2.3"],
            "public.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
        }[host]

    guard = GuardedTransport(httpx.MockTransport(inner), (), resolver=resolver)
    with httpx.Client(transport=guard) as client:
        for host in ("internal.example", "mixed.example", "10.0.0.1", "[::1]", "0.0.0.0"):
            with pytest.raises(BlockedAddress):
                client.get(f"http://{host}/")
        assert client.get("http://public.example/").status_code == 200
    assert calls == ["http://public.example/"]

    allowed = GuardedTransport(
        httpx.MockTransport(inner), ("internal.example", "10.1.0.0/16"), resolver=resolver
    )
    with httpx.Client(transport=allowed) as client:
        assert client.get("http://internal.example/").status_code == 200  # by host name
        assert client.get("http://mixed.example/").status_code == 200  # by CIDR


class ToLoopback(httpx.BaseTransport):
    """Simulates DNS rebinding: whatever the guard resolved, connect to 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.inner = httpx.HTTPTransport(retries=0)
        self.port = port

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(host="127.0.0.1", port=self.port)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_guard_checks_the_connected_peer(server: _Server) -> None:
    server.routes["/internal"] = respond(200, b"internal secret")
    port = server.server_address[1]

    def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34"]  # looks public when checked

    guard = GuardedTransport(ToLoopback(port), (), resolver=resolver)
    with Fetcher(make_settings(), transport=guard) as f, pytest.raises(BlockedAddress):
        f.fetch("http://rebind.example/internal")
    allowed = GuardedTransport(ToLoopback(port), LOOPBACK, resolver=resolver)
    with Fetcher(make_settings(), transport=allowed) as f:
        result = f.fetch("http://rebind.example/internal")
    assert isinstance(result, FetchResult)
    assert result.body == b"internal secret"


def test_guard_unresolvable_host_is_connect_error() -> None:
    def resolver(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    guard = GuardedTransport(
        httpx.MockTransport(lambda r: httpx.Response(200)), (), resolver=resolver
    )
    with Fetcher(make_settings(), transport=guard) as f, pytest.raises(FetchError) as info:
        f.fetch("http://no-such-host.invalid/")
    assert isinstance(info.value.__cause__, httpx.ConnectError)


@pytest.mark.parametrize(
    ("ip", "allow", "blocked"),
    [
        ("10.0.0.1", (), True),
        ("10.0.0.1", ("10.0.0.0/8",), False),
        ("10.0.0.1", ("10.0.0.2",), True),
        ("127.0.0.1", (), True),
        ("127.0.0.1", ("127.0.0.1",), False),
        ("127.0.0.2", ("127.0.0.1",), True),
        ("169.254.169.254", (), True),
        ("172.16.5.4", (), True),
        ("192.168.1.1", (), True),
        ("100.64.0.1", (), True),
        ("224.0.0.1", (), True),
        ("240.0.0.1", (), True),
        ("0.0.0.0", (), True),
        ("255.255.255.255", (), True),
        ("::1", (), True),
        ("::", (), True),
        ("fe80::1", (), True),
        ("fc00::1", (), True),
        ("ff02::1", (), True),
        ("::ffff:10.0.0.1", (), True),
        ("::ffff:127.0.0.1", ("127.0.0.1",), False),
        ("8.8.8.8", (), False),
        ("93.184.216.34", (), False),
        ("2001:4860:4860::8888", (), False),
        ("10.0.0.1", ("intranet.example",), True),  # host names do not allow IPs
    ],
)
def test_is_blocked(ip: str, allow: tuple[str, ...], blocked: bool) -> None:
    assert is_blocked(ip, allow) is blocked


# ---------------------------------------------------------------------------------------
# Challenge pages

RUISHU_412 = (
    b'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; '
    b'charset=utf-8"><meta id="9DhefwqGPrzGxEp9hPaoag" content="x" r="m">'
    b"<script type=\"text/javascript\">$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=12345;"
    b'$_ts.cd="qxxxEr";</script><script type="text/javascript" charset="utf-8" '
    b'src="/4QbVtADbnLVIc/c.FxJzG50F.2bdd7c5.js" r="m"></script></head><body></body></html>'
)
JS_WALL_200 = (
    "<html><head><title>提示</title></head><body>"
    "<p>您的浏览器禁用了脚本，请开启JavaScript后刷新页面。</p></body></html>"
).encode()
JSL_521 = (
    b"<html><body><script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')"
    b"+('e')+('a')+('r')+('a')+('n')+('c')+('e')+('=')+(+new Date());"
    b"location.href=location.pathname+location.search</script></body></html>"
)
WZWS_200 = (
    b'<html><head><script type="text/javascript">var wzwstemplate = "KJKGFD";'
    b'var wzwschallenge="x";var encoderchallenge=""; window.location="/WZWSREL2luZGV4"</script>'
    b"</head><body></body></html>"
)


def test_ruishu_412_is_challenge(server: _Server, fetcher: Fetcher) -> None:
    server.routes["/rs"] = respond(
        412, RUISHU_412, {"Set-Cookie": "FSSBBIl1UgzbN7N80S=abc; Path=/"}
    )
    with pytest.raises(ChallengePage) as info:
        fetcher.fetch(server.url("/rs"), source_id="rs")
    assert info.value.code == "challenge"
    assert not info.value.retryable
    assert info.value.source_id == "rs"


def test_js_wall_200_is_challenge(server: _Server, fetcher: Fetcher) -> None:
    server.routes["/wall"] = respond(200, JS_WALL_200, {"Content-Type": "text/html"})
    with pytest.raises(ChallengePage):
        fetcher.fetch(server.url("/wall"))


def test_js_wall_gbk(server: _Server, fetcher: Fetcher) -> None:
    body = JS_WALL_200.decode().replace("请开启", "请启用").encode("gbk")
    server.routes["/wallgbk"] = respond(200, body)
    with pytest.raises(ChallengePage):
        fetcher.fetch(server.url("/wallgbk"))


@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        (412, {}, RUISHU_412),
        (202, {}, RUISHU_412),
        (200, {}, RUISHU_412),
        (200, {}, JS_WALL_200),
        (521, {}, JSL_521),
        (200, {}, JSL_521),
        (200, {}, WZWS_200),
        (412, {"Set-Cookie": "FSSBBIl1UgzbN7N443=1"}, b"<html></html>"),
        (200, {}, b"<html><noscript>Please enable JavaScript to continue.</noscript></html>"),
        (403, {"CF-Mitigated": "challenge"}, b"<html>Just a moment...</html>"),
        (412, {}, "<html><body>请开启 JavaScript 并刷新该页</body></html>".encode()),
        (412, {}, "<p>请启用&nbsp;javascript</p>".encode("gb18030")),
    ],
)
def test_is_challenge_positive(status: int, headers: dict[str, str], body: bytes) -> None:
    assert is_challenge(status, headers, body)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b"<html><body><p>ok</p></body></html>"),
        (404, JS_WALL_200),  # not a challenge status
        (500, RUISHU_412),
        (200, b""),
        (412, b"precondition failed"),
    ],
)
def test_is_challenge_negative(status: int, body: bytes) -> None:
    assert not is_challenge(status, {}, body)


def _corpus_pages(corpus_dir: Path) -> list[Path]:
    pages = []
    for folder in ("upstream-html", "upstream-feeds", "upstream-api", "awkward-feeds"):
        if (corpus_dir / folder).is_dir():
            pages += sorted(p for p in (corpus_dir / folder).iterdir() if p.is_file())
    return pages


def test_no_corpus_page_is_a_challenge(corpus_dir: Path) -> None:
    pages = _corpus_pages(corpus_dir)
    assert len(pages) > 20
    html = [p for p in pages if p.parent.name == "upstream-html"]
    assert html
    for page in pages:
        body = page.read_bytes()
        for status in (200, 202):
            assert not is_challenge(status, {"Content-Type": "text/html"}, body), page.name


def test_real_page_with_js_notice_is_not_a_challenge(corpus_dir: Path) -> None:
    """A real page carrying a noscript notice and a cookie script still is not a wall."""
    extra = (
        "<noscript>您的浏览器不支持脚本，请开启JavaScript。Please enable JavaScript.</noscript>"
        "<script>document.cookie='a=1';if(!x){location.reload()}</script>"
    ).encode()
    for page in (corpus_dir / "upstream-html").iterdir():
        body = page.read_bytes()
        patched = body.replace(b"</body>", extra + b"</body>", 1)
        assert not is_challenge(200, {}, patched), page.name


# ---------------------------------------------------------------------------------------
# Retry-After


NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("0", 0.0),
        ("Sun, 29 Nov 2026 04:02:00 GMT", 120.0),
        ("Sunday, 29-Nov-26 04:01:00 GMT", 60.0),
        ("Sun Nov 29 04:00:30 2026", 30.0),
        ("Sun, 29 Nov 2026 03:00:00 GMT", 0.0),  # in the past
        ("-1", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_parse_retry_after_naive_now() -> None:
    naive = NOW.replace(tzinfo=None)
    assert parse_retry_after("Sun, 29 Nov 2026 04:00:10 GMT", naive) == 10.0


def test_settings_max_redirects_is_capped(server: _Server) -> None:
    settings = replace(make_settings(), max_redirects=50)
    with Fetcher(settings) as f, pytest.raises(FetchError, match="too many redirects"):
        f.fetch(_chain(server, 6))


def test_a_dripping_body_stops_at_the_deadline() -> None:
    from hub.fetch import _read_body

    clock = iter(range(100))
    request = httpx.Request("GET", "http://127.0.0.1/slow")
    drip = httpx.Response(200, content=iter([b"x"] * 50), request=request)
    with pytest.raises(FetchTimeout):
        _read_body(drip, 1_000_000, truncate=False, deadline=10, monotonic=lambda: next(clock))
    whole = httpx.Response(200, content=iter([b"x"] * 5), request=request)
    assert _read_body(whole, 100, truncate=False, deadline=10, monotonic=lambda: 0.0) == b"xxxxx"
