"""The main job as an operator starts it: ``hub run --replay DIR`` in its own process,
over the default feeds.yaml, polls, publishes and serves real entries."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import httpx
import pytest
from loopback import free_port

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_hub_run_serves_polled_entries(tmp_path: Path, replay_dir: Path) -> None:
    port = free_port()
    cmd = [
        sys.executable, "-m", "hub.cli", "run",
        "--config", str(ROOT / "feeds.yaml"),
        "--database", f"sqlite:///{tmp_path / 'hub.db'}",
        "--replay", str(replay_dir),
        "--port", str(port),
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        entries: list[object] = []
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/feeds/region/jiangxi.atom", timeout=2)
                entries = feedparser.parse(r.content).entries if r.status_code == 200 else []
            except httpx.TransportError:
                entries = []
            if entries:
                break
            time.sleep(0.5)
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        assert len(entries) == 50  # 江西 rolls up 宜春, 袁州, 万载, 丰城, 樟树, 靖安, 省旅发委
        health = httpx.get(f"http://127.0.0.1:{port}/sources", timeout=5).text
        assert "yichun-zwyw" in health and ">ok<" in health
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert (tmp_path / "hub.db").exists()
