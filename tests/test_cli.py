"""The ``hub`` command: exit codes, one-line errors, tables, JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import main

E2E = Path(__file__).parent / "data" / "e2e-feeds.yaml"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    monkeypatch.setenv("HUB_CONFIG", str(E2E))
    monkeypatch.setenv("COLUMNS", "250")
    return tmp_path


def test_check_ok_and_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["check", "--config", str(E2E)])
    assert ok.exit_code == 0 and "4 sources" in ok.output
    bad = tmp_path / "feeds.yaml"
    bad.write_text(
        E2E.read_text(encoding="utf-8").replace("kind: rss", "kind: rss\n    intervall: 5"),
        encoding="utf-8",
    )
    result = runner.invoke(main, ["check", "--config", str(bad)])
    assert result.exit_code == 1
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if "intervall" in t)
    assert f"{bad}:{line}: sources[1].intervall: " in result.output
    assert "Traceback" not in result.output


def test_poll_table_publish_and_sources(env: Path, replay_dir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main, ["poll", "--replay", str(replay_dir), "chinanews-scroll", "dingxi-tzgg"]
    )
    assert result.exit_code == 0, result.output
    assert "chinanews-scroll" in result.output and "30" in result.output
    failed = runner.invoke(main, ["poll", "--replay", str(replay_dir), "broken-404"])
    assert failed.exit_code == 1 and "http_error" in failed.output
    unknown = runner.invoke(main, ["poll", "nope"])
    assert unknown.exit_code == 1 and "unknown source id 'nope'" in unknown.output
    table = runner.invoke(main, ["sources"])
    assert table.exit_code == 0 and "http_error" in table.output and "never polled" in table.output
    out = env / "public"
    published = runner.invoke(main, ["publish", "--out", str(out)])
    assert published.exit_code == 0, published.output
    assert (out / "feeds" / "source" / "dingxi-tzgg.rss").is_file()


def test_preview_stores_nothing(env: Path, replay_dir: Path) -> None:
    result = CliRunner().invoke(main, ["preview", "dingxi-tzgg", "--replay", str(replay_dir)])
    assert result.exit_code == 0, result.output
    assert "art_12377_1486865" in result.output
    assert not (env / "hub.db").exists()


def test_extract_json(corpus_dir: Path) -> None:
    page = corpus_dir / "upstream-html" / "jl-gov__article__1.html"
    url = "http://xxgk.jl.gov.cn/szf/gkml/202201/t20220128_8389416.html"
    result = CliRunner().invoke(main, ["extract", str(page), "--url", url, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {
        "title", "origin", "author", "published", "date_only", "doc_number",
        "index_number", "link", "attachments", "body_text_length",
    }  # fmt: skip
    assert data["doc_number"] == "吉政明电〔2022〕1号"
    assert data["published"] == "2022-01-28" and data["date_only"] is True
    assert data["link"] == url


def test_db_upgrade(env: Path) -> None:
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0 and (env / "hub.db").exists()


def test_bad_inputs_give_one_line_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"   \n")
    result = runner.invoke(main, ["extract", str(empty), "--url", "http://a.gov.cn/x.html"])
    assert result.exit_code == 1 and "empty article page" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for url in ("notaurl", "mysql://nobody@127.0.0.1:1/x"):
        bad = runner.invoke(main, ["sources", "--config", str(E2E), "--database", url])
        assert bad.exit_code == 1 and bad.output.startswith("error: "), bad.output
    down = runner.invoke(
        main,
        ["serve", "--config", str(E2E), "--database", "postgresql+psycopg://nobody@127.0.0.1:1/x"],
    )
    assert down.exit_code == 1 and down.output.startswith("error: database error")
    port = runner.invoke(main, ["serve", "--config", str(E2E), "--port", "99999"])
    assert port.exit_code == 2 and "99999" in port.output
