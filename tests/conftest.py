"""Shared fixtures: the recorded corpus, a fixed clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

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
