"""Static export: every published feed, the OPML files and the index as files.

Layout mirrors the URLs (``feeds/region/shaanxi.atom``, the RFC 5005 monthly archives
``feeds/region/shaanxi/archive/2021-08.atom``, ``opml.xml``, ``index.html``) so
nginx can serve the directory as is. Each file is written atomically (temporary file in
the same directory + ``os.replace``) and only where its bytes changed, so an unchanged
publish touches nothing and conditional GET against the files keeps working.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from hub import archive, catalog, site
from hub.config import Config
from hub.pipeline import render_archive
from hub.store import Store
from hub.timeutil import utc_now
from hub.types import FeedKey

__all__ = ["export_static", "write_if_changed"]


def write_if_changed(path: Path, body: bytes) -> bool:
    """Write ``body`` to ``path`` atomically unless the file already holds those bytes.

    Returns True when the file was written.

    Raises:
        OSError: the directory cannot be created or written.
    """
    try:
        if path.read_bytes() == body:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def export_static(
    config: Config, store: Store, out: Path, keys: Iterable[FeedKey] | None = None
) -> int:
    """Write the site under ``out``; returns how many files were (re)written.

    Feeds come from the publisher's stored bytes (run ``publish`` first). ``keys`` limits
    the feeds (and their monthly archives) to those just rendered; the OPML files and the
    index are always written (when their bytes changed).

    Raises:
        StorageError: the database failed.
        OSError: ``out`` cannot be written.
    """
    written = 0
    now = utc_now()
    for key in catalog.all_feed_keys(config) if keys is None else keys:
        try:
            info = catalog.feed_info(config, key)
        except KeyError:  # no longer configured
            continue
        for fmt in catalog.FORMATS:
            stored = store.get_feed(key.storage_key, fmt)
            if stored is not None:
                rel = info.path.lstrip("/") + "." + fmt
                written += write_if_changed(out / rel, stored.body)
        for month in archive.closed_months(store.published_of(key), now):
            for fmt in catalog.FORMATS:
                body = render_archive(config, store, key, month, fmt, now=now)
                if body is not None:
                    rel = archive.archive_path(info.path, month).lstrip("/") + "." + fmt
                    written += write_if_changed(out / rel, body)
    written += write_if_changed(
        out / "opml.xml",
        site.opml_document(config, catalog.all_feed_keys(config), config.settings.title),
    )
    for region in site.region_opml_regions(config):
        body = site.region_opml_document(config, region)
        if body is not None:
            written += write_if_changed(out / "opml" / "region" / f"{region.slug}.xml", body)
    index = site.index_document(config, store, sources_link=False)  # no /sources in a file site
    written += write_if_changed(out / "index.html", index)
    return written
