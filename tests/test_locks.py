"""The Redis coordination under the workers, against the real Redis: two dispatchers in
one period (two beats by mistake) do not double the polls; locks and claims exclude."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
import redis

from workers.locks import Coordinator


@pytest.fixture
def coordinator() -> Iterator[Coordinator]:
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=5)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.skip(f"Redis not reachable on 127.0.0.1:6379: {exc}")
    prefix = f"hubtest-{uuid.uuid4().hex[:8]}:"
    try:
        yield Coordinator(client, prefix)
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()


def test_two_dispatchers_in_one_period_dispatch_once(coordinator: Coordinator) -> None:
    results: list[bool] = []
    barrier = threading.Barrier(2)

    def beat() -> None:
        barrier.wait(timeout=5)
        results.append(coordinator.dispatch_token(15, now=1_700_000_005.0))

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sorted(results) == [False, True]
    assert coordinator.dispatch_token(15, now=1_700_000_020.0)  # the next period


def test_claims_and_source_lock_exclude(coordinator: Coordinator) -> None:
    first = coordinator.claim_sources(["a", "b"], ttl=60)
    second = coordinator.claim_sources(["a", "b", "c"], ttl=60)
    assert first == ["a", "b"] and second == ["c"]
    with coordinator.source_lock("a", timeout=30) as taken:
        assert taken
        with coordinator.source_lock("a", timeout=30) as again:
            assert not again  # a second poll of the source ends cleanly
    with coordinator.source_lock("a", timeout=30) as retaken:
        assert retaken
