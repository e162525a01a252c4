"""Storage: the SQL store shared by SQLite (embedded) and PostgreSQL (scale-out)."""

from hub.store.sql import DEFAULT_URL, Store, StoredFeed, UpsertResult, entry_key, region_prefix

__all__ = ["DEFAULT_URL", "Store", "StoredFeed", "UpsertResult", "entry_key", "region_prefix"]
