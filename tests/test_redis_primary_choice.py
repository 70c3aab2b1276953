"""Which pod leads, chosen by data: real servers and Sentinels, run as the rendered pods.

Each scenario counts what is lost: writes acknowledged by a replica (`WAIT 1`) that the
primary chosen afterwards does not hold, or keys that disappear from every pod. Each runs
several times; docs/redis.md quotes the counts printed here (`pytest -s`).
"""

from __future__ import annotations

import shutil
import signal
import threading
import time

import pytest

from components.core.redis_replication import FAILOVER_TIMEOUT_MS
from components.settings.arg_paths import parse_args
from tests.redis_pod import RedisCluster
from tests.test_redis_replication import (
    APP,
    PASSWORD,
    acknowledged_writes,
    eventually,
    role,
    sentinel_view,
    started,
    surviving,
    with_sentinels,
)
from tests.test_redis_server import MISSING, pytestmark  # noqa: F401 (the same tier and skip rule)

# Seconds for the pods to agree on one primary after a restart. With the primary's pod down,
# its Sentinel is down too, and the two left may each vote for themselves in the same epoch:
# that failover is aborted and retried only after twice `failover-timeout` (redis 7.0
# src/sentinel.c, sentinelStartFailoverIfNeeded), which a failover must be allowed.
SETTLE_LIMIT = 2 * FAILOVER_TIMEOUT_MS / 1000 + 30


def wipe(pod) -> None:
    """The pod's disk, emptied (a new disk in its place)."""
    for entry in pod.data.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def fill(primary, count: int) -> None:
    """`count` keys written on the primary in one call, acknowledged by both replicas."""
    script = f"for i=1,{count} do redis.call('SET','k'..i,i) end return 1"
    assert primary.cli("EVAL", script, "0", password=PASSWORD).stdout == b"1\n"
    assert primary.cli("WAIT", "2", "5000", password=PASSWORD).stdout == b"2\n"


def keys(pod) -> int:
    """The keys the pod's server holds, as INFO reports them: a server waiting for its peers
    answers INFO but serves no reads (DBSIZE, GET: MASTERDOWN); -1 when it does not answer."""
    info = pod.info("keyspace")
    if not info and "redis_version" not in pod.info("server"):
        return -1
    return sum(
        int(field.split("=", 1)[1])
        for value in info.values()
        for field in value.split(",")
        if field.startswith("keys=")
    )


def refuses_reads(pod) -> bool:
    """A read answered MASTERDOWN: the server holds data it may not serve (undecided)."""
    return pod.cli("GET", "k1", password=PASSWORD).stdout.startswith(b"MASTERDOWN")


def remembered(pods, name: str) -> bool:
    """Whether each pod's Sentinel has written `name` as the primary to its state on the
    pod's disk (what it starts from after a restart)."""
    for pod in pods:
        state = pod.data / "sentinel-state.conf"
        if not state.exists() or f"sentinel monitor redis {name} " not in state.read_text():
            return False
    return True


def acknowledging(pod) -> bool:
    """A primary with a replica attached: one that can acknowledge a write (WAIT 1)."""
    info = pod.info("replication")
    return info.get("role") == "master" and int(info.get("connected_slaves", "0")) > 0


def settled(cluster: RedisCluster, limit: float = SETTLE_LIMIT, stale_allowed: bool = False):
    """The one primary, once every other pod is linked to it; fails if two pods are ever
    primaries at the same time while it waits (with `stale_allowed`, two that could both
    acknowledge writes: a primary back from a pause calls itself one until Sentinel turns it
    into a replica, but with no replica it acknowledges nothing)."""
    deadline = time.monotonic() + limit
    while True:
        roles = [role(p) for p in cluster.pods]
        if stale_allowed:
            claiming = [p for p in cluster.pods if acknowledging(p)]
            assert len(claiming) <= 1, f"two primaries with replicas at once: {roles}"
        else:
            assert roles.count("master") <= 1, f"two primaries at once: {roles}"
        if roles.count("master") == 1:
            primary = cluster.pods[roles.index("master")]
            name = cluster.dns[cluster.pods.index(primary)]
            others = [p for p in cluster.pods if p is not primary]
            if all(
                (info := p.info("replication")).get("master_host") == name
                and info.get("master_link_status") == "up"
                and info.get("master_sync_in_progress") == "0"
                for p in others
            ):
                return primary
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {pod.hostname}\n{pod.output()}" for pod in cluster.pods)
            raise TimeoutError(f"no single primary within {limit}s: {roles}\n{logs}")
        time.sleep(0.2)


def full_restart(cluster: RedisCluster, order: str):
    """Pod 0 is lost; a replica takes over and acknowledges writes; then the other two stop
    as well, and all three start again: in order, each Ready before the next (OrderedReady),
    or all at once, last first. The primary afterwards, the one promoted before, the
    acknowledged writes lost, of how many, and the seconds until one primary."""
    pods = with_sentinels(cluster).pods
    first = acknowledged_writes(pods[0], 20)
    assert len(first) == 20
    pods[0].stop(signal.SIGKILL)
    promoted = eventually(lambda: [p for p in pods[1:] if role(p) == "master"], timeout=40)
    (new,) = promoted
    eventually(
        lambda: new.cli("SET", "probe", "x", password=PASSWORD).stdout == b"OK\n", timeout=30
    )
    later = acknowledged_writes(new, 60, prefix="after-failover")
    assert len(later) >= 50
    for pod in pods[1:]:
        pod.stop(signal.SIGKILL)
    started_at = time.monotonic()
    if order == "in order":
        for pod in pods:
            pod.start()
            pod.wait_ready(timeout=60)
    else:
        for pod in reversed(pods):
            pod.start()
    primary = settled(cluster)
    took = time.monotonic() - started_at
    lost = len(first) + len(later) - surviving(primary, first) - surviving(primary, later)
    return primary, new, lost, len(first) + len(later), took


@pytest.mark.parametrize(
    ("order", "round_"),
    [("in order", 0), ("in order", 1), ("in order", 2), ("reversed", 0), ("reversed", 1)],
)
def test_after_a_full_restart_the_last_primary_leads_again(cluster, order, round_, capsys):
    primary, new, lost, total, took = full_restart(cluster, order)
    with capsys.disabled():
        print(
            f"\n[full restart, {order}, {round_}] primary "
            f"{cluster.dns[cluster.pods.index(primary)]} after {took:.1f} s; acknowledged "
            f"writes lost {lost} of {total}"
        )
    assert primary is new
    assert lost == 0


VARIANTS = {
    "ordinals from 1": {"rollout": {"ordinalsStart": 1}, "redis": {"replication": True}},
    "minReplicasToWrite 0": {"redis": {"replication": True, "minReplicasToWrite": 0}},
}


@pytest.mark.parametrize(("variant", "round_"), [(v, r) for v in VARIANTS for r in range(3)])
def test_a_full_restart_on_other_settings_loses_nothing(tmp_path, variant, round_, capsys):
    made = RedisCluster(tmp_path, parse_args({**APP, **VARIANTS[variant]}), PASSWORD)
    try:
        primary, new, lost, total, took = full_restart(made, "in order")
        with capsys.disabled():
            print(
                f"\n[full restart, {variant}, {round_}] primary "
                f"{made.dns[made.pods.index(primary)]} after {took:.1f} s; acknowledged "
                f"writes lost {lost} of {total}"
            )
        assert primary is new
        assert lost == 0
    finally:
        made.stop()


class Kubelet:
    """Restarts a pod's Redis container when it exits, as `restartPolicy: Always` does: the
    first restart after CrashLoopBackOff's initial 10 s."""

    BACKOFF = 10.0

    def __init__(self, pod) -> None:
        self.pod, self.restarts = pod, 0
        self.watching = threading.Event()
        self.watching.set()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while self.watching.is_set():
            server = self.pod.server
            if server is not None and server.poll() is not None:
                time.sleep(self.BACKOFF)
                if self.watching.is_set():
                    self.restarts += 1
                    self.pod.start_server()
            time.sleep(0.1)

    def stop(self) -> None:
        self.watching.clear()
        self.thread.join()


@pytest.mark.parametrize("delay", [1, 1, 3, 3, 5, 10])
def test_an_emptied_primary_coming_back_never_leads(cluster, delay, capsys):
    """Pod 0, the primary, is killed and comes back on an empty disk `delay` seconds later,
    before or after the Sentinels fail it over: it must follow, never wipe the others."""
    pods = with_sentinels(cluster).pods
    fill(pods[0], 2000)
    eventually(lambda: all(keys(p) == 2000 for p in pods))
    pods[0].stop(signal.SIGKILL)
    wipe(pods[0])
    time.sleep(delay)
    back = time.monotonic()
    pods[0].start()
    kubelet = Kubelet(pods[0])
    try:
        primary = settled(cluster)
    finally:
        kubelet.stop()
    took = time.monotonic() - back
    counts = [keys(p) for p in pods]
    with capsys.disabled():
        print(
            f"\n[emptied pod 0 back after {delay} s] primary "
            f"{cluster.dns[pods.index(primary)]} after {took:.1f} s "
            f"({kubelet.restarts} container restart); keys per pod {counts} (of 2000)"
        )
    assert primary is not pods[0]
    assert counts == [2000, 2000, 2000]


@pytest.mark.parametrize("round_", range(3))
def test_without_sentinel_an_emptied_bootstrap_pod_waits_for_an_operator(replication, round_):
    pods = started(replication).pods
    fill(pods[0], 500)
    pods[0].stop(signal.SIGKILL)
    wipe(pods[0])
    pods[0].start()
    time.sleep(5)
    # It holds nothing and its peers do: it neither leads nor wipes them.
    assert role(pods[0]) == "slave"
    assert pods[0].cli("SET", "k", "v", password=PASSWORD).stdout.startswith(b"READONLY")
    assert [keys(p) for p in pods[1:]] == [500, 500]
    assert "role: waiting for peers" in pods[0].output()
    # Ready while it waits, it answers no read: empty, it would say every key is gone.
    assert pods[0].readiness().returncode == 0 and refuses_reads(pods[0])
    # The operator's choice (docs/redis.md, 'When no pod can lead'): pod 1 leads.
    assert pods[1].cli("REPLICAOF", "NO", "ONE", password=PASSWORD).stdout == b"OK\n"
    eventually(lambda: keys(pods[0]) == 500, timeout=30)
    assert role(pods[1]) == "master" and role(pods[0]) == "slave"
    # Following, linked and synced, it serves reads again.
    eventually(lambda: pods[0].cli("GET", "k1", password=PASSWORD).stdout == b"1\n", timeout=10)


def test_a_new_cluster_started_all_at_once_takes_the_first_pod_as_primary(replication):
    for pod in reversed(replication.pods):
        pod.start()
    primary = settled(replication)
    assert primary is replication.pods[0]


def test_the_sentinel_state_on_disk_holds_no_password(cluster):
    pods = with_sentinels(cluster).pods
    for pod in pods:
        state = eventually(lambda p=pod: (p.data / "sentinel-state.conf").read_text(), timeout=10)
        assert f"sentinel monitor redis {cluster.dns[0]} 6379 2" in state
        assert "auth-pass" not in state and "replicated" not in state


@pytest.mark.parametrize("round_", range(3))
def test_sentinels_restarted_together_keep_the_current_primary(cluster, round_, capsys):
    """After a failover, the three Sentinel containers restart at once: each comes back
    from the state on its pod's disk, not from a fixed first pod."""
    pods = with_sentinels(cluster).pods
    # Pod 0's server fails; a replica takes over; pod 0 comes back as its replica.
    pods[0].stop_server(signal.SIGKILL)
    (new,) = eventually(lambda: [p for p in pods[1:] if role(p) == "master"], timeout=30)
    name = cluster.dns[pods.index(new)]
    pods[0].start_server()
    eventually(lambda: pods[0].info("replication").get("master_host") == name, timeout=30)
    eventually(lambda: all(sentinel_view(p).get("ip") == name for p in pods), timeout=30, every=0.5)
    eventually(lambda: remembered(pods, name), timeout=20)
    for pod in pods:
        pod.stop_sidecars()
    for pod in pods:
        pod.start_sidecars()
    restarted = time.monotonic()
    named = eventually(
        lambda: {sentinel_view(p).get("ip") for p in pods} == {name}, timeout=30, every=0.5
    )
    agreed = time.monotonic() - restarted
    time.sleep(6)  # past down-after: nothing is failed over, nothing aborted
    assert role(new) == "master" and [role(p) for p in pods].count("master") == 1
    assert new.cli("SET", "after", "restart", password=PASSWORD).stdout == b"OK\n"
    logs = "".join(p.output() for p in pods)
    assert "-failover-abort-no-good-slave" not in logs
    with capsys.disabled():
        print(f"\n[sentinels restarted, {round_}] all name {name} after {agreed:.1f} s")
    assert named


@pytest.mark.parametrize("round_", range(3))
def test_a_new_primary_restarted_while_the_old_one_comes_back_keeps_its_data(
    cluster, round_, capsys
):
    """The primary is paused (a partition); a replica is promoted and acknowledges writes;
    the old primary comes back still calling itself the primary, and the new one's server
    restarts half a second later: it must lead again, not copy the old primary's data."""
    pods = with_sentinels(cluster).pods
    pods[0].freeze()
    (new,) = eventually(lambda: [p for p in pods[1:] if role(p) == "master"], timeout=40)
    eventually(
        lambda: new.cli("SET", "probe", "x", password=PASSWORD).stdout == b"OK\n", timeout=30
    )
    acked = acknowledged_writes(new, 40, prefix="on-the-new-primary")
    assert len(acked) >= 30
    pods[0].thaw()
    time.sleep(0.5)
    new.stop_server(signal.SIGKILL)
    new.start_server()
    primary = settled(cluster, stale_allowed=True)
    lost = len(acked) - surviving(primary, acked)
    with capsys.disabled():
        print(
            f"\n[old primary back, new one restarted, {round_}] primary "
            f"{cluster.dns[pods.index(primary)]}; acknowledged writes lost {lost} of "
            f"{len(acked)}"
        )
    assert primary is new
    assert lost == 0


@pytest.mark.parametrize("round_", range(3))
def test_without_sentinel_a_full_restart_on_an_emptied_first_pod_waits(replication, round_):
    """All three stop; pod 0 comes back first on a new disk, its peers not yet started (as
    under OrderedReady): with nobody to ask it must not lead, and once the others are back
    with their data it still must not."""
    pods = started(replication).pods
    fill(pods[0], 300)
    for pod in pods:
        pod.stop(signal.SIGKILL)
    wipe(pods[0])
    pods[0].start()
    pods[0].wait_ready(timeout=30)  # Ready while it waits, so that the next pod starts
    time.sleep(3)
    assert role(pods[0]) == "slave"
    for pod in pods[1:]:
        pod.start()
        pod.wait_ready(timeout=30)
    time.sleep(5)
    assert [role(p) for p in pods].count("master") == 0
    assert [keys(p) for p in pods] == [0, 300, 300]
    # Every pod waits, Ready (OrderedReady started each), and none serves what it holds.
    assert all(p.readiness().returncode == 0 and refuses_reads(p) for p in pods)


@pytest.mark.parametrize("round_", range(3))
def test_after_a_full_restart_without_the_last_primarys_data_every_pod_waits(
    cluster, round_, capsys
):
    """Pod 0 is lost, pod P promoted, writes acknowledged (by the one replica left); then
    every pod stops and P comes back on a new disk. No pod can prove it holds the newest
    data, so none leads, and Sentinel promotes none (every restarted server is undecided);
    the operator's choice, the replica that stayed linked to P, then leads with every write."""
    pods = with_sentinels(cluster).pods
    pods[0].stop(signal.SIGKILL)
    (new,) = eventually(lambda: [p for p in pods[1:] if role(p) == "master"], timeout=40)
    eventually(
        lambda: new.cli("SET", "probe", "x", password=PASSWORD).stdout == b"OK\n", timeout=30
    )
    acked = acknowledged_writes(new, 40, prefix="before-the-restart")
    (linked,) = [p for p in pods[1:] if p is not new]
    # Both running Sentinels remember P (the one not leading the failover learns it from
    # the leader's hello messages, every 2 s): the restart then starts from P, not pod 0.
    eventually(lambda: remembered(pods[1:], cluster.dns[pods.index(new)]), timeout=20)
    for pod in pods[1:]:
        pod.stop(signal.SIGKILL)
    wipe(new)
    for pod in pods:
        pod.start()
    # P stops its own server (named, with no data); the kubelet restarts whatever exits.
    kubelets = [Kubelet(pod) for pod in pods]
    try:
        time.sleep(25)
        assert [role(p) for p in pods].count("master") == 0
        # The operator: the replica that stayed linked to the last primary.
        assert linked.cli("CONFIG", "SET", "replica-priority", "100", password=PASSWORD).stdout
        # Sentinel reads a replica's priority with its INFO, every 10 s: until then it
        # answers NOGOODSLAVE.
        eventually(
            lambda: (
                linked.run("timeout 5 redis-cli -p 26379 SENTINEL failover redis").stdout == b"OK\n"
            ),
            timeout=30,
            every=2,
        )
        primary = settled(cluster)
    finally:
        for kubelet in kubelets:
            kubelet.stop()
    lost = len(acked) - surviving(primary, acked)
    with capsys.disabled():
        print(f"\n[last primary's disk lost, operator's choice, {round_}] acknowledged lost {lost}")
    assert primary is linked and lost == 0


@pytest.mark.parametrize("round_", range(3))
def test_an_empty_named_pod_does_not_lead_while_its_peers_are_silent(cluster, round_):
    """After a full restart the Sentinels (a majority, from their state) name pod P, back on
    a new disk, while the other pods' servers do not answer yet: P cannot know whether they
    hold data, so it must not lead (they would then copy its empty data set)."""
    pods = with_sentinels(cluster).pods
    fill(pods[0], 200)
    pods[0].stop(signal.SIGKILL)
    (new,) = eventually(lambda: [p for p in pods[1:] if role(p) == "master"], timeout=40)
    # The Sentinels' state (P, epoch 1) is on their disks.
    eventually(lambda: remembered(pods[1:], cluster.dns[pods.index(new)]), timeout=20)
    for pod in pods[1:]:
        pod.stop(signal.SIGKILL)
    wipe(new)
    silent = [p for p in pods if p is not new]
    for pod in silent:
        pod.start()
        pod.stop_server(signal.SIGKILL)  # its Sentinel answers, its server does not
    new.start()
    time.sleep(8)
    assert role(new) != "master"
    assert [p.server for p in silent] == [None, None]
