"""Every article page of the recorded corpus against golden values read off the pages.

tests/data/golden/articles.json was written by reading each page (not by running the
extractor). Per field: title exact, origin exact, author exact or None (a missing author
is tolerated, a wrong one is not), published exact to the minute (to the day when
date_only), date_only exact, doc_number and index_number exact.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from hub.encoding import decode_body
from hub.parse.article import article_json, extract_article

GOLDEN = Path(__file__).parent / "data" / "golden" / "articles.json"
#: the score this extractor reached when the golden file was written; do not lower it
PINNED = 1.0
FIELDS = ("title", "origin", "author", "published", "date_only", "doc_number", "index_number")


def _published_key(value: object) -> object:
    return value[:16] if isinstance(value, str) else value  # to the minute


def _field_ok(field: str, got: object, want: object) -> bool:
    if field == "author":
        return got is None or got == want
    if field == "published":
        return _published_key(got) == _published_key(want)
    return got == want


def _results(corpus_dir: Path, now: datetime) -> list[tuple[str, str, object, object]]:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    rows: list[tuple[str, str, object, object]] = []
    for name, want in sorted(golden.items()):
        body = (corpus_dir / "upstream-html" / name).read_bytes()
        text, _ = decode_body(body, "text/html")
        got = article_json(extract_article(text, want["url"], now=now), want["url"])
        for field in FIELDS:
            rows.append((name, field, got[field], want[field]))
    return rows


def test_golden_covers_every_article_page(corpus_dir: Path) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    pages = {p.name for p in (corpus_dir / "upstream-html").glob("*__article__*.html")}
    assert pages == set(golden)


def test_corpus_score(corpus_dir: Path, now: datetime, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _results(corpus_dir, now)
    right = [r for r in rows if _field_ok(r[1], r[2], r[3])]
    wrong = [r for r in rows if not _field_ok(r[1], r[2], r[3])]
    score = len(right) / len(rows)
    with capsys.disabled():
        print(f"\ncorpus score: {len(right)} / {len(rows)} = {score:.3f}")
        for name, field, got, want in wrong:
            print(f"  MISS {name} {field}: got {got!r}, want {want!r}")
    assert score >= PINNED


def test_no_wrong_author(corpus_dir: Path, now: datetime) -> None:
    """An author the page does not name is worse than none."""
    rows = _results(corpus_dir, now)
    assert [r for r in rows if r[1] == "author" and not _field_ok(*r[1:])] == []


#: authors named exactly (a missing one counts as a miss here); do not lower it
PINNED_STRICT_AUTHORS = 26


def test_strict_author_score(
    corpus_dir: Path, now: datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reporter bylines in the body (（记者 X）, □ 本报记者 X) count: a ratchet on exact
    authors, misses printed."""
    rows = [r for r in _results(corpus_dir, now) if r[1] == "author"]
    exact = [r for r in rows if r[2] == r[3]]
    with capsys.disabled():
        print(f"\nstrict authors: {len(exact)} / {len(rows)}")
        for name, _, got, want in rows:
            if got != want:
                print(f"  MISS {name} author: got {got!r}, want {want!r}")
    assert len(exact) >= PINNED_STRICT_AUTHORS
