"""The hub's one upstream HTTP client.

:class:`Fetcher` wraps one ``httpx.Client`` and adds what a polite, safe crawler of
government sites needs:

* conditional GET (``If-None-Match`` / ``If-Modified-Since``, RFC 9110 §13.1) and
  :class:`~hub.types.NotModified` for a ``304``;
* a body cap *after* decompression, enforced while streaming, so a gzip or brotli bomb
  stops at ``settings.max_body_bytes`` (:class:`~hub.errors.ResponseTooLarge`);
* redirects followed hop by hop (at most ``min(settings.max_redirects, 5)``), each hop
  going through the transport (the SSRF guard), robots.txt and the per-host politeness
  rules; a redirect's own body is never read;
* robots.txt (RFC 9309, parsed by ``protego``) fetched once per origin and cached for
  ``settings.robots_ttl_s`` seconds;
* per-host politeness: one request at a time per host, and at least
  ``settings.host_delay_s`` seconds between the end of one request and the start of
  the next to the same host;
* anti-bot challenge pages (瑞数 412, WZWS, 加速乐 521, "请开启JavaScript" walls)
  recognised by :func:`is_challenge` and raised as :class:`~hub.errors.ChallengePage`;
* errors from the :mod:`hub.errors` tree, each carrying ``url`` and ``source_id``.

The transport is injectable: production uses ``GuardedTransport(HTTPTransport())``,
tests and the offline demo use :class:`hub.replay.ReplayTransport` or
``httpx.MockTransport`` through the very same code path.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType

import brotli  # type: ignore[import-untyped]  # no stubs; lead: add to mypy overrides
import httpx
from protego import Protego

from hub.errors import (
    BlockedAddress,
    ChallengePage,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    ResponseTooLarge,
    RobotsDisallowed,
)
from hub.netguard import GuardedTransport
from hub.types import CachingInfo, FetchResult, FetchSettings, NotModified

__all__ = ["Fetcher", "is_challenge", "parse_retry_after"]

log = logging.getLogger("hub.fetch")

DEFAULT_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACCEPT_ENCODING = "gzip, deflate, br"
ACCEPT_LANGUAGE = "zh-CN,zh;q=0.9,en;q=0.5"
#: Hard ceiling on redirects, whatever the settings say.
MAX_REDIRECTS = 5
#: A body must arrive within this many read timeouts in all.
BODY_DEADLINE_READS = 4
#: RFC 9309 §2.5: a crawler may stop parsing robots.txt after 500 KiB.
ROBOTS_MAX_BYTES = 500 * 1024
#: After a 5xx or network failure on robots.txt, ask again after this many seconds.
ROBOTS_RETRY_S = 600.0
#: How much of an error page (status >= 400) is read, to spot a challenge (bytes).
ERROR_BODY_BYTES = 256 * 1024
#: Largest piece a decompressor may produce at once (bytes).
_DECODE_CHUNK = 64 * 1024


# ---------------------------------------------------------------------------------------
# Retry-After


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (RFC 9110 §10.2.3).

    ``value`` is delta-seconds (``"120"``) or an HTTP-date (IMF-fixdate, RFC 850 or
    asctime form, all GMT); ``now`` is the current time (aware; naive means UTC). A date
    in the past gives ``0.0``; a missing or unreadable value gives ``None``.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if re.fullmatch(r"[0-9]+", text):
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


# ---------------------------------------------------------------------------------------
# Anti-bot challenge pages

#: Statuses anti-bot walls answer with: 瑞数 412, 加速乐 521, some WAFs 202 or 200.
CHALLENGE_STATUSES = frozenset({200, 202, 412, 521})

#: Signatures specific to a challenge product; enough on a 202/412/521 answer.
_VENDOR_SIGNATURES = (
    re.compile(rb"\$_ts\s*=\s*window\["),  # 瑞数 (Riversecurity): $_ts=window['$_ts']
    re.compile(rb"\$_ts\.(?:nsd|cd|lcd)\b"),  # 瑞数 state fields
    re.compile(rb"FSSBBIl1UgzbN7N"),  # 瑞数 cookie name prefix
    re.compile(rb"WZWS_CONFIRM", re.IGNORECASE),  # WZWS (网站卫士) confirm form
    re.compile(rb"wzws(?:template|challenge|question|cid|_sid|redirect)", re.IGNORECASE),
    re.compile(rb"__jsl_clearance"),  # 加速乐 (Knownsec) cookie
)
#: Weaker hints; only count on a tiny page.
#: "请开启JavaScript" and its variants, with or without spaces, UTF-8 or GB18030 bytes.
_JS_REQUIRED = tuple(
    re.compile(
        re.escape("请".encode(encoding))
        + b"(?:"
        + b"|".join(re.escape(verb.encode(encoding)) for verb in ("开启", "启用", "打开"))
        + rb")\s*(?:\xc2\xa0|&nbsp;)*\s*javascript",
        re.IGNORECASE,
    )
    for encoding in ("utf-8", "gb18030")
)
_NOSCRIPT_ENABLE = re.compile(
    rb"<noscript[^>]*>(?:(?!</noscript).){0,300}?"
    rb"(?:enable|turn on|activate|allow)\s+javascript",
    re.IGNORECASE | re.DOTALL,
)
_COOKIE_SCRIPT = re.compile(rb"document\.cookie\s*=", re.IGNORECASE)
_RELOAD_SCRIPT = re.compile(
    rb"location\.(?:reload|replace|assign)\s*\(|location(?:\.href)?\s*=[^=]", re.IGNORECASE
)
_SCRIPT_OR_STYLE = re.compile(
    rb"<(script|style|noscript)\b[^>]*>.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL
)
_TAG = re.compile(rb"<[^>]*>")
_SPACE = re.compile(rb"(?:\s|&nbsp;|\xe3\x80\x80)+")
#: A page with at most this much visible text (bytes, ~300 Chinese characters in UTF-8)
#: and no more than a few links is "tiny": no real list or article page is that small.
TINY_TEXT_BYTES = 900
_MAX_TINY_LINKS = 3
_LINK = re.compile(rb"<a\s[^>]*href\s*=", re.IGNORECASE)


def _is_tiny(body: bytes) -> bool:
    if len(body) > 256 * 1024:
        return False
    if len(_LINK.findall(body)) > _MAX_TINY_LINKS:
        return False
    text = _SPACE.sub(b"", _TAG.sub(b"", _SCRIPT_OR_STYLE.sub(b"", body)))
    return len(text) <= TINY_TEXT_BYTES


def is_challenge(status: int, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether a response is an anti-bot wall rather than the page asked for.

    ``headers`` keys may be any case; ``body`` is the decompressed body (bytes; matched
    as bytes, so GBK and UTF-8 pages both work). Deliberately conservative:

    * ``cf-mitigated: challenge`` (Cloudflare) on any status;
    * on 202/412/521: a vendor signature (瑞数 ``$_ts=window[...]``, ``FSSBBIl1UgzbN7N``
      cookies; WZWS ``WZWS_CONFIRM``/``wzwstemplate``; 加速乐 ``__jsl_clearance``) or,
      on a tiny page, a JavaScript cookie-and-reload script or a "请开启JavaScript" text;
    * on 200: the same, but only on a *tiny* page (little visible text, at most three
      links), so a real page that merely embeds such a script never matches.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    if lower.get("cf-mitigated", "").strip().lower() == "challenge":
        return True
    if status not in CHALLENGE_STATUSES:
        return False
    vendor = any(sig.search(body) for sig in _VENDOR_SIGNATURES) or (
        "FSSBBIl1UgzbN7N" in lower.get("set-cookie", "")
    )
    if status != 200 and vendor:
        return True
    if not _is_tiny(body):
        return False
    if vendor:
        return True
    if any(pattern.search(body) for pattern in _JS_REQUIRED):
        return True
    if _NOSCRIPT_ENABLE.search(body):
        return True
    return bool(_COOKIE_SCRIPT.search(body) and _RELOAD_SCRIPT.search(body))


# ---------------------------------------------------------------------------------------
# Bounded content decoding


def _inflate(chunks: Iterator[bytes], wbits: int) -> Iterator[bytes]:
    """zlib/gzip/raw-deflate decoding, at most ``_DECODE_CHUNK`` bytes per piece."""
    decoder = zlib.decompressobj(wbits)
    for chunk in chunks:
        data = chunk
        while data and not decoder.eof:
            out = decoder.decompress(data, _DECODE_CHUNK)
            if out:
                yield out
            data = decoder.unconsumed_tail
        if decoder.eof:
            return  # trailing bytes after the stream are ignored, as httpx does
    while not decoder.eof:
        out = decoder.decompress(b"", _DECODE_CHUNK)
        if not out:
            break
        yield out
    tail = decoder.flush()
    if tail:
        yield tail


def _deflate(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """``deflate`` is zlib-wrapped per RFC 9110 §8.4.1.2, but some servers send raw."""
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= 2:
            break
    zlib_wrapped = len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] * 256 + head[1]) % 31 == 0

    def rest() -> Iterator[bytes]:
        yield head
        yield from chunks

    yield from _inflate(rest(), zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)


def _unbrotli(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Brotli decoding with an output limit per call: brotli can expand 150 bytes to
    100 MB, so an unbounded ``process()`` is itself the bomb."""
    decoder = brotli.Decompressor()
    for chunk in chunks:
        out = decoder.process(chunk, output_buffer_limit=_DECODE_CHUNK)
        if out:
            yield out
        # Drain what this input produces; an empty answer means "needs more input".
        # (can_accept_more_data() turns True before the buffered output is drained.)
        while out and not decoder.is_finished():
            out = decoder.process(b"", output_buffer_limit=_DECODE_CHUNK)
            if out:
                yield out
        if decoder.is_finished():
            return


def _decoded(chunks: Iterator[bytes], content_encoding: str) -> Iterator[bytes]:
    """Undo ``Content-Encoding`` (codings listed in the order applied, RFC 9110 §8.4)."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    for coding in reversed(codings):
        if coding in ("gzip", "x-gzip"):
            chunks = _inflate(chunks, zlib.MAX_WBITS | 16)
        elif coding == "deflate":
            chunks = _deflate(chunks)
        elif coding == "br":
            chunks = _unbrotli(chunks)
        elif coding != "identity":
            log.warning("unknown Content-Encoding %r left as is", coding)
    return chunks


def _read_body(
    response: httpx.Response,
    cap: int,
    *,
    truncate: bool,
    deadline: float | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> bytes:
    """Read and decompress the body, at most ``cap`` bytes after decompression.

    Over the cap: raise ``ResponseTooLarge``, or with ``truncate`` return the first
    ``cap`` bytes. Reading stops as soon as the cap is passed, so a bomb costs at most
    ``cap + 64 KiB`` of memory. Past ``deadline`` (a ``monotonic()`` value) the read stops
    with ``FetchTimeout``: a server dripping bytes just inside the read timeout cannot hold
    a poll forever. Raises ``FetchError`` when the body cannot be decoded.
    """
    buf = bytearray()
    encoding = response.headers.get("content-encoding", "")
    if response.is_stream_consumed:
        # Already read (and decoded) by httpx, e.g. httpx.Response(content=...) from a
        # MockTransport: nothing left to bound but the size.
        pieces: Iterator[bytes] = iter((response.content,))
    else:
        pieces = _decoded(response.iter_raw(), encoding)
    try:
        for piece in pieces:
            if deadline is not None and monotonic() > deadline:
                raise FetchTimeout("body not received in time", url=str(response.url))
            if len(buf) + len(piece) > cap:
                if truncate:
                    buf += piece[: cap - len(buf)]
                    break
                raise ResponseTooLarge(
                    f"body over {cap} bytes after decompression", url=str(response.url)
                )
            buf += piece
    except (zlib.error, brotli.error) as exc:
        raise FetchError(
            f"cannot decode Content-Encoding {encoding!r}", url=str(response.url)
        ) from exc
    return bytes(buf)


# ---------------------------------------------------------------------------------------
# The fetcher


@dataclass(slots=True)
class _HostSlot:
    lock: threading.Lock
    last_end: float | None = None


@dataclass(frozen=True, slots=True)
class _Robots:
    parser: Protego | None  # None: everything allowed
    expires: float  # monotonic seconds


@dataclass(frozen=True, slots=True)
class _Exchange:
    """The final (non-redirect) response of a request chain."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_s: float


def _origin(url: httpx.URL) -> str:
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{url.raw_host.decode('ascii').lower()}{port}"


class Fetcher:
    """The one upstream HTTP client (see the module docstring).

    ``settings`` gives timeouts (seconds), the body cap (bytes), redirects, politeness
    delay, robots rules and the SSRF allow list. ``transport`` defaults to
    ``GuardedTransport(httpx.HTTPTransport(retries=0), settings.allow_addresses)``; pass
    a ``ReplayTransport`` or ``httpx.MockTransport`` to run offline (the SSRF guard is
    then the caller's business). ``sleep`` and ``monotonic`` are injectable so politeness
    can be tested with a fake clock. Safe to share between a few threads.
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._monotonic = monotonic
        if transport is None:
            transport = GuardedTransport(httpx.HTTPTransport(retries=0), settings.allow_addresses)
        self._max_redirects = max(0, min(settings.max_redirects, MAX_REDIRECTS))
        # Redirects are followed by hand (see _exchange), so the client never follows.
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
            follow_redirects=False,
            max_redirects=self._max_redirects,
            headers={
                "User-Agent": settings.user_agent,
                "Accept": DEFAULT_ACCEPT,
                "Accept-Encoding": ACCEPT_ENCODING,
                "Accept-Language": ACCEPT_LANGUAGE,
            },
            trust_env=False,
        )
        self._lock = threading.Lock()
        self._hosts: dict[str, _HostSlot] = {}
        self._robots: dict[str, _Robots] = {}
        self._robots_locks: dict[str, threading.Lock] = {}

    # -- public API ----------------------------------------------------------------------

    def fetch(
        self,
        url: str,
        *,
        caching: CachingInfo | None = None,
        source_id: str | None = None,
        accept: str | None = None,
    ) -> FetchResult | NotModified:
        """GET ``url`` and return the final response, or ``NotModified`` for a 304.

        ``caching`` adds ``If-None-Match``/``If-Modified-Since``; a 304 keeps the old
        validators the answer omits. ``accept`` overrides the ``Accept`` header.

        Raises (all with ``url`` and ``source_id``): ``BlockedAddress`` (SSRF guard),
        ``RobotsDisallowed``, ``FetchTimeout``, ``ResponseTooLarge``, ``ChallengePage``,
        ``HTTPStatusError`` (any final status outside 2xx/304; ``retry_after_s`` from
        ``Retry-After``), ``FetchError`` (too many redirects, transport or decoding
        failure; the cause chained).
        """
        try:
            return self._fetch(url, caching, accept)
        except FetchError as exc:
            if exc.source_id is None:
                exc.source_id = source_id
            if exc.url is None:
                exc.url = url
            raise

    def close(self) -> None:
        """Close the client and its connections."""
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- the request chain -----------------------------------------------------------------

    def _fetch(
        self, url: str, caching: CachingInfo | None, accept: str | None
    ) -> FetchResult | NotModified:
        headers: dict[str, str] = {}
        if accept:
            headers["Accept"] = accept
        if caching is not None:
            if caching.etag:
                headers["If-None-Match"] = caching.etag
            if caching.last_modified:
                headers["If-Modified-Since"] = caching.last_modified
        request = self._build_request(url, headers)
        cap = self.settings.max_body_bytes
        final = self._exchange(
            request, cap=cap, truncate=False, check_robots=self.settings.respect_robots
        )
        lower = final.headers
        if final.status == 304:
            old = caching or CachingInfo()
            return NotModified(
                url=final.url,
                caching=CachingInfo(
                    etag=lower.get("etag") or old.etag,
                    last_modified=lower.get("last-modified") or old.last_modified,
                ),
            )
        if is_challenge(final.status, lower, final.body):
            raise ChallengePage(f"anti-bot challenge page (HTTP {final.status})", url=final.url)
        if not 200 <= final.status < 300:
            raise HTTPStatusError(
                status=final.status,
                url=final.url,
                retry_after_s=parse_retry_after(lower.get("retry-after"), datetime.now(UTC)),
            )
        return FetchResult(
            url=final.url,
            status=final.status,
            headers=lower,
            body=final.body,
            caching=CachingInfo(etag=lower.get("etag"), last_modified=lower.get("last-modified")),
            elapsed_s=final.elapsed_s,
        )

    def _build_request(self, url: str, headers: Mapping[str, str]) -> httpx.Request:
        try:
            request = self._client.build_request("GET", url, headers=dict(headers))
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, TypeError, ValueError) as exc:
            err = FetchError(f"invalid URL {url!r}", url=url)
            err.retryable = False
            raise err from exc
        self._check_scheme(request.url)
        return request

    @staticmethod
    def _check_scheme(url: httpx.URL) -> None:
        if url.scheme not in ("http", "https") or not url.host:
            err = FetchError(f"unsupported URL {url}", url=str(url))
            err.retryable = False
            raise err

    def _exchange(
        self, request: httpx.Request, *, cap: int, truncate: bool, check_robots: bool
    ) -> _Exchange:
        """Send ``request``, following redirects hop by hop; return the final response.

        Each hop: scheme check, robots.txt (when ``check_robots``), the host slot
        (politeness), then the transport (the SSRF guard). A redirect's body is not read.
        The final body is read up to ``cap`` bytes (``ResponseTooLarge`` beyond, or cut
        with ``truncate``); an error page (>= 400) is cut at ``ERROR_BODY_BYTES``; a 304
        has none.
        """
        elapsed = 0.0
        redirects = 0
        while True:
            self._check_scheme(request.url)
            if check_robots:
                self._check_robots(request.url)
            url = str(request.url)
            next_request: httpx.Request | None = None
            with self._host_slot(request.url.host):
                start = self._monotonic()
                status = 0
                body = b""
                headers: dict[str, str] = {}
                try:
                    response = self._send(request)
                    try:
                        status = response.status_code
                        headers = {k.lower(): v for k, v in response.headers.items()}
                        if response.has_redirect_location:
                            next_request = response.next_request
                        elif status == 304:
                            pass
                        elif status >= 400:
                            body = self._read(response, min(cap, ERROR_BODY_BYTES), truncate=True)
                        else:
                            declared = _content_length(headers)
                            if declared is not None and declared > cap and not truncate:
                                raise ResponseTooLarge(
                                    f"Content-Length {declared} over {cap} bytes", url=url
                                )
                            body = self._read(response, cap, truncate=truncate)
                    finally:
                        response.close()
                finally:
                    took = self._monotonic() - start
                    elapsed += took
                    log.info("GET %s status=%s bytes=%d seconds=%.3f", url, status, len(body), took)
            if next_request is None:
                return _Exchange(
                    url=url, status=status, headers=headers, body=body, elapsed_s=elapsed
                )
            redirects += 1
            if redirects > self._max_redirects:
                raise FetchError(f"too many redirects (more than {self._max_redirects})", url=url)
            log.debug("redirect %s -> %s", url, next_request.url)
            request = next_request

    def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return self._client.send(request, stream=True, follow_redirects=False)
        except httpx.TimeoutException as exc:
            raise FetchTimeout("timed out", url=str(request.url)) from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise FetchError("request failed", url=str(request.url)) from exc

    def _read(self, response: httpx.Response, cap: int, *, truncate: bool) -> bytes:
        # the whole body within a few read timeouts (each read also has its own timeout)
        deadline = self._monotonic() + BODY_DEADLINE_READS * self.settings.read_timeout_s
        try:
            return _read_body(
                response, cap, truncate=truncate, deadline=deadline, monotonic=self._monotonic
            )
        except httpx.TimeoutException as exc:
            raise FetchTimeout("timed out reading the body", url=str(response.url)) from exc
        except httpx.HTTPError as exc:
            raise FetchError("failed reading the body", url=str(response.url)) from exc

    # -- politeness ---------------------------------------------------------------------

    @contextmanager
    def _host_slot(self, host: str) -> Iterator[None]:
        """Hold ``host``'s lock for one request, first waiting out ``host_delay_s``."""
        key = host.lower()
        with self._lock:
            slot = self._hosts.get(key)
            if slot is None:
                slot = self._hosts[key] = _HostSlot(threading.Lock())
        with slot.lock:
            delay = self.settings.host_delay_s
            if slot.last_end is not None and delay > 0:
                wait = slot.last_end + delay - self._monotonic()
                if wait > 0:
                    self._sleep(wait)
            try:
                yield
            finally:
                slot.last_end = self._monotonic()

    # -- robots.txt -------------------------------------------------------------------------

    def _check_robots(self, url: httpx.URL) -> None:
        if url.path == "/robots.txt":
            return
        parser = self._robots_for(url)
        if parser is not None and not parser.can_fetch(str(url), self.settings.user_agent):
            raise RobotsDisallowed(f"robots.txt disallows {url}", url=str(url))

    def _robots_for(self, url: httpx.URL) -> Protego | None:
        origin = _origin(url)
        with self._lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:
            cached = self._robots.get(origin)
            if cached is not None and cached.expires > self._monotonic():
                return cached.parser
            parser, ttl = self._fetch_robots(origin)
            self._robots[origin] = _Robots(parser, self._monotonic() + ttl)
            return parser

    def _fetch_robots(self, origin: str) -> tuple[Protego | None, float]:
        """Fetch and parse ``origin/robots.txt``: (parser or None for allow-all, ttl s).

        RFC 9309 §2.3.1: 2xx is parsed; 4xx means no rules. A 5xx or network failure is
        treated as allow-all too (a deliberate deviation from RFC 9309's "assume
        disallow", by the hub's choice) and asked again after ``ROBOTS_RETRY_S``.
        ``BlockedAddress`` is raised, not swallowed.
        """
        robots_url = f"{origin}/robots.txt"
        ttl = self.settings.robots_ttl_s
        retry = min(ttl, ROBOTS_RETRY_S)
        try:
            request = self._build_request(robots_url, {"Accept": "text/plain, */*;q=0.1"})
            final = self._exchange(request, cap=ROBOTS_MAX_BYTES, truncate=True, check_robots=False)
        except BlockedAddress:
            raise
        except FetchError as exc:
            log.warning("robots.txt %s unavailable, allowing all: %s", robots_url, exc)
            return None, retry
        if 200 <= final.status < 300:
            text = final.body.decode("utf-8", errors="replace")
            try:
                return Protego.parse(text), ttl
            except Exception as exc:  # protego is lenient; be safe on odd bytes
                log.warning("robots.txt %s unparsable, allowing all: %s", robots_url, exc)
                return None, ttl
        if 400 <= final.status < 500:
            return None, ttl
        log.warning("robots.txt %s answered %s, allowing all", robots_url, final.status)
        return None, retry


def _content_length(headers: Mapping[str, str]) -> int | None:
    value = headers.get("content-length")
    if value is None:
        return None
    try:
        return int(value.split(",")[0].strip())
    except ValueError:
        return None
