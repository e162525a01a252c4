"""Shared sample values for the feed-writer tests (test_publish, test_reader_clients,
test_publish_properties): one Shaanxi source, its lookups, XML namespaces and a strict
parser."""

from __future__ import annotations

from lxml import etree  # type: ignore[import-untyped]

from hub.publish import PublishContext
from hub.types import Category, Region, Source

BASE = "http://127.0.0.1:8000"
ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)

SOURCE = Source(
    id="sx-mz",
    name="陕西省民政厅 通知公告",
    url="http://mzt.shaanxi.example/tzgg/",
    kind="html",
    region="610000",
    category="notices",
    interval=1800,
)
CTX = PublishContext(
    sources={SOURCE.id: SOURCE},
    regions={
        "610000": Region(
            code="610000",
            slug="shaanxi",
            name="陕西省",
            name_en="Shaanxi",
            level="province",
            parent=None,
        )
    },
    categories={"notices": Category(slug="notices", name="通知公告", name_en="Notices")},
)
