"""OPML 2.0 subscription list (http://opml.org/spec2.opml) of the hub's feeds.

Shape::

    <opml version="2.0">
      <head><title>TITLE</title><docs>http://opml.org/spec2.opml</docs></head>
      <body>
        <outline text="GROUP" title="GROUP">
          <outline type="rss" text="FEED" title="FEED"
                   xmlUrl="BASE/feeds/...atom" htmlUrl="BASE/"/>
        </outline>
      </body>
    </opml>

``type="rss"`` is OPML's word for any feed subscription (spec §"Subscription lists");
``xmlUrl`` points at the Atom rendering. No ``dateCreated``/``dateModified``: the output
depends on the arguments only (same arguments, same bytes). Pure; no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree import ElementTree as etree

from hub.publish.xml import xml_safe

__all__ = ["OpmlFeed", "OpmlGroup", "render_opml"]


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One subscription: display ``title`` and URL ``path`` without extension."""

    title: str
    path: str


@dataclass(frozen=True, slots=True)
class OpmlGroup:
    """A folder of subscriptions (e.g. 地区 Regions), in display order."""

    title: str
    feeds: Sequence[OpmlFeed]


def render_opml(title: str, groups: Sequence[OpmlGroup], base_url: str) -> bytes:
    """OPML 2.0 document (UTF-8 bytes) listing ``groups`` in order.

    ``xmlUrl`` = ``base_url + path + ".atom"``, ``htmlUrl`` = ``base_url + "/"``; every
    text goes through :func:`xml_safe` and is escaped once by lxml. Empty groups are kept
    (an empty folder outline).
    """
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = xml_safe(title)
    etree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = etree.SubElement(root, "body")
    html_url = xml_safe(base_url + "/")
    for group in groups:
        group_title = xml_safe(group.title)
        folder = etree.SubElement(body, "outline", text=group_title, title=group_title)
        for feed in group.feeds:
            feed_title = xml_safe(feed.title)
            etree.SubElement(
                folder,
                "outline",
                type="rss",
                text=feed_title,
                title=feed_title,
                xmlUrl=xml_safe(base_url + feed.path + ".atom"),
                htmlUrl=html_url,
            )
    etree.indent(root)
    out: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return out + b"\n"
