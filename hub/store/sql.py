"""The SQL store: one implementation for SQLite (embedded default) and PostgreSQL.

Contract (every method): any method can raise ``hub.errors.StorageError`` when the
database is unavailable or a constraint breaks; the database is left as it was before the
call (each method is one transaction). Datetimes in and out are aware UTC.

Entries are never deleted: the archive keeps announcements that have dropped off the
upstream page, and a failed poll forgets nothing. An entry's ``published`` and
``first_seen`` are set once (an entry is never re-dated by a later poll); ``updated``
moves only when the content hash changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from hub.errors import StorageError
from hub.store import migrate
from hub.store.schema import entries, published_feeds, sources
from hub.types import CachingInfo, Enclosure, Entry, FeedKey, SourceState

__all__ = ["Store", "StoredFeed", "UpsertResult", "entry_key", "region_prefix"]

DEFAULT_URL = "sqlite:///hub.db"


def entry_key(source_id: str, guid: str) -> str:
    """The unique storage key of an entry: sha256 hex of ``source_id`` and ``guid``."""
    return hashlib.sha256(f"{source_id}\x1f{guid}".encode("utf-8", "surrogatepass")).hexdigest()


def region_prefix(code: str) -> str:
    """GB/T 2260 roll-up prefix: ``610000`` → ``61``, ``610300`` → ``6103``, a county
    code stays whole. Every code under a division starts with its prefix."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsertResult:
    new: list[Entry]
    updated: list[Entry]
    unchanged: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredFeed:
    """A rendered feed document as the publisher stored it."""

    feed_key: str
    fmt: str
    body: bytes
    etag: str
    last_modified: datetime  # newest entry's updated (what the feed says of itself)
    entry_count: int
    rendered_at: datetime  # when these bytes were first stored (HTTP Last-Modified)


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Store:
    """Entries, source state and published feeds in one SQL database.

    Args:
        url: SQLAlchemy URL, e.g. ``sqlite:///hub.db`` (WAL mode) or
            ``postgresql+psycopg://user@127.0.0.1/test``.
    """

    def __init__(self, url: str = DEFAULT_URL) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        try:
            self.engine: Engine = create_engine(url, **kwargs)
        except (ArgumentError, ImportError, NoSuchModuleError) as exc:
            raise StorageError(f"unusable database URL {url!r}: {exc}") from None
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _enable_sqlite_pragmas)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def upgrade(self) -> None:
        """Apply Alembic migrations up to head (idempotent)."""
        with self._errors():
            migrate.upgrade(self.engine)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            raise StorageError(f"database error ({self.dialect})") from exc

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self._errors(), self.engine.begin() as conn:
            yield conn

    def _insert(self) -> Any:
        if self.dialect == "postgresql":
            return postgresql.insert
        if self.dialect == "sqlite":
            return sqlite.insert
        return insert

    # ---------------------------------------------------------------- sources

    def get_state(self, source_id: str) -> SourceState:
        """The stored state of a source (a fresh one when never polled)."""
        with self._tx() as conn:
            row = conn.execute(select(sources).where(sources.c.source_id == source_id)).first()
            count = conn.execute(
                select(func.count()).select_from(entries).where(entries.c.source_id == source_id)
            ).scalar_one()
        if row is None:
            return SourceState(source_id=source_id, entry_count=count)
        return _row_state(row, count)

    def all_states(self) -> dict[str, SourceState]:
        """State of every source that has been polled, with entry counts."""
        with self._tx() as conn:
            counts: dict[str, int] = dict(
                conn.execute(
                    select(entries.c.source_id, func.count()).group_by(entries.c.source_id)
                ).all()
            )
            rows = conn.execute(select(sources)).all()
        out = {row.source_id: _row_state(row, counts.get(row.source_id, 0)) for row in rows}
        for source_id, count in counts.items():
            out.setdefault(source_id, SourceState(source_id=source_id, entry_count=count))
        return out

    def save_state(self, state: SourceState) -> None:
        """Insert or replace a source's state (upsert on ``source_id``)."""
        with self._tx() as conn:
            self._save_state(conn, state)

    def _save_state(self, conn: Connection, state: SourceState) -> None:
        values = {
            "etag": state.caching.etag,
            "last_modified": state.caching.last_modified,
            "last_outcome": state.last_outcome,
            "last_detail": state.last_detail,
            "last_attempt_at": state.last_attempt_at,
            "last_success_at": state.last_success_at,
            "last_new_at": state.last_new_at,
            "next_poll_at": state.next_poll_at,
            "failures": state.failures,
            "last_item_count": state.last_item_count,
        }
        stmt = self._insert()(sources).values(source_id=state.source_id, **values)
        stmt = stmt.on_conflict_do_update(index_elements=[sources.c.source_id], set_=values)
        conn.execute(stmt)

    def due_sources(self, source_ids: Iterable[str], now: datetime) -> list[str]:
        """The ids among ``source_ids`` whose next poll time is not after ``now`` (or that
        were never polled), in the given order."""
        ids = list(source_ids)
        with self._tx() as conn:
            rows = conn.execute(
                select(sources.c.source_id, sources.c.next_poll_at).where(
                    sources.c.source_id.in_(ids)
                )
            ).all()
        scheduled = {r.source_id: r.next_poll_at for r in rows}
        return [i for i in ids if scheduled.get(i) is None or scheduled[i] <= now]

    def set_next_poll(self, source_id: str, when: datetime) -> None:
        """Move a source's next poll time (used by dispatchers to claim a source)."""
        with self._tx() as conn:
            conn.execute(
                update(sources).where(sources.c.source_id == source_id).values(next_poll_at=when)
            )

    # ---------------------------------------------------------------- entries

    def known(self, source_id: str, guids: Sequence[str]) -> dict[str, Entry]:
        """The stored entries of ``source_id`` among ``guids``, by guid."""
        keys = {entry_key(source_id, g): g for g in guids}
        if not keys:
            return {}
        out: dict[str, Entry] = {}
        with self._tx() as conn:
            for chunk in _chunks(list(keys), 500):
                for row in conn.execute(select(entries).where(entries.c.key.in_(chunk))):
                    out[row.guid] = _row_entry(row)
        return out

    def record_poll(
        self,
        items: Sequence[Entry],
        now: datetime,
        state_for: Callable[[UpsertResult], SourceState],
    ) -> UpsertResult:
        """Store a successful poll in ONE transaction: the entries (as ``upsert_entries``)
        and the source state ``state_for(result)`` builds from what was new. Either both
        are written or neither, so a retried poll after a failure sees its entries as new
        again and publishes them."""
        with self._tx() as conn:
            result = self._upsert(conn, items, now)
            self._save_state(conn, state_for(result))
        return result

    def upsert_entries(self, items: Sequence[Entry], now: datetime) -> UpsertResult:
        """Store entries: insert new guids, update those whose content hash changed.

        An existing entry keeps its ``published``, ``date_only`` and ``first_seen`` (never
        re-dated); its ``updated`` becomes ``now`` only on a real change. Concurrent
        writers of the same guid produce one row (INSERT … ON CONFLICT DO NOTHING).
        """
        with self._tx() as conn:
            return self._upsert(conn, items, now)

    def _upsert(self, conn: Connection, items: Sequence[Entry], now: datetime) -> UpsertResult:
        new: list[Entry] = []
        changed: list[Entry] = []
        unchanged = 0
        for item in items:
            key = entry_key(item.source_id, item.guid)
            row = conn.execute(select(entries).where(entries.c.key == key)).first()
            if row is None:
                stmt = (
                    self._insert()(entries)
                    .values(key=key, **_entry_values(item))
                    .on_conflict_do_nothing(index_elements=[entries.c.key])
                    .returning(entries.c.id)
                )
                # RETURNING, not rowcount: after waiting on a concurrent writer's
                # uncommitted row, PostgreSQL's DO NOTHING still reports a rowcount
                if conn.execute(stmt).first() is not None:
                    new.append(item)
                else:
                    unchanged += 1
                continue
            if row.content_hash == item.content_hash:
                unchanged += 1
                continue
            values = _entry_values(item)
            for fixed in ("published", "date_only", "first_seen"):
                values.pop(fixed)
            values["updated"] = now
            conn.execute(update(entries).where(entries.c.key == key).values(**values))
            stored = _row_entry(row)
            changed.append(
                replace(
                    item,
                    published=stored.published,
                    date_only=stored.date_only,
                    first_seen=stored.first_seen,
                    updated=now,
                )
            )
        return UpsertResult(new=new, updated=changed, unchanged=unchanged)

    def _where(self, key: FeedKey, source_ids: Collection[str] | None = None) -> list[Any]:
        where = [] if source_ids is None else [entries.c.source_id.in_(list(source_ids))]
        return where + self._where_key(key)

    def _where_key(self, key: FeedKey) -> list[Any]:
        if key.kind == "all":
            return []
        if key.kind == "category":
            return [entries.c.category == key.key]
        if key.kind == "source":
            return [entries.c.source_id == key.key]
        if key.kind == "region":
            return [entries.c.region.startswith(region_prefix(key.key))]
        region, _, category = key.key.partition("/")
        return [entries.c.region.startswith(region_prefix(region)), entries.c.category == category]

    def entries_for(
        self,
        key: FeedKey,
        *,
        limit: int = 50,
        since: datetime | None = None,
        before: datetime | None = None,
        match: str | None = None,
        source_ids: Collection[str] | None = None,
    ) -> list[Entry]:
        """Entries of one feed, newest first (``published`` desc, then id desc).

        ``since``/``before`` bound ``published`` (``since`` inclusive, ``before``
        exclusive); ``match`` keeps entries whose title or summary contains it;
        ``source_ids`` keeps only entries of those sources (the configured ones).
        """
        query = select(entries).where(*self._where(key, source_ids))
        if since is not None:
            query = query.where(entries.c.published >= since)
        if before is not None:
            query = query.where(entries.c.published < before)
        if match:
            like = f"%{match}%"
            query = query.where(or_(entries.c.title.like(like), entries.c.summary.like(like)))
        query = query.order_by(entries.c.published.desc(), entries.c.id.desc()).limit(limit)
        with self._tx() as conn:
            return [_row_entry(r) for r in conn.execute(query)]

    def published_of(
        self, key: FeedKey, source_ids: Collection[str] | None = None
    ) -> list[datetime]:
        """``published`` of every entry of one feed (for the monthly archives)."""
        query = select(entries.c.published).where(*self._where(key, source_ids))
        with self._tx() as conn:
            return [r.published for r in conn.execute(query)]

    def feed_stats(
        self, key: FeedKey, source_ids: Collection[str] | None = None
    ) -> tuple[int, datetime | None]:
        """(distinct announcements by guid, newest ``updated``) of one feed."""
        query = select(func.count(entries.c.guid.distinct()), func.max(entries.c.updated)).where(
            *self._where(key, source_ids)
        )
        with self._tx() as conn:
            count, newest = conn.execute(query).one()
        if isinstance(newest, str):
            newest = datetime.fromisoformat(newest)
        if newest is not None and newest.tzinfo is None:
            newest = newest.replace(tzinfo=UTC)
        return int(count), newest

    def count_entries(self) -> int:
        with self._tx() as conn:
            return int(conn.execute(select(func.count()).select_from(entries)).scalar_one())

    # ---------------------------------------------------------------- feeds

    def save_feed(
        self,
        feed_key: str,
        fmt: str,
        body: bytes,
        *,
        last_modified: datetime,
        entry_count: int,
        now: datetime,
    ) -> bool:
        """Store a rendered feed; returns True when its bytes changed (or it is new).

        Unchanged bytes write nothing. The ETag is a strong validator over the bytes.
        """
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        with self._tx() as conn:
            row = conn.execute(
                select(published_feeds.c.etag).where(
                    published_feeds.c.feed_key == feed_key, published_feeds.c.fmt == fmt
                )
            ).first()
            if row is not None and row.etag == etag:
                return False
            values = {
                "body": body,
                "etag": etag,
                "last_modified": last_modified,
                "entry_count": entry_count,
                "rendered_at": now,
            }
            stmt = self._insert()(published_feeds).values(feed_key=feed_key, fmt=fmt, **values)
            stmt = stmt.on_conflict_do_update(
                index_elements=[published_feeds.c.feed_key, published_feeds.c.fmt], set_=values
            )
            conn.execute(stmt)
        return True

    def get_feed(self, feed_key: str, fmt: str) -> StoredFeed | None:
        """A stored feed document, or None when it was never published."""
        with self._tx() as conn:
            row = conn.execute(
                select(published_feeds).where(
                    published_feeds.c.feed_key == feed_key, published_feeds.c.fmt == fmt
                )
            ).first()
        if row is None:
            return None
        return StoredFeed(
            feed_key=row.feed_key,
            fmt=row.fmt,
            body=bytes(row.body),
            etag=row.etag,
            last_modified=row.last_modified,
            entry_count=row.entry_count,
            rendered_at=row.rendered_at,
        )


def _row_state(row: Any, entry_count: int) -> SourceState:
    return SourceState(
        source_id=row.source_id,
        caching=CachingInfo(etag=row.etag, last_modified=row.last_modified),
        last_outcome=row.last_outcome,
        last_detail=row.last_detail,
        last_attempt_at=row.last_attempt_at,
        last_success_at=row.last_success_at,
        last_new_at=row.last_new_at,
        next_poll_at=row.next_poll_at,
        failures=row.failures,
        last_item_count=row.last_item_count,
        entry_count=entry_count,
    )


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _entry_values(e: Entry) -> dict[str, Any]:
    return {
        "source_id": e.source_id,
        "guid": e.guid,
        "title": e.title,
        "link": e.link,
        "published": e.published,
        "date_only": e.date_only,
        "summary": e.summary,
        "content_html": e.content_html,
        "origin": e.origin,
        "origin_url": e.origin_url,
        "author": e.author,
        "doc_number": e.doc_number,
        "index_number": e.index_number,
        "enclosures": json.dumps(
            [{"url": x.url, "type": x.type, "length": x.length} for x in e.enclosures],
            ensure_ascii=False,
        ),
        "region": e.region,
        "category": e.category,
        "content_hash": e.content_hash,
        "first_seen": e.first_seen,
        "updated": e.updated,
        "article_missing": e.article_missing,
    }


def _row_entry(row: Any) -> Entry:
    return Entry(
        guid=row.guid,
        source_id=row.source_id,
        title=row.title,
        link=row.link,
        published=row.published,
        date_only=bool(row.date_only),
        updated=row.updated,
        first_seen=row.first_seen,
        summary=row.summary,
        content_html=row.content_html,
        origin=row.origin,
        origin_url=row.origin_url,
        author=row.author,
        region=row.region,
        category=row.category,
        content_hash=row.content_hash,
        doc_number=row.doc_number,
        index_number=row.index_number,
        enclosures=tuple(Enclosure(**x) for x in json.loads(row.enclosures or "[]")),
        article_missing=bool(row.article_missing),
    )
