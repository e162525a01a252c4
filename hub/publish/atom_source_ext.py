"""A feedgen extension for what feedgen 1.0 cannot write by itself.

feedgen's extension mechanism (``FeedGenerator.register_extension(namespace,
feed_class, entry_class, atom=..., rss=...)``) instantiates the feed class once, the
entry class once per entry, and calls their ``extend_atom``/``extend_rss`` with the
element feedgen has just built (the ``<feed>``/``<rss>`` root, the ``<entry>``/``<item>``).
The hub uses it for two gaps:

* **atom:source** (RFC 4287 §4.2.11): feedgen's ``FeedEntry.source(url, title)`` writes
  ``<source>`` with ``<title>`` and ``<link>`` only. The spec says the element SHOULD keep
  the source feed's ``atom:id`` and ``atom:updated`` (and a processor can only tell two
  origins apart by ``atom:id``), so :class:`HubEntryExtension` adds ``<id>`` and
  ``<updated>`` to it.
* **atom:link attributes in entries**: feedgen 1.0's ``FeedEntry.atom_entry`` reads
  ``rel``/``type``/``length`` from the element it has just created instead of from the
  link data, so entry links come out as bare ``<link href>``; an enclosure would turn into
  a second alternate link (RFC 4287 §4.2.7.2: no ``rel`` means ``alternate``).
  :class:`HubEntryExtension` writes ``rel="alternate"`` on the bare link and adds the
  ``<link rel="enclosure" href type length>`` elements itself.
* **atom:link in RSS 2.0**: feedgen copies only ``rel="self"`` from the feed's links into
  an RSS channel. WebSub (W3C REC §4, ``rel="hub"``) and RFC 5005 §4
  (``rel="prev-archive"``) need their links in RSS too, so :class:`HubExtension` adds
  ``<atom:link rel=... href=...>`` to the channel. In Atom feedgen writes these links
  itself, so the Atom side does nothing.

Usage::

    fg.register_extension("hub", HubExtension, HubEntryExtension, atom=True, rss=True)
    fg.hub.rss_link(rel="hub", href="https://hub.example/")
    fe = fg.add_entry(order="append")
    fe.source(url="https://origin.example/", title="陕西省民政厅")
    fe.hub.source_id("https://origin.example/")
    fe.hub.source_updated(datetime(2021, 8, 30, tzinfo=SHANGHAI))

Elements are lxml elements made with ``feedgen.util.xml_elem`` (typed ``Any``: lxml
ships no type stubs). No I/O.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem

ATOM_NS = "http://www.w3.org/2005/Atom"
#: RFC 5005 §10 feed-history namespace (``<fh:archive/>`` marks an archive document).
FH_NS = "http://purl.org/syndication/history/1.0"

__all__ = ["ATOM_NS", "FH_NS", "HubEntryExtension", "HubExtension"]


class HubExtension(BaseExtension):  # type: ignore[misc]
    """Feed-level part: extra ``<atom:link>`` elements in the RSS 2.0 channel."""

    def __init__(self) -> None:
        self._rss_links: list[tuple[str, str, str | None]] = []
        self._archive = False

    def mark_archive(self) -> None:
        """Mark the document as an RFC 5005 §4 archive document (``<fh:archive/>``)."""
        self._archive = True

    def rss_link(self, *, rel: str, href: str, type: str | None = None) -> None:
        """Add ``<atom:link rel=REL href=HREF [type=TYPE]>`` to the RSS channel.

        Links are written in the order added, after feedgen's own ``rel="self"`` link.
        """
        self._rss_links.append((rel, href, type))

    def extend_ns(self) -> dict[str, str]:
        # RSS: feedgen already maps the ``atom`` prefix; Atom: no prefix needed. The
        # feed-history prefix is declared only on archive documents.
        return {"fh": FH_NS} if self._archive else {}

    def extend_rss(self, rss_feed: Any) -> Any:
        """Append the registered links to ``<channel>`` (before the items)."""
        channel = rss_feed.find("channel")
        if channel is None:  # pragma: no cover - feedgen always writes a channel
            return rss_feed
        for rel, href, type_ in self._rss_links:
            link = xml_elem(f"{{{ATOM_NS}}}link", channel, href=href, rel=rel)
            if type_:
                link.attrib["type"] = type_
        if self._archive:
            xml_elem(f"{{{FH_NS}}}archive", channel)
        return rss_feed

    def extend_atom(self, atom_feed: Any) -> Any:
        if self._archive:
            xml_elem(f"{{{FH_NS}}}archive", atom_feed)
        return atom_feed


class HubEntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """Entry-level part: ``<id>`` and ``<updated>`` inside an Atom entry's ``<source>``.

    feedgen builds Atom elements without a namespace and declares the Atom namespace as
    the default one on ``<feed>``, so the added children are un-prefixed as well and end
    up in the Atom namespace when serialized.
    """

    def __init__(self) -> None:
        self._source_id: str | None = None
        self._source_updated: datetime | None = None
        self._enclosures: list[tuple[str, str | None, int]] = []

    def atom_enclosure(self, *, href: str, type: str | None = None, length: int = 0) -> None:
        """Add ``<link rel="enclosure" href=HREF type=TYPE length=BYTES>`` to the Atom entry.

        ``length`` in bytes; 0 (unknown) leaves the attribute out (RFC 4287 §4.2.7.6).
        Use this instead of ``FeedEntry.link(rel="enclosure")`` for Atom (see above).
        """
        self._enclosures.append((href, type, length))

    def source_id(self, value: str | None = None) -> str | None:
        """Get or set the origin's ``atom:id`` (an IRI, RFC 4287 §4.2.6)."""
        if value is not None:
            self._source_id = value
        return self._source_id

    def source_updated(self, value: datetime | None = None) -> datetime | None:
        """Get or set the origin's ``atom:updated`` (aware datetime; RFC 3339 on output)."""
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("source_updated needs an aware datetime")
            self._source_updated = value
        return self._source_updated

    def extend_atom(self, entry: Any) -> Any:
        """Fix the entry's links and complete its ``<source>``.

        Bare ``<link href>`` elements (written by feedgen) get ``rel="alternate"``;
        enclosure links are appended. In ``<source>`` (RFC 4287 §4.2.11) ``<id>`` goes
        first and ``<updated>`` last; ``<source>`` is created when feedgen wrote none (it
        only does when both a title and a URL were set), and left alone when neither
        value was set.
        """
        for link in entry.findall("link"):
            if "rel" not in link.attrib:
                link.attrib["rel"] = "alternate"
        for href, type_, length in self._enclosures:
            link = xml_elem("link", entry, href=href, rel="enclosure")
            if type_:
                link.attrib["type"] = type_
            if length > 0:
                link.attrib["length"] = str(length)
        if self._source_id is None and self._source_updated is None:
            return entry
        source = entry.find("source")
        if source is None:
            source = xml_elem("source", entry)
        if self._source_id is not None:
            id_elem = xml_elem("id")
            id_elem.text = self._source_id
            source.insert(0, id_elem)
        if self._source_updated is not None:
            updated = xml_elem("updated", source)
            updated.text = self._source_updated.isoformat()
        return entry

    def extend_rss(self, item: Any) -> Any:
        # RSS 2.0 <source url="..."> has no id or date; feedgen writes it in full.
        return item
