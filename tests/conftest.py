"""Shared fixtures: the recorded corpus, a fixed clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.store import Store

ROOT = Path(__file__).resolve().parents[1]


def _corpus_path() -> Path:
    env = os.environ.get("HUB_CORPUS_DIR")
    if env:
        return Path(env)
    return ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """``../shared/corpus`` (or ``$HUB_CORPUS_DIR``); skips the test when it is absent."""
    path = _corpus_path()
    if not (path / "MANIFEST.tsv").is_file():
        pytest.skip(f"recorded corpus not found at {path} (CI keeps it beside the checkout)")
    return path


@pytest.fixture(scope="session")
def replay_dir(corpus_dir: Path) -> Path:
    """The replay set of recorded real responses, ``corpus/replay``."""
    return corpus_dir / "replay"


@pytest.fixture
def now() -> datetime:
    """A fixed aware 'now' (UTC) for pure functions that take ``now``."""
    return datetime(2026, 11, 29, 4, 0, tzinfo=UTC)


PG_ADMIN_URL = os.environ.get("HUB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the local server (dropped afterwards);
    skips with a reason when the server cannot be reached."""
    import uuid

    import psycopg

    name = f"hub_t_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        try:
            yield f"{base}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated store, once on SQLite (the embedded default) and once on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hub.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    s = Store(url)
    s.upgrade()
    try:
        yield s
    finally:
        s.close()
