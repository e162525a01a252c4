"""Pure identity rules: canonical URLs, guids and content hashes.

A guid must be the same every time the same announcement is polled, also when the site
moves from http to https, adds ``index.html``, a fragment or a tracking parameter. The
content hash decides whether a re-polled entry really changed (only then ``updated`` moves).
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["canonical_url", "content_hash", "entry_guid"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_INDEX_PAGES = ("index.html", "index.htm", "index.shtml", "default.html", "default.htm")
# Session and tracking parameters that never select a different document.
_DROP_PARAMS = {
    "spm", "from", "isappinstalled", "share_token", "sessionid", "jsessionid", "phpsessid",
    "sid_for_share", "scene", "srcid", "timestamp", "_t", "t", "ts", "ref", "fbclid",
    "gclid", "clicktime", "enterid",
}  # fmt: skip


def canonical_url(url: str) -> str:
    """Canonical form of an absolute http(s) URL used for identity.

    Lower-case scheme and host, default port dropped, ``https`` folded to ``http`` (so a
    site moving to TLS keeps its guids), ``;jsessionid=`` path parameters and fragments
    removed, a trailing ``index.html``/``index.htm``/``index.shtml`` removed, ``utm_*`` and
    known session/tracking query parameters removed, remaining parameters sorted.
    Non-http(s) input is returned stripped but otherwise unchanged.
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path.split(";", 1)[0] or "/"
    for index in _INDEX_PAGES:
        if path.lower().endswith("/" + index):
            path = path[: -len(index)]
            break
    params = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _DROP_PARAMS
    ]
    query = urlencode(sorted(params))
    return urlunsplit(("http", netloc, path, query, ""))


def entry_guid(*, link: str | None, upstream_guid: str | None, source_id: str, title: str) -> str:
    """The stable guid of an entry.

    Order (miniflux's fallback chain): the canonical link when there is one — the
    announcement's address is its identity, whoever republishes it; else the upstream
    feed's own guid, prefixed with the source id (guids are only unique within a feed);
    else a hash of source id and title. Returns a URI (``http://…`` or ``urn:hub:…``).
    """
    if link and urlsplit(link).scheme in _DEFAULT_PORTS:
        return canonical_url(link)
    if upstream_guid:
        return f"urn:hub:{source_id}:{upstream_guid.strip()}"
    digest = hashlib.sha256(f"{source_id}\x1f{title}".encode()).hexdigest()[:32]
    return f"urn:hub:{source_id}:sha256:{digest}"


def content_hash(*fields: str | None) -> str:
    """SHA-256 (hex) over the fields that make an entry's visible content, in order;
    None and "" hash alike."""
    h = hashlib.sha256()
    for value in fields:
        h.update((value or "").encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()
