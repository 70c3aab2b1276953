"""Redis replication against real servers: three pods, each in its own namespaces, joined by
a network in which every pod's stable DNS name resolves (tests/pod_network.py). The servers'
commands, args and probes are the rendered StatefulSet's; the Secret's files the program's."""

from __future__ import annotations

import time

import pytest

from components.arg_paths import parse_args
from tests.redis_pod import RedisCluster
from tests.test_redis_server import MISSING, pytestmark  # noqa: F401 (the same skip rule)

PASSWORD = "replicated 'password' \u200b with\nnewline"
SETTINGS = parse_args(
    {
        "name": "redis",
        "preset": "redis",
        "namespace": "db",
        "gcpProject": "acme-test-project",
        "volumeScope": "redis-test",
        "replicas": 3,
        "storage": {"zones": ["europe-west1-b"], "storageSlots": 3},
        "redis": {"replication": True},
    }
)


def eventually(check, timeout: float = 20, every: float = 0.1):
    """`check()`'s first truthy result, within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout}s")
        time.sleep(every)


@pytest.fixture
def cluster(tmp_path):
    made = RedisCluster(tmp_path, SETTINGS, PASSWORD)
    yield made
    made.stop()


def started(cluster: RedisCluster) -> RedisCluster:
    """All pods started in ordinal order (OrderedReady), each Ready before the next."""
    for pod in cluster.pods:
        pod.start()
        pod.wait_ready(timeout=20)
    primary, *replicas = cluster.pods
    eventually(lambda: primary.info("replication").get("connected_slaves") == "2")
    for replica in replicas:
        eventually(lambda r=replica: r.info("replication").get("master_link_status") == "up")
    return cluster


def test_the_first_pod_is_the_primary_and_the_others_replicate_it(cluster):
    primary, *replicas = started(cluster).pods
    assert primary.info("replication")["role"] == "master"
    announced = {
        value.split(",")[0].removeprefix("ip=")
        for key, value in primary.info("replication").items()
        if key.startswith("slave")
    }
    assert announced == set(cluster.dns[1:])  # stable names, not addresses
    for replica in replicas:
        info = replica.info("replication")
        assert info["role"] == "slave" and info["master_host"] == cluster.dns[0]


def test_a_write_on_the_primary_is_read_on_every_replica(cluster):
    primary, *replicas = started(cluster).pods
    assert primary.cli("SET", "greeting", "hello", password=PASSWORD).stdout == b"OK\n"
    # WAIT: both replicas acknowledged it.
    assert primary.cli("WAIT", "2", "5000", password=PASSWORD).stdout == b"2\n"
    for replica in replicas:
        assert replica.cli("GET", "greeting", password=PASSWORD).stdout == b"hello\n"
        refused = replica.cli("SET", "greeting", "no", password=PASSWORD)
        assert refused.stdout.startswith(b"READONLY")


def test_a_restarted_replica_catches_up(cluster):
    primary, replica, _ = started(cluster).pods
    replica.stop()
    for i in range(50):
        primary.cli("SET", f"while-away-{i}", str(i), password=PASSWORD)
    replica.start()
    replica.wait_ready(timeout=20)
    eventually(lambda: replica.cli("GET", "while-away-49", password=PASSWORD).stdout == b"49\n")


def test_the_primary_refuses_writes_no_replica_receives(cluster):
    primary, *replicas = started(cluster).pods
    for replica in replicas:
        replica.freeze()  # unreachable, as across a partition
    try:
        # After min-replicas-max-lag (10 s) without an acknowledgement, writes are refused.
        refused = eventually(
            lambda: b"NOREPLICAS" in primary.cli("SET", "k", "v", password=PASSWORD).stdout,
            timeout=25,
            every=0.5,
        )
        assert refused
    finally:
        for replica in replicas:
            replica.thaw()
    eventually(lambda: primary.cli("SET", "k", "v", password=PASSWORD).stdout == b"OK\n")
