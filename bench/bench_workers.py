"""How many sources per minute one Celery worker polls, against a sequential baseline.

Not a test: prints figures, asserts nothing. Needs the real Redis (127.0.0.1:6379) and
PostgreSQL (127.0.0.1:5432, user postgres, trust auth); creates two scratch databases
and drops them afterwards.

Set-up: a loopback HTTP server serves N generated RSS 2.0 feeds (``--items`` items each,
``--latency`` seconds of delay per response to stand in for a remote government site).
A feeds.yaml lists them as N rss sources (SSRF guard opened for 127.0.0.1 only).

1. Baseline: ``hub.pipeline.poll_source`` for every source, sequentially, in this process
   (the embedded runner with one thread), into scratch database A.
2. Worker: one ``celery -A workers worker -Q poll,publish`` with default concurrency (one
   process per CPU, prefork) and database B; N ``hub.poll_source`` tasks are sent at
   once and the clock stops when every source has a stored poll attempt. Worker start-up
   is not timed.

Usage::

    .venv/bin/python bench/bench_workers.py --sources 300 --latency 0.05
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import redis

from hub import pipeline
from hub.config import load_config
from hub.runner import make_fetcher
from hub.store import Store
from hub.timeutil import utc_now
from workers.app import make_app
from workers.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def rss(n: int, items: int) -> bytes:
    base = datetime(2020, 1, 1, tzinfo=UTC)
    out = [
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>',
        f"<title>来源 {n}</title><link>http://127.0.0.1/{n}</link><description>d</description>",
    ]
    for i in range(items):
        when = format_datetime(base + timedelta(hours=n * items + i))
        out.append(
            f"<item><title>第{n}号来源 公告 {i} 关于做好有关工作的通知</title>"
            f"<link>http://127.0.0.1/s{n}/a{i}.html</link><guid>s{n}-a{i}</guid>"
            f"<pubDate>{when}</pubDate><description>通知正文 {n} {i} "
            + "各有关单位：现将有关事项通知如下。" * 20
            + "</description></item>"
        )
    out.append("</channel></rss>")
    return "".join(out).encode()


def serve(sources: int, items: int, latency: float) -> tuple[ThreadingHTTPServer, int]:
    bodies = {f"/feed/{n}.xml": rss(n, items) for n in range(sources)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            time.sleep(latency)
            body = bodies.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def write_config(path: Path, port: int, sources: int) -> None:
    lines = [
        "hub:",
        "  contact_url: https://github.com/example/gov-feed-hub",
        "  fetch:",
        "    host_delay: 0",
        "    respect_robots: false",
        '    allow_addresses: ["127.0.0.1"]',
        "categories:",
        "  - slug: bench",
        "    name: 基准",
        "    name_en: Bench",
        "sources:",
    ]
    for n in range(sources):
        lines += [
            f"  - id: bench-{n}",
            f"    name: 基准来源 {n}",
            f"    url: http://127.0.0.1:{port}/feed/{n}.xml",
            "    kind: rss",
            '    region: "110000"',
            "    category: bench",
            "    interval: 3600",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def create_db() -> str:
    name = f"hub_bench_{secrets.token_hex(5)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_db(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def url(name: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def polled(store: Store) -> int:
    return sum(1 for s in store.all_states().values() if s.last_attempt_at is not None)


def baseline(config_path: Path, db: str) -> float:
    config = load_config(config_path)
    store = Store(url(db))
    store.upgrade()
    start = time.perf_counter()
    with make_fetcher(config) as fetcher:
        for sid in config.sources:
            pipeline.poll_source(config, store, fetcher, sid, now=utc_now())
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed


def worker_run(
    config_path: Path, db: str, sources: int, tmp: Path, timeout: float, concurrency: int | None
) -> float:
    store = Store(url(db))
    store.upgrade()
    prefix = f"hubbench-{secrets.token_hex(4)}:"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "CELERY_"))}
    env.update(
        HUB_REDIS_URL="redis://127.0.0.1:6379/14",
        HUB_REDIS_PREFIX=prefix,
        HUB_DATABASE_URL=url(db),
        HUB_CONFIG=str(config_path),
        PYTHONPATH=str(ROOT),
    )
    log = tmp / "worker.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                *("-A", "workers", "worker", "-Q", "poll,publish", "-l", "warning"),
                *("--without-mingle", "--without-gossip"),
                *(["-c", str(concurrency)] if concurrency else []),
            ],
            cwd=ROOT,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    client = make_app(load_settings(env))
    try:
        time.sleep(3)  # let the worker start (start-up is not timed)
        ids = list(load_config(config_path).sources)
        start = time.perf_counter()
        with client.producer_or_acquire() as producer:
            for sid in ids:
                client.send_task("hub.poll_source", args=[sid], producer=producer)
        deadline = start + timeout
        while polled(store) < sources:
            if time.perf_counter() > deadline:
                raise SystemExit(f"worker did not finish in {timeout} s; see {log}")
            time.sleep(0.1)
        return time.perf_counter() - start
    finally:
        client.close()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        store.close()
        r = redis.Redis.from_url("redis://127.0.0.1:6379/14")
        keys = list(r.scan_iter(match=f"{prefix}*"))
        if keys:
            r.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per response")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument(
        "--concurrency", type=int, default=None, help="worker -c (default: Celery's, CPUs)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    server, port = serve(args.sources, args.items, args.latency)
    dbs = [create_db(), create_db()]
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            config_path = tmp / "feeds.yaml"
            write_config(config_path, port, args.sources)
            base = baseline(config_path, dbs[0])
            work = worker_run(
                config_path, dbs[1], args.sources, tmp, args.timeout, args.concurrency
            )
    finally:
        server.shutdown()
        for db in dbs:
            drop_db(db)
    base_rate = args.sources / base * 60
    work_rate = args.sources / work * 60
    print(
        f"{args.sources} sources, {args.items} items each, {args.latency * 1000:.0f} ms upstream "
        f"latency, {os.cpu_count()} CPUs"
    )
    print(f"baseline (sequential, in-process): {base:7.2f} s  {base_rate:9.0f} sources/min")
    label = f"-c {args.concurrency}" if args.concurrency else "default concurrency"
    print(f"one worker ({label}): {work:7.2f} s  {work_rate:9.0f} sources/min")
    print(f"ratio worker / baseline: {work_rate / base_rate:.2f}x")


if __name__ == "__main__":
    main()
