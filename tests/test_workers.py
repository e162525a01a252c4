"""Scale-out mode against the real Redis and PostgreSQL: real ``celery worker`` and
``celery beat`` processes, recorded upstream responses (the replay set) or a loopback
HTTP server, and faults: a worker killed mid-poll, duplicate deliveries, a Redis restart,
a database outage, a source removed while its poll is queued.

Each test gets its own PostgreSQL database (``hub_test_<hex>``, dropped afterwards) and its
own Redis key prefix (broker keys included, through kombu's ``global_keyprefix``), so
tests never see each other's queues. Every wait has a deadline; every process started
here is killed in a ``finally``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg")
redis = pytest.importorskip("redis")
pytest.importorskip("celery")

from hub import pipeline  # noqa: E402
from hub.config import load_config  # noqa: E402
from hub.runner import make_fetcher  # noqa: E402
from hub.store import Store  # noqa: E402
from hub.timeutil import utc_now  # noqa: E402
from workers.app import make_app  # noqa: E402
from workers.settings import load_settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CELERY = str(Path(sys.executable).with_name("celery"))
REDIS_URL_BASE = "redis://127.0.0.1:6379"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
]

HEADER = """\
hub:
  contact_url: https://github.com/example/gov-feed-hub
  fetch:
    host_delay: 0
    respect_robots: false
    read_timeout: 60
    allow_addresses: ["127.0.0.1"]
categories:
  - slug: weisheng
    name: 卫生
    name_en: Health
  - slug: zhengwu
    name: 政务
    name_en: Government affairs
sources:
"""

SH_LIST = """\
  - id: sh-wsjkw-yqtb
    name: 上海市卫生健康委员会 疫情通报
    url: {url}
    kind: html
    region: "310000"
    category: weisheng
    interval: 3600
    fetch_articles: false
    list:
      item: "ul.list-date li"
      date: "span.time::text"
"""

CHINANEWS = """\
  - id: chinanews-scroll
    name: 中新网 即时新闻
    url: https://www.chinanews.com.cn/rss/scroll-news.xml
    kind: rss
    region: "110000"
    category: zhengwu
    interval: 3600
"""

W3CN = """\
  - id: w3cn-article
    name: w3cn 文章
    url: http://www.w3cn.org/article/rss.xml
    kind: rss
    region: "110000"
    category: zhengwu
    interval: 3600
"""

SH_URL = "https://wsjkw.sh.gov.cn/yqtb/index.html"


# ------------------------------------------------------------------ helpers


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    """Poll ``predicate`` every 0.2 s until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # the service may be between states
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def write_config(path: Path, *blocks: str) -> None:
    """Write feeds.yaml atomically (workers may read it at any moment)."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(HEADER + "".join(blocks), encoding="utf-8")
    os.replace(tmp, path)


def expected_entries(config_path: Path, replay: Path | None, tmp: Path) -> dict[str, int]:
    """Entries per source after one in-process poll into a scratch SQLite store."""
    config = load_config(config_path)
    store = Store(f"sqlite:///{tmp / f'expected-{secrets.token_hex(4)}.db'}")
    store.upgrade()
    out = {}
    with make_fetcher(config, str(replay) if replay else None) as fetcher:
        for sid in config.sources:
            report = pipeline.poll_source(config, store, fetcher, sid, now=utc_now())
            out[sid] = report.new
    store.close()
    return out


def redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL_BASE, socket_connect_timeout=1).ping())
    except redis.exceptions.RedisError:
        return False


class Proc:
    """A ``celery`` subprocess in its own process group, logging to a file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._fh = log.open("ab")
        self.popen = subprocess.Popen(
            [CELERY, "-A", "workers", *args],
            cwd=ROOT,
            env=env,
            stdout=self._fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=5)
        self._fh.close()

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), SIGKILL after 15 s."""
        self.kill(signal.SIGTERM)


class Cluster:
    """Environment, processes and clients of one test."""

    def __init__(self, tmp: Path, db_url: str, db_index: int) -> None:
        self.tmp = tmp
        self.db_url = db_url
        self.prefix = f"hubtest-{secrets.token_hex(4)}:"
        self.redis_url = f"{REDIS_URL_BASE}/{db_index}"
        self.config_path = tmp / "feeds.yaml"
        self.env: dict[str, str] = {
            k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "CELERY_"))
        }
        self.env.update(
            HUB_REDIS_URL=self.redis_url,
            HUB_REDIS_PREFIX=self.prefix,
            HUB_DATABASE_URL=db_url,
            HUB_CONFIG=str(self.config_path),
            HUB_DISPATCH_INTERVAL="1",
            HUB_PUBLISH_DELAY="2",
            HUB_RETRY_BACKOFF="1",
            HUB_RETRY_BACKOFF_MAX="2",
            HUB_MAX_RETRIES="50",
            HUB_UNACKED_RESTORE_INTERVAL="1",
            PYTHONPATH=str(ROOT),
        )
        self.procs: list[Proc] = []
        self.store = Store(db_url)
        self.redis = redis.Redis.from_url(self.redis_url)

    def set(self, **env: str) -> None:
        self.env.update(env)

    def worker(self, name: str = "w") -> Proc:
        proc = Proc(
            [
                "worker",
                "-Q",
                "poll,publish",
                "--pool",
                "threads",
                "-c",
                "2",
                "-l",
                "info",
                "-n",
                f"{name}-{secrets.token_hex(3)}@%h",
                "--without-mingle",
                "--without-gossip",
            ],
            self.env,
            self.tmp / f"{name}.log",
        )
        self.procs.append(proc)
        wait_for(lambda: " ready." in proc.text(), 30, f"worker {name} ready")
        return proc

    def beat(self) -> Proc:
        proc = Proc(
            ["beat", "-l", "info", "-s", str(self.tmp / "beat-schedule")],
            self.env,
            self.tmp / "beat.log",
        )
        self.procs.append(proc)
        return proc

    def client(self) -> Any:
        """A Celery app for sending tasks with this test's settings."""
        env = {**self.env}
        return make_app(load_settings(env))

    def send(self, task: str, *args: Any) -> None:
        app = self.client()
        try:
            app.send_task(task, args=list(args))
        finally:
            app.close()

    def counter(self, name: str) -> int:
        raw = self.redis.get(f"{self.prefix}stats:{name}")
        return int(raw) if raw is not None else 0

    def close(self) -> None:
        for proc in self.procs:
            proc.kill()
        self.store.close()
        try:
            keys = list(self.redis.scan_iter(match=f"{self.prefix}*", count=500))
            if keys:
                self.redis.delete(*keys)
        except redis.exceptions.RedisError:
            pass
        self.redis.close()


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh PostgreSQL database, migrated, dropped afterwards."""
    name = f"hub_test_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    store = Store(url)
    store.upgrade()
    store.close()
    try:
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def cluster(tmp_path: Path, database: str) -> Iterator[Cluster]:
    if not redis_up():
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    c = Cluster(tmp_path, database, db_index=secrets.choice(range(10, 16)))
    try:
        yield c
    finally:
        c.close()


class SlowUpstream:
    """A loopback HTTP server answering one path with a recorded body; the first
    ``len(delays)`` requests wait that many seconds first."""

    def __init__(self, body: bytes, content_type: str) -> None:
        self.delays: list[float] = []
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests += 1
                delay = outer.delays.pop(0) if outer.delays else 0.0
                if delay:
                    time.sleep(delay)
                if self.path != "/yqtb/index.html":
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/yqtb/index.html"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def recorded(replay: Path, url: str) -> tuple[bytes, str]:
    for line in (replay / "responses.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["url"] == url:
            return (replay / row["body"]).read_bytes(), row["headers"]["Content-Type"]
    raise LookupError(url)


class TcpProxy:
    """A loopback TCP forwarder to PostgreSQL that can be taken down and brought back on
    the same port: a database outage without touching the server."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._conns: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()

    def up(self) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(64)
        self._listener = sock
        threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def down(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


# ------------------------------------------------------------------ tests


@pytest.mark.slow
def test_worker_and_beat_poll_store_and_publish(cluster: Cluster, replay_dir: Path) -> None:
    """Beat dispatches, a real worker polls every source once, and the feeds are
    rendered (and exported) with exactly the entries an in-process poll stores."""
    write_config(cluster.config_path, SH_LIST.format(url=SH_URL), CHINANEWS, W3CN)
    expected = expected_entries(cluster.config_path, replay_dir, cluster.tmp)
    total = sum(expected.values())
    assert total > 0
    export = cluster.tmp / "public"
    cluster.set(HUB_REPLAY_DIR=str(replay_dir), HUB_EXPORT_DIR=str(export))
    worker = cluster.worker()
    cluster.beat()
    store = cluster.store
    wait_for(lambda: store.count_entries() == total, 30, f"{total} entries")
    wait_for(lambda: store.get_feed("all:", "atom") is not None, 15, "the all: feed")
    wait_for(lambda: (export / "feeds" / "all.atom").is_file(), 10, "the exported all.atom")
    time.sleep(2)  # more dispatch periods: nothing is polled twice
    assert store.count_entries() == total
    feed = store.get_feed("all:", "atom")
    assert feed is not None and feed.entry_count == min(total, 50)
    assert b"<entry>" in feed.body
    for sid, count in expected.items():
        state = store.get_state(sid)
        assert state.entry_count == count
        assert state.last_outcome == "ok"
    log = worker.text()
    assert log.count("outcome=ok") == len(expected), log[-4000:]
    assert "task=" in log and "source=sh-wsjkw-yqtb" in log  # log context


@pytest.mark.slow
def test_duplicates_store_once_and_publish_once(cluster: Cluster, replay_dir: Path) -> None:
    """The same poll sent twice stores nothing twice, and a burst of changes to shared
    feeds is rendered by one publish run."""
    write_config(cluster.config_path, SH_LIST.format(url=SH_URL), CHINANEWS)
    expected = expected_entries(cluster.config_path, replay_dir, cluster.tmp)
    cluster.set(HUB_REPLAY_DIR=str(replay_dir))
    worker = cluster.worker()
    for sid in ["sh-wsjkw-yqtb", "chinanews-scroll", "sh-wsjkw-yqtb", "chinanews-scroll"]:
        cluster.send("hub.poll_source", sid)
    total = sum(expected.values())
    wait_for(lambda: cluster.counter("publish_runs") >= 1, 20, "a publish run")
    time.sleep(3)  # longer than the publish delay: a second run would show now
    assert cluster.store.count_entries() == total
    assert cluster.counter("publish_runs") == 1
    log = worker.text()
    assert log.count("outcome=ok") == 2
    assert log.count("not due") + log.count("holds the lock") == 2
    feed = cluster.store.get_feed("all:", "atom")
    assert feed is not None and feed.entry_count == min(total, 50)
    # a duplicate publish message finds nothing pending and renders nothing
    cluster.send("hub.publish")
    cluster.send("hub.publish")
    wait_for(lambda: worker.text().count("publish: nothing pending") == 2, 15, "publishes")
    assert cluster.counter("publish_runs") == 1


@pytest.mark.slow
def test_removed_source_task_ends_cleanly(cluster: Cluster, replay_dir: Path) -> None:
    """A poll queued for a source that feeds.yaml no longer lists ends with outcome
    ``removed`` and touches nothing; the worker picks the edit up without a restart."""
    write_config(cluster.config_path, SH_LIST.format(url=SH_URL), CHINANEWS)
    cluster.set(HUB_REPLAY_DIR=str(replay_dir))
    worker = cluster.worker()
    cluster.send("hub.poll_source", "sh-wsjkw-yqtb")
    wait_for(lambda: "poll sh-wsjkw-yqtb: outcome=ok" in worker.text(), 20, "first poll")
    worker.stop()
    cluster.send("hub.poll_source", "chinanews-scroll")  # queued, no worker running
    write_config(cluster.config_path, SH_LIST.format(url=SH_URL))
    worker2 = cluster.worker("w2")
    wait_for(
        lambda: "succeeded" in worker2.text() and "outcome=removed" in worker2.text(),
        20,
        "the removed outcome",
    )
    assert cluster.store.get_state("chinanews-scroll").last_attempt_at is None
    assert cluster.store.get_state("chinanews-scroll").entry_count == 0


@pytest.mark.slow
def test_worker_killed_mid_poll_task_is_redelivered(cluster: Cluster, replay_dir: Path) -> None:
    """SIGKILL while a poll waits on a slow upstream: after the visibility timeout the
    task is redelivered to a new worker and completes; each entry is stored once."""
    body, ctype = recorded(replay_dir, SH_URL)
    upstream = SlowUpstream(body, ctype)
    try:
        write_config(cluster.config_path, SH_LIST.format(url=upstream.url))
        expected = expected_entries(cluster.config_path, None, cluster.tmp)["sh-wsjkw-yqtb"]
        assert expected > 0
        cluster.set(
            HUB_TASK_SOFT_TIME_LIMIT="5",
            HUB_TASK_TIME_LIMIT="6",
            HUB_LOCK_TIMEOUT="7",
            HUB_VISIBILITY_TIMEOUT="8",
        )
        upstream.delays = [60.0]
        first = upstream.requests
        worker = cluster.worker("doomed")
        cluster.send("hub.poll_source", "sh-wsjkw-yqtb")
        wait_for(lambda: upstream.requests > first, 15, "the slow fetch to start")
        worker.kill(signal.SIGKILL)
        assert cluster.store.count_entries() == 0
        worker2 = cluster.worker("rescuer")
        wait_for(lambda: cluster.store.count_entries() >= expected, 30, "redelivered poll")
        wait_for(lambda: "outcome=ok" in worker2.text(), 10, "the rescuer's log line")
        time.sleep(1.5)
        assert cluster.store.count_entries() == expected
        assert cluster.store.get_state("sh-wsjkw-yqtb").last_outcome == "ok"
        wait_for(lambda: cluster.store.get_feed("all:", "atom") is not None, 15, "publish")
    finally:
        upstream.close()


@pytest.mark.slow
def test_database_outage_retries_then_catches_up(cluster: Cluster, replay_dir: Path) -> None:
    """With PostgreSQL unreachable a poll fails as retryable and is retried with
    back-off, writing nothing; once the database is back it completes and publishes."""
    proxy = TcpProxy(("127.0.0.1", 5432))
    try:
        write_config(cluster.config_path, SH_LIST.format(url=SH_URL))
        expected = expected_entries(cluster.config_path, replay_dir, cluster.tmp)
        proxied = cluster.db_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        cluster.set(HUB_REPLAY_DIR=str(replay_dir), HUB_DATABASE_URL=proxied)
        worker = cluster.worker()
        cluster.send("hub.poll_source", "sh-wsjkw-yqtb")
        wait_for(lambda: worker.text().count("Retry in") >= 2, 20, "two retries")
        assert cluster.store.count_entries() == 0
        assert cluster.store.get_state("sh-wsjkw-yqtb").last_attempt_at is None
        proxy.up()
        wait_for(lambda: cluster.store.count_entries() == expected["sh-wsjkw-yqtb"], 20, "catch-up")
        wait_for(lambda: cluster.store.get_feed("all:", "atom") is not None, 15, "publish")
        assert cluster.store.get_state("sh-wsjkw-yqtb").last_outcome == "ok"
        assert "StorageError" in worker.text()
    finally:
        proxy.down()


@pytest.mark.slow
def test_redis_restart_worker_and_beat_reconnect(cluster: Cluster, replay_dir: Path) -> None:
    """The machine's Redis is shut down (nosave) and started again under a running
    worker and beat: both reconnect and a source added afterwards is polled."""
    write_config(cluster.config_path, SH_LIST.format(url=SH_URL))
    expected = expected_entries(cluster.config_path, replay_dir, cluster.tmp)
    cluster.set(HUB_REPLAY_DIR=str(replay_dir))
    cluster.worker()
    cluster.beat()
    wait_for(lambda: cluster.store.count_entries() == expected["sh-wsjkw-yqtb"], 30, "first poll")
    try:
        subprocess.run(["redis-cli", "shutdown", "nosave"], timeout=10, check=False)
        wait_for(lambda: not redis_up(), 10, "Redis down")
        time.sleep(2)
    finally:
        if not redis_up():
            subprocess.run(REDIS_START, timeout=10, check=True)
        wait_for(redis_up, 10, "Redis up")
    write_config(cluster.config_path, SH_LIST.format(url=SH_URL), CHINANEWS)
    more = expected_entries(cluster.config_path, replay_dir, cluster.tmp)
    wait_for(lambda: cluster.store.count_entries() == sum(more.values()), 60, "poll after restart")
    assert cluster.store.get_state("chinanews-scroll").last_outcome == "ok"
