"""Alembic migrations apply on SQLite and PostgreSQL from empty, go down to the previous
revision and up again, and leave the schema the code expects."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from hub.store import Store
from hub.store.migrate import alembic_config


def test_upgrade_downgrade_upgrade(store: Store) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    cfg = alembic_config(url)
    heads = ScriptDirectory.from_config(cfg).get_revisions("head")
    head = heads[0]
    previous = head.down_revision or "base"
    assert set(inspect(store.engine).get_table_names()) >= {"entries", "sources", "published_feeds"}
    command.downgrade(cfg, previous if isinstance(previous, str) else previous[0])
    if previous == "base":
        assert "entries" not in inspect(store.engine).get_table_names()
    store.upgrade()
    store.upgrade()  # idempotent
    columns = {c["name"] for c in inspect(store.engine).get_columns("entries")}
    assert {"guid", "origin", "author", "doc_number", "content_hash", "date_only"} <= columns
