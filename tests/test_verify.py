"""Live verification, against API responses in the Kubernetes API's JSON form (no cluster here).

The responses under tests/fixtures/cluster are those of a healthy prod deployment; each
failure case changes one of them the way a broken cluster would answer.
"""

import copy
import json
from types import SimpleNamespace
from unittest import mock

import pytest
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException

from components.live import verify
from tests.helpers import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "cluster"
MODELS = {
    "Pod": "V1Pod",
    "PersistentVolumeClaim": "V1PersistentVolumeClaim",
    "PersistentVolume": "V1PersistentVolume",
    "Node": "V1Node",
}


def load_objects():
    return {
        (obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"]): obj
        for obj in (json.loads(p.read_text()) for p in sorted(FIXTURES.glob("*.json")))
    }


def model(obj):
    """A response body as the official client returns it: a typed model."""
    response = SimpleNamespace(data=json.dumps(obj))
    return ApiClient().deserialize(response, MODELS[obj["kind"]])


class RecordedCluster:
    def __init__(self, objects, resolvable=None):
        self.objects = objects
        self.resolvable = resolvable
        self.lookups = []

    def _get(self, kind, namespace, name):
        obj = self.objects.get((kind, namespace, name))
        return model(obj) if obj else None

    def pod(self, namespace, name):
        return self._get("Pod", namespace, name)

    def claim(self, namespace, name):
        return self._get("PersistentVolumeClaim", namespace, name)

    def node(self, name):
        return self._get("Node", None, name)

    def persistent_volumes(self):
        return [
            model(obj) for (kind, _, _), obj in self.objects.items() if kind == "PersistentVolume"
        ]

    def resolves(self, namespace, pod, host):
        self.lookups.append((pod, host))
        return self.resolvable is None or host in self.resolvable


def run(objects, capsys, *extra, resolvable=None):
    # The recorded objects are prod's as independent servers (replication is checked below).
    cluster = RecordedCluster(objects, resolvable)
    independent = ["--config", "redis.replication=false"]
    args = ["--stack", "prod", "--program", str(ROOT), *independent, *extra]
    code = verify.main(args, cluster=cluster)
    return code, capsys.readouterr().out, cluster


def test_a_healthy_deployment_passes_every_check(capsys):
    code, out, cluster = run(load_objects(), capsys, "--dns")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["POD", "READY", "PVC"]
    for ordinal, zone in enumerate(["us-central1-a", "us-central1-b", "us-central1-c"]):
        row = next(line for line in lines if line.startswith(f"redis-{ordinal} "))
        assert row.split()[1] == "yes" and row.split()[-1] == "ok"
        assert row.split()[5] == row.split()[6] == zone
    assert [host for _, host in cluster.lookups] == [
        f"redis-{i}.redis.redis.svc.cluster.local" for i in range(3)
    ]


def broken(kind, name, change):
    objects = copy.deepcopy(load_objects())
    namespace = None if kind == "Node" else "redis"
    change(objects[(kind, namespace, name)])
    return objects


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        (
            broken("Pod", "redis-1", lambda o: o["status"]["conditions"][1].update(status="False")),
            "pod redis-1 is not Ready",
        ),
        (
            broken(
                "PersistentVolumeClaim",
                "redis-data-redis-2",
                lambda o: o["spec"].update(volumeName="pvc-6f1c0e9a-some-other-disk"),
            ),
            "claim redis-data-redis-2 is Bound to pvc-6f1c0e9a-some-other-disk, expected",
        ),
        (
            broken(
                "PersistentVolumeClaim",
                "redis-data-redis-0",
                lambda o: (o["status"].update(phase="Pending"), o["spec"].pop("volumeName")),
            ),
            "claim redis-data-redis-0 is Pending",
        ),
        (
            broken(
                "Node",
                "gke-prod-redis-pool-b-7f3k",
                lambda o: o["metadata"]["labels"].update(
                    {"topology.kubernetes.io/zone": "us-central1-f"}
                ),
            ),
            "pod redis-1 runs in zone us-central1-f, its disk in us-central1-b",
        ),
    ],
)
def test_each_failure_is_reported_and_fails_the_run(objects, expected, capsys):
    code, out, _ = run(objects, capsys)
    assert code == verify.EXIT_FAILED
    assert expected in out
    assert "FAIL" in out


def reserved_pv(name: str, claim: str, phase: str, uid: str | None = None) -> dict:
    """A PV reserved for `claim` (as a retired generation's is), in `phase`."""
    objects = load_objects()
    pinned = objects[("PersistentVolume", None, "redis-prod-redis-redis-redis-data-10e4de-2")]
    pv = copy.deepcopy(pinned)
    pv["metadata"]["name"] = name
    pv["spec"]["claimRef"] = {"namespace": "redis", "name": claim, **({"uid": uid} if uid else {})}
    pv["status"] = {"phase": phase}
    return pv


def test_a_second_pv_reserved_for_a_claim_and_never_bound_fails_the_run(capsys):
    """A retired generation of a slot whose pod never ran: its PV still waits for the claim by
    name, beside the plan's, and the claim made when the pod starts can bind either."""
    objects = load_objects()
    old = reserved_pv("redis-prod-old-generation-3", "redis-data-redis-2", "Available")
    objects[("PersistentVolume", None, "redis-prod-old-generation-3")] = old
    code, out, _ = run(objects, capsys)
    assert code == verify.EXIT_FAILED
    assert "claims reserved once: FAIL" in out
    assert (
        "PV redis-prod-old-generation-3 is also reserved for claim redis-data-redis-2, by name "
        "alone (it has never bound): the claim can bind it instead of "
        "redis-prod-redis-redis-redis-data-10e4de-2"
    ) in out


def test_a_released_pv_of_an_earlier_claim_and_other_apps_pvs_pass(capsys):
    objects = load_objects()
    # Bound once: it holds the old claim's uid, which no new claim has.
    released = reserved_pv("redis-old-released", "redis-data-redis-2", "Released", uid="u-1")
    # Another app's claim of the same name in another namespace.
    other = reserved_pv("other-app-pv", "redis-data-redis-2", "Available")
    other["spec"]["claimRef"]["namespace"] = "elsewhere"
    for pv in (released, other):
        objects[("PersistentVolume", None, pv["metadata"]["name"])] = pv
    code, out, _ = run(objects, capsys)
    assert code == 0, out
    assert "claims reserved once: ok" in out


def test_missing_objects_fail(capsys):
    objects = load_objects()
    del objects[("Pod", "redis", "redis-2")]
    del objects[("PersistentVolumeClaim", "redis", "redis-data-redis-2")]
    code, out, _ = run(objects, capsys)
    assert code == verify.EXIT_FAILED
    assert "pod redis-2 does not exist" in out and "claim redis-data-redis-2 does not exist" in out


def test_an_unresolvable_dns_name_fails(capsys):
    resolvable = {f"redis-{i}.redis.redis.svc.cluster.local" for i in (0, 1)}
    code, out, _ = run(load_objects(), capsys, "--dns", resolvable=resolvable)
    assert code == verify.EXIT_FAILED
    assert "redis-2.redis.redis.svc.cluster.local does not resolve from redis-0" in out


def test_invalid_configuration_exits_2_without_asking_the_cluster(capsys):
    cluster = RecordedCluster({})
    code = verify.main(
        ["--stack", "prod", "--program", str(ROOT), "--config", "replicas=-1"], cluster=cluster
    )
    assert code == verify.EXIT_INVALID
    assert "gke-stateful:replicas" in capsys.readouterr().err


def test_the_real_client_adapter_reads_pods_claims_and_nodes_and_maps_404_to_none():
    objects = load_objects()
    api = mock.Mock()
    api.read_namespaced_pod.return_value = model(objects[("Pod", "redis", "redis-0")])
    api.read_namespaced_persistent_volume_claim.side_effect = ApiException(status=404)
    api.read_node.side_effect = ApiException(status=403)
    with (
        mock.patch("kubernetes.config.load_kube_config"),
        mock.patch("kubernetes.client.CoreV1Api", return_value=api),
    ):
        cluster = verify.KubeCluster()
    assert cluster.pod("redis", "redis-0").metadata.name == "redis-0"
    api.read_namespaced_pod.assert_called_with("redis-0", "redis")
    assert cluster.claim("redis", "redis-data-redis-0") is None
    with pytest.raises(ApiException):
        cluster.node("gke-node")
    pv = model(objects[("PersistentVolume", None, "redis-prod-redis-redis-redis-data-10e4de-0")])
    api.list_persistent_volume.return_value = SimpleNamespace(items=[pv])
    assert cluster.persistent_volumes() == [pv]


def test_dns_is_looked_up_from_a_ready_pod_and_api_errors_become_failures(capsys):
    objects = broken(
        "Pod", "redis-0", lambda o: o["status"]["conditions"][1].update(status="False")
    )

    class Failing(RecordedCluster):
        def resolves(self, namespace, pod, host):
            self.lookups.append((pod, host))
            if host.startswith("redis-2."):
                raise ApiException(status=500, reason="exec failed")
            return True

    cluster = Failing(objects)
    code = verify.main(["--stack", "prod", "--program", str(ROOT), "--dns"], cluster=cluster)
    out = capsys.readouterr().out
    assert code == verify.EXIT_FAILED
    assert {pod for pod, _ in cluster.lookups} == {"redis-1"}  # redis-0 is not Ready
    assert "could not run a lookup in redis-1" in out


def test_no_cluster_is_a_clean_failure(capsys):
    with mock.patch("kubernetes.config.load_kube_config", side_effect=Exception("no kubeconfig")):
        code = verify.main(["--stack", "prod", "--program", str(ROOT)])
    assert code == verify.EXIT_FAILED
    assert "cannot reach the cluster: no kubeconfig" in capsys.readouterr().err


# --- replication ---------------------------------------------------------------------------

REDIS_FIXTURES = ROOT / "tests" / "fixtures" / "redis"


def recorded_redis(**changes: str) -> dict[tuple[str, str], str]:
    """(pod, container) -> what its command prints, healthy unless `changes` says."""
    answers = {
        ("redis-0", "redis"): (REDIS_FIXTURES / "primary.txt").read_text(),
        ("redis-1", "redis"): (REDIS_FIXTURES / "replica1.txt").read_text(),
        ("redis-2", "redis"): (REDIS_FIXTURES / "replica2.txt").read_text(),
    }
    for pod in ("redis-0", "redis-1", "redis-2"):
        answers[(pod, "sentinel")] = (REDIS_FIXTURES / "sentinel.txt").read_text()
    for key, text in changes.items():
        pod, container = key.rsplit("_", 1)
        answers[(pod.replace("_", "-"), container)] = text
    return answers


class ReplicatingCluster(RecordedCluster):
    def __init__(self, objects, answers):
        super().__init__(objects)
        self.answers = answers
        self.commands = []

    def exec(self, namespace, pod, container, command):
        self.commands.append((namespace, pod, container, command))
        return self.answers[(pod, container)]


def run_replicated(objects, answers, capsys):
    cluster = ReplicatingCluster(objects, answers)
    args = ["--stack", "prod", "--program", str(ROOT), "--config", "redis.replication=true"]
    code = verify.main(args, cluster=cluster)
    return code, capsys.readouterr().out, cluster


def test_a_replicating_app_has_one_primary_its_replicas_in_sync_and_sentinels_agreeing(capsys):
    code, out, cluster = run_replicated(load_objects(), recorded_redis(), capsys)
    assert code == 0, out
    assert "replication: ok" in out
    asked = {(pod, container) for _, pod, container, _ in cluster.commands}
    assert asked == {(f"redis-{i}", c) for i in range(3) for c in ("redis", "sentinel")}
    info = next(cmd for _, _, c, cmd in cluster.commands if c == "redis")
    assert "cat /etc/redis-auth/password; printf ." in info and info.endswith("INFO replication")


SECOND_PRIMARY = (
    (REDIS_FIXTURES / "primary.txt").read_text().replace("connected_slaves:2", "connected_slaves:0")
)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"redis_1_redis": SECOND_PRIMARY}, "expected one primary, found 2"),
        (
            {
                "redis_2_redis": (REDIS_FIXTURES / "replica2.txt")
                .read_text()
                .replace("master_link_status:up", "master_link_status:down")
            },
            "redis-2 is not in sync with the primary (link down)",
        ),
        (
            {
                "redis_1_redis": (REDIS_FIXTURES / "replica1.txt")
                .read_text()
                .replace("redis-0.redis", "redis-2.redis")
            },
            "redis-1 replicates redis-2.redis.redis.svc.cluster.local, not the primary",
        ),
        (
            {
                "redis_0_redis": (REDIS_FIXTURES / "primary.txt")
                .read_text()
                .replace("connected_slaves:2", "connected_slaves:1")
            },
            "primary redis-0 has 1 replicas, expected 2",
        ),
        (
            {"redis_2_sentinel": "redis-1.redis.redis.svc.cluster.local\n6379\n"},
            "the Sentinel in redis-2 names redis-1.redis.redis.svc.cluster.local as primary",
        ),
        ({"redis_0_sentinel": ""}, "the Sentinel in redis-0 names nothing as primary"),
    ],
)
def test_each_replication_fault_fails_the_run(changes, problem, capsys):
    code, out, _ = run_replicated(load_objects(), recorded_redis(**changes), capsys)
    assert code == 1
    assert "replication: FAIL" in out and problem in out, out


def test_an_app_without_replication_is_not_asked(capsys):
    code, out, _ = run(load_objects(), capsys)
    assert code == 0 and "replication" not in out
