"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) with the standard ``json`` module.

Output: UTF-8 bytes of ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))``
plus a trailing newline; keys in the fixed order below (never sorted, never dependent on
dict history), optional members omitted when empty. Same inputs, same bytes.

Top level, in order: ``version`` (``https://jsonfeed.org/version/1.1``), ``title``,
``home_page_url`` (hub ``base_url + "/"``), ``feed_url`` (``base_url + path + ".json"``),
``description`` (the subtitle), ``language``, ``next_url`` (the RFC 5005 previous archive
as JSON, when there is one: JSON Feed pagination points at older items), ``hubs``
(``[{"type": "WebSub", "url": ...}]`` when the feed has a WebSub hub), ``items``.

Item, in order: ``id`` (the same id as Atom/RSS, see :func:`hub.publish.xml.entry_id`),
``url``, ``title``, ``content_html`` (with the visible 来源 attribution footer, as in
Atom and RSS), ``summary`` (plain text, when present), ``date_published``,
``date_modified`` (RFC 3339 at +08:00; a date-only entry is published at
``YYYY-MM-DDT00:00:00+08:00``; ``date_modified`` is the Atom ``updated``, see
:func:`hub.publish.xml.display_updated`), ``authors`` (``[{"name": author, else origin}]``),
``tags`` (``[category name, region name]``), ``attachments`` (``url``, ``mime_type``,
``size_in_bytes`` when known; when the entry has any), then the hub extension.

Extension object ``_hub`` (JSON Feed §"Extensions": keys starting with ``_`` are ignored
by readers that do not know them). Every key is always present, ``null`` when unknown::

    "_hub": {
      "origin":        "陕西省民政厅",     # 来源 as the page names it, or null
      "origin_url":    "https://...",     # the origin's page, else the polled source's URL
      "source":        {"id": "shaanxi-mz", "name": "陕西省民政厅 通知公告",
                        "url": "https://..."},   # the page/feed the hub polled
      "region":        {"code": "610000", "name": "陕西省", "slug": "shaanxi"},
      "category":      {"slug": "notices", "name": "通知公告"},
      "doc_number":    "陕民发〔2021〕12号",  # 发文字号, or null
      "index_number":  "...",             # 索引号, or null
      "date_only":     true,              # the upstream gave a day, not a time
      "article_missing": false            # built from the list page alone
    }
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hub.publish.xml import UNTITLED, EntryView, entry_view, unique_entries, xml_safe
from hub.types import Entry

if TYPE_CHECKING:
    from hub.publish import FeedMeta, PublishContext

__all__ = ["JSONFEED_VERSION", "render_json"]

JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"


def _item(v: EntryView) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": v.id,
        "url": v.link,
        "title": v.title,
        "content_html": v.content_html,
    }
    if v.summary:
        item["summary"] = v.summary
    item["date_published"] = v.published.isoformat()
    item["date_modified"] = v.updated.isoformat()
    item["authors"] = [{"name": v.creator}]
    item["tags"] = [v.category_name, v.region_name]
    if v.enclosures:
        attachments: list[dict[str, Any]] = []
        for url, mime, length in v.enclosures:
            att: dict[str, Any] = {"url": url, "mime_type": mime or "application/octet-stream"}
            if length > 0:
                att["size_in_bytes"] = length
            attachments.append(att)
        item["attachments"] = attachments
    item["_hub"] = {
        "origin": v.origin,
        "origin_url": v.origin_url,
        "source": {"id": v.source_id, "name": v.source_name, "url": v.source_url},
        "region": {"code": v.region_code, "name": v.region_name, "slug": v.region_slug},
        "category": {"slug": v.category_slug, "name": v.category_name},
        "doc_number": v.doc_number,
        "index_number": v.index_number,
        "date_only": v.date_only,
        "article_missing": v.article_missing,
    }
    return item


def render_json(meta: FeedMeta, entries: Sequence[Entry], ctx: PublishContext) -> bytes:
    """A JSON Feed 1.1 document as UTF-8 bytes, items in the given order.

    Every string went through :func:`hub.publish.xml.xml_safe` (so no lone surrogate can
    make the UTF-8 encoding fail, and the text matches the Atom/RSS renderings). Items
    whose id was already listed are left out, as in Atom and RSS.

    Raises:
        PublishError: an entry with a naive datetime.
    """
    feed: dict[str, Any] = {
        "version": JSONFEED_VERSION,
        "title": xml_safe(meta.title).strip() or UNTITLED,
        "home_page_url": xml_safe(meta.base_url + "/"),
        "feed_url": xml_safe(meta.base_url + meta.path + ".json"),
    }
    subtitle = xml_safe(meta.subtitle).strip()
    if subtitle:
        feed["description"] = subtitle
    feed["language"] = meta.language
    if meta.prev_archive_path:
        feed["next_url"] = xml_safe(meta.base_url + meta.prev_archive_path + ".json")
    if meta.hub_url:
        feed["hubs"] = [{"type": "WebSub", "url": xml_safe(meta.hub_url)}]
    unique = unique_entries(entries, meta.base_url)
    feed["items"] = [_item(entry_view(e, meta.base_url, ctx)) for e in unique]
    text = json.dumps(feed, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text + "\n").encode("utf-8")
