"""Redis replication against real servers: three pods, each in its own namespaces, joined by
a network in which every pod's stable DNS name resolves (tests/pod_network.py). The servers'
commands, args and probes are the rendered StatefulSet's; the Secret's files the program's."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import threading
import time

import pytest

from components.core.secret_values import secret_values
from components.settings.arg_paths import parse_args
from tests.redis_pod import RedisCluster, write_secret
from tests.test_redis_server import MISSING, pytestmark  # noqa: F401 (the same tier and skip rule)

PASSWORD = "replicated 'password' \u200b with\nnewline"
APP = {
    "name": "redis",
    "preset": "redis",
    "namespace": "db",
    "gcpProject": "acme-test-project",
    "volumeScope": "redis-test",
    "replicas": 3,
    "storage": {"zones": ["europe-west1-b"], "storageSlots": 3},
}
# Replication alone (no Sentinel to fail a slow primary over mid-test), and with Sentinel.
REPLICATION = parse_args({**APP, "redis": {"replication": True, "sentinel": False}})
SETTINGS = parse_args({**APP, "redis": {"replication": True}})


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


def started(cluster: RedisCluster) -> RedisCluster:
    """All pods started in ordinal order (OrderedReady), each Ready before the next."""
    for pod in cluster.pods:
        pod.start()
        pod.wait_ready(timeout=20)
    primary, *replicas = cluster.pods

    def online() -> bool:
        # Both replicas online: synced, and acknowledging (what min-replicas-to-write counts).
        info = primary.info("replication")
        states = [v for k, v in info.items() if k.startswith("slave") and "state=" in v]
        lags = [int(v.rsplit("lag=", 1)[-1]) for v in states if "lag=" in v]
        fresh = len(lags) == 2 and max(lags) <= 1
        return len(states) == 2 and all("state=online" in v for v in states) and fresh

    eventually(online)
    for replica in replicas:
        eventually(lambda r=replica: r.info("replication").get("master_link_status") == "up")
    return cluster


def test_the_first_pod_is_the_primary_and_the_others_replicate_it(replication):
    primary, *replicas = started(replication).pods
    assert primary.info("replication")["role"] == "master"
    announced = {
        value.split(",")[0].removeprefix("ip=")
        for key, value in primary.info("replication").items()
        if key.startswith("slave")
    }
    assert announced == set(replication.dns[1:])  # stable names, not addresses
    for replica in replicas:
        info = replica.info("replication")
        assert info["role"] == "slave" and info["master_host"] == replication.dns[0]


def test_a_write_on_the_primary_is_read_on_every_replica(replication):
    primary, *replicas = started(replication).pods
    assert primary.cli("SET", "greeting", "hello", password=PASSWORD).stdout == b"OK\n"
    # WAIT: both replicas acknowledged it.
    assert primary.cli("WAIT", "2", "5000", password=PASSWORD).stdout == b"2\n"
    for replica in replicas:
        assert replica.cli("GET", "greeting", password=PASSWORD).stdout == b"hello\n"
        refused = replica.cli("SET", "greeting", "no", password=PASSWORD)
        assert refused.stdout.startswith(b"READONLY")


def test_a_restarted_replica_catches_up(replication):
    primary, replica, _ = started(replication).pods
    replica.stop()
    for i in range(50):
        primary.cli("SET", f"while-away-{i}", str(i), password=PASSWORD)
    replica.start()
    replica.wait_ready(timeout=20)
    eventually(lambda: replica.cli("GET", "while-away-49", password=PASSWORD).stdout == b"49\n")


def test_a_replica_is_ready_only_while_linked_to_its_primary(replication):
    primary, replica, other = started(replication).pods
    # The replica comes back with a wrong password (masterauth and requirepass): it answers
    # PING, but holds no current data, and its peers refuse it.
    replica.stop()
    wrong = "another password, not the primary's"
    shutil.rmtree(replica.root / "secret")
    values = secret_values(replica.settings, wrong)
    write_secret(replica.root / "secret", {k: v.encode() for k, v in values.items()}, replica.uid)
    replica.password = wrong
    replica.start()
    eventually(lambda: replica.info("replication").get("role") == "slave")
    time.sleep(3)  # long enough for a link to come up if it could
    assert replica.info("replication").get("master_link_status") == "down"
    assert replica.readiness().returncode != 0
    # The others are Ready: the primary alone, the other replica once synced.
    assert other.readiness().returncode == 0 and primary.readiness().returncode == 0
    assert other.info("replication")["master_link_status"] == "up"
    # Its primary gone, a replica is not Ready any more.
    primary.stop(signal.SIGKILL)
    eventually(lambda: other.readiness().returncode != 0, timeout=15)


def test_the_primary_refuses_writes_no_replica_receives(replication):
    primary, *replicas = started(replication).pods
    for replica in replicas:
        replica.freeze()  # unreachable, as across a partition
    try:
        # After min-replicas-max-lag (2 s) without an acknowledgement, writes are refused:
        # at most 4 s, before the Sentinels' down-after time (6 s) could let a replica be
        # promoted.
        frozen = time.monotonic()
        refused = eventually(
            lambda: b"NOREPLICAS" in primary.cli("SET", "k", "v", password=PASSWORD).stdout,
            timeout=25,
            every=0.2,
        )
        assert refused
        assert time.monotonic() - frozen < 5
    finally:
        for replica in replicas:
            replica.thaw()
    eventually(lambda: primary.cli("SET", "k", "v", password=PASSWORD).stdout == b"OK\n")


# --- Sentinel: automatic failover -------------------------------------------------------------


def sentinel_view(pod) -> dict[str, str]:
    """`SENTINEL master redis` from the pod's Sentinel, as a dict."""
    reply = pod.run("timeout 3 redis-cli -p 26379 --raw SENTINEL master redis").stdout
    words = reply.decode().split("\n")
    return dict(zip(words[0::2], words[1::2], strict=False))


def role(pod) -> str:
    return pod.info("replication").get("role", "")


def promotable_replicas(pod) -> int:
    """How many replicas the pod's Sentinel could promote (replica-priority above 0: a
    replica is promotable once it holds its primary's data)."""
    reply = pod.run("timeout 3 redis-cli -p 26379 --raw SENTINEL replicas redis").stdout
    words = reply.decode().split("\n")
    return sum(
        1
        for key, value in itertools.pairwise(words)
        if key == "slave-priority" and value not in ("", "0")
    )


def with_sentinels(cluster: RedisCluster) -> RedisCluster:
    """Started, and every Sentinel knows the primary, both replicas (promotable) and the
    other two."""
    started(cluster)
    for pod in cluster.pods:
        eventually(
            lambda p=pod: (
                (view := sentinel_view(p)).get("ip") == cluster.dns[0]
                and view.get("num-slaves") == "2"
                and view.get("num-other-sentinels") == "2"
                and promotable_replicas(p) == 2
            ),
            timeout=40,
        )
    return cluster


def acknowledged_writes(primary, count: int, prefix: str = "acked") -> list[str]:
    """Keys `<prefix>-<i>` written with WAIT 1 (one replica had each), in order."""
    kept = []
    for i in range(count):
        key = f"{prefix}-{i}"
        if primary.cli("SET", key, str(i), password=PASSWORD).stdout != b"OK\n":
            continue
        if primary.cli("WAIT", "1", "1000", password=PASSWORD).stdout.strip() >= b"1":
            kept.append(key)
    return kept


def surviving(pod, keys: list[str]) -> int:
    return sum(pod.cli("EXISTS", key, password=PASSWORD).stdout == b"1\n" for key in keys)


FAILOVER_LIMIT = 40  # seconds: 5 s to judge the primary down, then the election


@pytest.mark.parametrize("round_", range(3))
@pytest.mark.parametrize("failure", ["kill", "freeze"])
def test_a_lost_primary_is_replaced_by_one_replica_and_rejoins_as_a_replica(
    cluster, failure, round_, capsys
):
    primary, *replicas = with_sentinels(cluster).pods
    keys = acknowledged_writes(primary, 50)
    assert len(keys) == 50
    started_at = time.monotonic()
    if failure == "kill":
        primary.stop_server(signal.SIGKILL)  # the process dies; its pod and Sentinel stay
    else:
        primary.freeze()  # SIGSTOP: reachable, unanswering, as across a partition
    promoted = eventually(
        lambda: [r for r in replicas if role(r) == "master"], timeout=FAILOVER_LIMIT, every=0.2
    )
    failover = time.monotonic() - started_at
    assert len(promoted) == 1
    (new,) = promoted
    lost = len(keys) - surviving(new, keys)
    # The other replica follows the new primary.
    (other,) = [r for r in replicas if r is not new]
    new_name = cluster.dns[cluster.pods.index(new)]
    eventually(lambda: other.info("replication").get("master_host") == new_name, timeout=30)
    # The old primary comes back: restarted (its start script asks the Sentinels) or thawed
    # (the Sentinels turn it into a replica). It never takes a write meanwhile.
    back_at = time.monotonic()
    if failure == "kill":
        primary.start_server()
    else:
        primary.thaw()
    while role(primary) != "slave":
        write = primary.cli("SET", "split", "brain", password=PASSWORD).stdout
        assert write != b"OK\n", "two primaries took writes"
        assert time.monotonic() - back_at < 60, "the old primary did not rejoin"
        time.sleep(0.2)
    rejoin = time.monotonic() - back_at
    eventually(lambda: primary.info("replication").get("master_host") == new_name, timeout=30)
    assert [role(p) for p in cluster.pods].count("master") == 1
    assert new.cli("SET", "after", "failover", password=PASSWORD).stdout == b"OK\n"
    with capsys.disabled():
        print(
            f"\n[{failure}, {round_}] failover {failover:.1f} s, rejoin {rejoin:.1f} s, "
            f"acknowledged writes lost {lost} of {len(keys)}"
        )
    assert failover < FAILOVER_LIMIT


class BackgroundWrites:
    """A client inside `pod` writing while a test breaks things, as an application does: SET,
    then WAIT 1 (at most a second). Every OK is kept with its time and whether a replica
    acknowledged it. Used as a context: it writes from entry until exit."""

    def __init__(self, pod, prefix: str) -> None:
        self.pod, self.prefix = pod, prefix
        self.answers: list[tuple[float, str, bool]] = []  # (time, key, acknowledged) per OK
        self.writing = threading.Event()
        self.thread = threading.Thread(target=self._write)

    def __enter__(self) -> BackgroundWrites:
        self.writing.set()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.writing.clear()
        self.thread.join()

    def _write(self) -> None:
        i = 0
        while self.writing.is_set():
            key = f"{self.prefix}-{i}"
            i += 1
            if self.pod.cli("SET", key, "v", password=PASSWORD).stdout != b"OK\n":
                time.sleep(0.05)
                continue
            wait = self.pod.cli("WAIT", "1", "1000", password=PASSWORD).stdout.strip()
            self.answers.append((time.monotonic(), key, wait.isdigit() and int(wait) >= 1))

    @property
    def acked(self) -> list[str]:
        return [key for _, key, ok in self.answers if ok]


@pytest.mark.parametrize("round_", range(3))
def test_a_primary_hands_its_role_over_before_it_stops(cluster, round_, capsys):
    """The preStop hooks as the kubelet runs them when the pod stops: each container's hook,
    all at once, and each container's SIGTERM only once its own hook is done (the Sentinel's
    waits for the hand-over). Writes go on meanwhile: none acknowledged may be lost."""
    primary, *replicas = with_sentinels(cluster).pods

    (sentinel,) = primary.sidecars
    (sentinel_process,) = primary.sidecar_processes
    hooks = {
        "redis": primary.container["lifecycle"]["preStop"]["exec"]["command"][2],
        "sentinel": sentinel["lifecycle"]["preStop"]["exec"]["command"][2],
    }
    results: dict[str, object] = {}

    def run_hook(name: str) -> None:
        results[name] = primary.run(hooks[name], timeout=40)
        if name == "sentinel":
            sentinel_process.send_signal(signal.SIGTERM)  # the kubelet, after the hook

    with BackgroundWrites(primary, "handover") as writes:
        time.sleep(1)
        started_at = time.monotonic()
        runners = [threading.Thread(target=run_hook, args=(name,)) for name in hooks]
        for runner in runners:
            runner.start()
        for runner in runners:
            runner.join()
        handed_over = time.monotonic() - started_at
    acked = writes.acked
    assert results["redis"].returncode == 0, results["redis"].stderr
    assert role(primary) == "slave"
    promoted = [r for r in replicas if role(r) == "master"]
    assert len(promoted) == 1
    lost = len(acked) - surviving(promoted[0], acked)
    with capsys.disabled():
        print(
            f"\n[preStop {round_}] hand-over {handed_over:.1f} s, acknowledged writes lost "
            f"{lost} of {len(acked)}"
        )
    assert acked and lost == 0
    assert handed_over < 30


def sentinel_ready(pod) -> bool:
    """The Sentinel container's readiness probe, exactly as the StatefulSet writes it."""
    (sentinel,) = pod.sidecars
    command = sentinel["readinessProbe"]["exec"]["command"]
    assert command[:2] == ["sh", "-c"]
    return pod.run(command[2]).returncode == 0


def test_a_sentinel_with_another_password_is_not_ready(cluster):
    pods = with_sentinels(cluster).pods
    primary, replica, odd = pods
    assert all(sentinel_ready(p) for p in pods)
    # The odd pod's Secret now gives its Sentinel another password than its server's (a
    # Secret written by hand, or half-rotated), and its Sentinel restarts: it still knows
    # the other Sentinels (its state), but could never reach the primary.
    odd.stop_sidecars()
    payload = next((odd.root / "secret").glob("..2*"))
    wrong = secret_values(odd.settings, "not the password")["sentinel.conf"]
    (payload / "sentinel.conf").write_text(wrong)  # in place: the pod's mount sees it
    odd.start_sidecars()
    eventually(lambda: sentinel_view(odd).get("num-other-sentinels") == "2", timeout=20)
    time.sleep(2)
    assert not sentinel_ready(odd)
    assert sentinel_ready(primary) and sentinel_ready(replica)


def test_a_sentinel_that_knows_no_other_is_not_ready(cluster):
    pods = with_sentinels(cluster).pods
    assert all(sentinel_ready(p) for p in pods)
    for pod in pods[1:]:
        pod.stop_sidecars()
    # Pod 0's Sentinel starts anew (no state on its disk) while the others are down: it
    # monitors the primary its server is, and knows no other Sentinel.
    pods[0].stop_sidecars()
    (pods[0].data / "sentinel-state.conf").unlink()
    pods[0].start_sidecars()
    eventually(lambda: sentinel_view(pods[0]).get("ip") == cluster.dns[0], timeout=20)
    assert not sentinel_ready(pods[0])
    for pod in pods[1:]:
        pod.start_sidecars()
    eventually(lambda: sentinel_ready(pods[0]), timeout=30)


def test_a_sentinel_slow_to_start_still_monitors_the_primary(cluster):
    """Sentinel listens only seconds after its container's script has asked the server for
    its role (a loaded node): the script must keep offering the primary until Sentinel
    takes it, or that Sentinel would monitor nothing, and still be Ready."""
    pods = with_sentinels(cluster).pods
    pods[0].stop_sidecars()
    (pods[0].data / "sentinel-state.conf").unlink()
    pods[0].start_sidecars(slow_sentinel=3)
    eventually(lambda: sentinel_view(pods[0]).get("ip") == cluster.dns[0], timeout=20)


@pytest.mark.parametrize("round_", range(3))
def test_a_partitioned_primary_stops_acknowledging_before_a_replica_is_promoted(
    cluster, round_, capsys
):
    """The primary's pod is cut off from the others (its relay stopped: connections hang,
    as across a partition) while a client inside that pod keeps writing: the old primary
    must stop answering OK before a replica is promoted, and no write acknowledged by a
    replica may be lost."""
    primary, *replicas = with_sentinels(cluster).pods
    try:
        with BackgroundWrites(primary, "partition") as writes:
            time.sleep(1)
            cut = time.monotonic()
            os.kill(primary.relay_process.pid, signal.SIGSTOP)
            promoted = eventually(
                lambda: [r for r in replicas if role(r) == "master"], timeout=40, every=0.2
            )
            promoted_at = time.monotonic()
            time.sleep(3)  # the client keeps trying the old primary meanwhile
    finally:
        os.kill(primary.relay_process.pid, signal.SIGCONT)
    (new,) = promoted
    new_name = cluster.dns[cluster.pods.index(new)]
    eventually(lambda: primary.info("replication").get("master_host") == new_name, timeout=60)
    acked = writes.acked
    lost = len(acked) - surviving(new, acked)
    after_cut = [t for t, _, _ in writes.answers if t > cut]
    last_ok = max(after_cut) - cut if after_cut else 0.0
    with capsys.disabled():
        print(
            f"\n[partition {round_}] old primary answered OK for {last_ok:.1f} s after the "
            f"cut ({len(after_cut)} writes, unacknowledged), a replica promoted after "
            f"{promoted_at - cut:.1f} s; acknowledged writes lost {lost} of {len(acked)}"
        )
    assert lost == 0
    assert not after_cut or max(after_cut) < promoted_at  # never two primaries answering OK
