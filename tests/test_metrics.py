"""Metrics helpers against the real Redis broker."""

from __future__ import annotations

import uuid

import pytest
import redis

from hub.metrics import queue_depth_from_env


def test_queue_depth_reads_the_broker() -> None:
    assert queue_depth_from_env({}) is None
    prefix = f"hubtest-{uuid.uuid4().hex[:8]}:"
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.skip(f"Redis not reachable on 127.0.0.1:6379: {exc}")
    try:
        client.rpush(prefix + "poll", "a", "b", "c")
        depth = queue_depth_from_env(
            {"HUB_REDIS_URL": "redis://127.0.0.1:6379/0", "HUB_REDIS_PREFIX": prefix}
        )
        assert depth is not None
        assert depth() == {"poll": 3, "publish": 0}
    finally:
        client.delete(prefix + "poll")
        client.close()
