"""Serve recorded upstream responses through the real fetch path.

A replay folder holds ``responses.jsonl`` (format: ``corpus/replay/README.md``): one JSON
object per line with ``url``, ``status``, ``headers``, ``body`` (a file path relative to
the folder, ``../`` allowed) and an optional ``note``. :class:`ReplayTransport` is an
``httpx`` transport, so ``Fetcher(settings, transport=load_replay(folder))`` runs exactly
the production code (redirects, conditional GET, size cap, challenge check) with no
network.

Rules (from the README):

* match on the whole URL (scheme, host, port, path, query) after lower-casing scheme and
  host; nothing else is normalized (``index.html`` is not added or removed);
* a URL that is not listed answers ``404`` with an empty body;
* headers are served as listed: no ``ETag``/``Last-Modified`` unless listed;
* ``304`` only when ``If-None-Match`` matches a listed ``ETag`` (weak comparison, RFC
  9110 §13.1.2) or, without ``If-None-Match``, ``If-Modified-Since`` is not earlier than a
  listed ``Last-Modified`` (RFC 9110 §13.1.3);
* bodies are served as the stored bytes (a listed ``Content-Encoding`` is left as is).
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx

__all__ = ["ReplayEntry", "ReplayTransport", "load_replay", "replay_key"]

RESPONSES_FILE = "responses.jsonl"

#: Headers a 304 repeats from the full response (RFC 9110 §15.4.5, plus Last-Modified).
_NOT_MODIFIED_HEADERS = frozenset(
    {"cache-control", "content-location", "date", "etag", "expires", "last-modified", "vary"}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplayEntry:
    """One recorded response; ``line`` is its 1-based line in ``responses.jsonl``."""

    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    body_path: Path
    note: str = ""
    line: int = 0

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None


def replay_key(url: str | httpx.URL) -> str:
    """The lookup key of ``url``: lower-case scheme and host, port, raw path and query.

    Both the listed URL and the request URL go through ``httpx.URL``, so they are
    percent-encoded the same way; the fragment is dropped (it is never sent).
    """
    u = url if isinstance(url, httpx.URL) else httpx.URL(url)
    host = u.raw_host.decode("ascii").lower()
    if ":" in host:
        host = f"[{host}]"
    port = f":{u.port}" if u.port is not None else ""
    return f"{u.scheme.lower()}://{host}{port}{u.raw_path.decode('ascii')}"


def _etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison of an ``If-None-Match`` list against one ETag (RFC 9110 §13.1.2)."""

    def opaque(tag: str) -> str:
        tag = tag.strip()
        return tag[2:] if tag.startswith(("W/", "w/")) else tag

    wanted = [t for t in (p.strip() for p in if_none_match.split(",")) if t]
    if "*" in wanted:
        return True
    return any(opaque(t) == opaque(etag) for t in wanted)


def _http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else None


def _not_modified(entry: ReplayEntry, request: httpx.Request) -> bool:
    if entry.status != 200 or request.method not in ("GET", "HEAD"):
        return False
    inm = request.headers.get("if-none-match")
    if inm is not None:
        etag = entry.header("etag")
        return etag is not None and _etag_matches(inm, etag)
    ims = request.headers.get("if-modified-since")
    last_modified = entry.header("last-modified")
    if ims is None or last_modified is None:
        return False
    if ims.strip() == last_modified.strip():
        return True
    since, modified = _http_date(ims), _http_date(last_modified)
    return since is not None and modified is not None and modified <= since


class _BodyStream(httpx.SyncByteStream):
    """The stored bytes as a stream, so httpx does not read them eagerly and the fetcher
    decodes them exactly as it decodes a network body."""

    def __init__(self, body: bytes, chunk_size: int = 64 * 1024) -> None:
        self._body = body
        self._chunk_size = chunk_size

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self._body), self._chunk_size):
            yield self._body[start : start + self._chunk_size]


class ReplayTransport(httpx.BaseTransport):
    """An ``httpx`` transport answering from a replay folder (see the module docstring).

    ``ReplayTransport(folder)`` reads ``folder/responses.jsonl`` and every body file at
    once; it raises ``ValueError`` naming the file and line for a malformed line, a
    missing body file or a duplicate URL, or naming the file when it is absent.
    ``entries`` lists what is served; ``requests`` keeps the last 10 000 requests seen (for tests).
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.entries: tuple[ReplayEntry, ...] = tuple(_load_entries(self.directory))
        self._by_key: dict[str, ReplayEntry] = {replay_key(e.url): e for e in self.entries}
        self.requests: deque[httpx.Request] = deque(maxlen=10_000)

    def lookup(self, url: str | httpx.URL) -> ReplayEntry | None:
        """The entry recorded for ``url``, or None."""
        return self._by_key.get(replay_key(url))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        entry = self.lookup(request.url)
        if entry is None:
            return httpx.Response(404, content=b"", request=request)
        if _not_modified(entry, request):
            headers = [(k, v) for k, v in entry.headers if k.lower() in _NOT_MODIFIED_HEADERS]
            return httpx.Response(304, headers=headers, content=b"", request=request)
        body = b"" if request.method == "HEAD" else entry.body
        headers = list(entry.headers)
        if entry.header("content-length") is None:
            headers.append(("Content-Length", str(len(entry.body))))
        return httpx.Response(
            entry.status,
            headers=headers,
            stream=_BodyStream(body),
            request=request,
        )


def load_replay(directory: str | os.PathLike[str]) -> ReplayTransport:
    """Build a :class:`ReplayTransport` from ``directory/responses.jsonl``.

    Raises ``ValueError`` (``"<file>:<line>: <problem>"``) for a malformed line, a missing
    body file or a duplicate URL (or ``"<file>: replay file not found"`` when
    ``responses.jsonl`` is absent).
    """
    return ReplayTransport(directory)


def _load_entries(directory: Path) -> list[ReplayEntry]:
    path = directory / RESPONSES_FILE
    entries: list[ReplayEntry] = []
    seen: dict[str, int] = {}
    if not path.is_file():
        raise ValueError(f"{path}: replay file not found")
    with path.open(encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue

            def fail(problem: str, lineno: int = lineno) -> ValueError:
                return ValueError(f"{path}:{lineno}: {problem}")

            try:
                obj: Any = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise fail(f"not valid JSON: {exc.msg} (column {exc.colno})") from exc
            entry = _parse_entry(obj, directory, lineno, fail)
            key = replay_key(entry.url)
            if key in seen:
                raise fail(f"duplicate url {entry.url!r} (first on line {seen[key]})")
            seen[key] = lineno
            entries.append(entry)
    return entries


def _parse_entry(
    obj: Any, directory: Path, lineno: int, fail: Callable[[str], ValueError]
) -> ReplayEntry:
    if not isinstance(obj, dict):
        raise fail("expected a JSON object")
    url = obj.get("url")
    if not isinstance(url, str) or not url:
        raise fail("'url' must be a non-empty string")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise fail(f"invalid url {url!r}: {exc}") from exc
    if parsed.scheme.lower() not in ("http", "https") or not parsed.host:
        raise fail(f"'url' must be an absolute http(s) URL, got {url!r}")
    status = obj.get("status")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise fail(f"'status' must be an integer 100-599, got {status!r}")
    headers = obj.get("headers", {})
    if not isinstance(headers, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise fail("'headers' must be an object of string values")
    body_ref = obj.get("body")
    if not isinstance(body_ref, str) or not body_ref:
        raise fail("'body' must be a path relative to the replay folder")
    note = obj.get("note", "")
    if not isinstance(note, str):
        raise fail("'note' must be a string")
    body_path = directory / body_ref
    try:
        body = body_path.read_bytes()
    except OSError as exc:
        raise fail(f"body file {body_ref!r} cannot be read ({body_path}): {exc}") from exc
    return ReplayEntry(
        url=url,
        status=status,
        headers=tuple(headers.items()),
        body=body,
        body_path=body_path,
        note=note,
        line=lineno,
    )
