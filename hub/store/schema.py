"""Tables (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Columns that hold what the upstream said are grouped apart from the hub's own bookkeeping
(reader's ``_schema.py`` habit). Every datetime column stores UTC and reads back aware.
The schema is created and changed only through Alembic (``hub/store/migrations``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

__all__ = ["UTCDateTime", "entries", "metadata", "published_feeds", "sources"]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC.

    Raises ValueError for a naive datetime (the hub never makes one).
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        parsed: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


sources = Table(
    "sources",
    metadata,
    Column("source_id", String(100), primary_key=True),
    # upstream validators (conditional GET)
    Column("etag", Text),
    Column("last_modified", Text),
    # hub bookkeeping: health and schedule
    Column("last_outcome", String(40)),
    Column("last_detail", Text),
    Column("last_attempt_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("last_new_at", UTCDateTime),
    Column("next_poll_at", UTCDateTime, index=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_item_count", Integer, nullable=False, default=0),
)

entries = Table(
    "entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # identity: sha256(source_id, guid) — guids can be long URLs
    Column("key", String(64), nullable=False, unique=True),
    Column("source_id", String(100), nullable=False),
    Column("guid", Text, nullable=False),
    # what the upstream said, normalized
    Column("title", Text, nullable=False),
    Column("link", Text, nullable=False),
    Column("published", UTCDateTime, nullable=False),
    Column("date_only", Boolean, nullable=False, default=False),
    Column("summary", Text, nullable=False, default=""),
    Column("content_html", Text, nullable=False, default=""),
    Column("origin", Text),
    Column("origin_url", Text),
    Column("author", Text),
    Column("doc_number", Text),
    Column("index_number", Text),
    Column("enclosures", Text, nullable=False, default="[]"),  # JSON list of {url,type,length}
    # hub bookkeeping
    Column("region", String(6), nullable=False),
    Column("category", String(100), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
    Column("article_missing", Boolean, nullable=False, default=False),
    Index("ix_entries_published", "published"),
    Index("ix_entries_source_published", "source_id", "published"),
    Index("ix_entries_region_published", "region", "published"),
    Index("ix_entries_category_published", "category", "published"),
)

published_feeds = Table(
    "published_feeds",
    metadata,
    Column("feed_key", String(200), primary_key=True),  # e.g. "region:610000"
    Column("fmt", String(8), primary_key=True),  # rss | atom | json
    Column("body", LargeBinary, nullable=False),
    Column("etag", String(80), nullable=False),
    Column("last_modified", UTCDateTime, nullable=False),  # newest entry's updated
    Column("entry_count", Integer, nullable=False, default=0),
    Column("rendered_at", UTCDateTime, nullable=False),
)
