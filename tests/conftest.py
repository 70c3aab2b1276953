"""Test-wide settings, and the fixtures the real-server Redis tests share."""

import logging

import pytest

# Tests that expect the program to stop (a disk that would shrink) leave the SDK's own
# futures holding that error; asyncio reports them when they are collected. The error
# itself is asserted where it is raised.
logging.getLogger("asyncio").setLevel(logging.CRITICAL)


@pytest.fixture
def replication(tmp_path):
    """Three Redis pods replicating one primary, without Sentinel (not started)."""
    from tests.redis_pod import RedisCluster
    from tests.test_redis_replication import PASSWORD, REPLICATION

    made = RedisCluster(tmp_path, REPLICATION, PASSWORD)
    yield made
    made.stop()


@pytest.fixture
def cluster(tmp_path):
    """Three Redis pods with replication and a Sentinel beside each (not started)."""
    from tests.redis_pod import RedisCluster
    from tests.test_redis_replication import PASSWORD, SETTINGS

    made = RedisCluster(tmp_path, SETTINGS, PASSWORD)
    yield made
    made.stop()
