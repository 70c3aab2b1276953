"""Preflight (`verify --preflight`) against recorded API responses: a cluster ready for prod
passes; each way a cluster is not ready fails the run and says why."""

from __future__ import annotations

import copy
import json
from types import SimpleNamespace

import pytest
from kubernetes.client import ApiClient

from components.live import verify
from tests.helpers import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "preflight"
MODELS = {"Node": "V1Node", "Namespace": "V1Namespace", "CSIDriver": "V1CSIDriver"}
PROD_PVS = [f"redis-prod-redis-redis-redis-data-10e4de-{i}" for i in range(3)]


def load():
    return {
        (obj["kind"], obj["metadata"]["name"]): obj
        for obj in (json.loads(p.read_text()) for p in sorted(FIXTURES.glob("*.json")))
    }


def model(obj):
    return ApiClient().deserialize(SimpleNamespace(data=json.dumps(obj)), MODELS[obj["kind"]])


class RecordedCluster:
    def __init__(self, objects, pvs=()):
        self.objects = objects
        self.pvs = set(pvs)

    def _get(self, kind, name):
        obj = self.objects.get((kind, name))
        return model(obj) if obj else None

    def csi_driver(self, name):
        return self._get("CSIDriver", name)

    def nodes(self):
        return [model(o) for (kind, _), o in sorted(self.objects.items()) if kind == "Node"]

    def namespace(self, name):
        return self._get("Namespace", name)

    def persistent_volume(self, name):
        return SimpleNamespace(metadata=SimpleNamespace(name=name)) if name in self.pvs else None


class Disks:
    def __init__(self, names):
        self.names = names

    def disks(self, project):
        return self.names


def run(objects, capsys, *extra, pvs=(), disks=frozenset()):
    args = verify.argparse.Namespace(stack="prod", config=list(extra), program=ROOT, context=None)
    code = verify.run_preflight(args, RecordedCluster(objects, pvs), Disks(set(disks)))
    return code, capsys.readouterr().out


def test_a_ready_cluster_passes(capsys):
    code, out = run(load(), capsys)
    assert code == 0, out
    assert "FAIL" not in out
    for line in ("PD CSI driver", "nodes for slot 0", "machine series n2", "namespace", "disks"):
        assert line in out


def changed(kind, name, change):
    objects = load()
    objects[(kind, name)] = change(copy.deepcopy(objects[(kind, name)]))
    return objects


def without(kind, name):
    objects = load()
    del objects[(kind, name)]
    return objects


def node_not_ready(obj):
    obj["status"]["conditions"][0]["status"] = "False"
    return obj


def c3_nodes(objects):
    for key, obj in objects.items():
        if key[0] == "Node":
            obj["metadata"]["labels"]["node.kubernetes.io/instance-type"] = "c4-standard-8"
    return objects


def baseline_namespace(obj):
    obj["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] = "baseline"
    return obj


@pytest.mark.parametrize(
    ("objects", "extra", "expected"),
    [
        (without("CSIDriver", "pd.csi.storage.gke.io"), [], "CSIDriver pd.csi.storage.gke.io"),
        (
            without("Node", "gke-prod-redis-pool-b-7f3k"),
            [],
            "no Ready node the pods may use in us-central1-b",
        ),
        (
            changed("Node", "gke-prod-redis-pool-c-7f3k", node_not_ready),
            [],
            "no Ready node the pods may use in us-central1-c",
        ),
        (c3_nodes(load()), [], "machine series c4 attaches Hyperdisk only, not pd-ssd"),
        (without("Namespace", "redis"), [], "redis does not exist"),
        (
            load(),
            ["security.podSecurityLevel=baseline"],
            "enforces Pod Security restricted, but the pods need baseline",
        ),
        (
            load(),
            ['pods.nodeSelector={"cloud.google.com/gke-nodepool": "other-pool"}'],
            "(node selector {'cloud.google.com/gke-nodepool': 'other-pool'})",
        ),
    ],
)
def test_each_unready_cluster_fails_saying_why(objects, extra, expected, capsys):
    code, out = run(objects, capsys, *extra)
    assert code == 1
    assert expected in out, out


def test_a_weaker_level_passes_where_the_namespace_allows_it(capsys):
    objects = changed("Namespace", "redis", baseline_namespace)
    code, out = run(objects, capsys, "security.podSecurityLevel=baseline")
    assert code == 0, out


def test_names_already_taken_fail(capsys):
    code, out = run(load(), capsys, pvs=[PROD_PVS[1]], disks={PROD_PVS[2]})
    assert code == 1
    assert f"already exist: {PROD_PVS[1]}" in out
    assert f"already exist: {PROD_PVS[2]} (adopt them instead)" in out


def test_an_adopted_disk_must_exist(capsys):
    code, out = run(load(), capsys, 'storage.adoptDisks=["old-disk"]')
    assert code == 1 and "adopted but not found: old-disk" in out
    code, out = run(load(), capsys, 'storage.adoptDisks=["old-disk"]', disks={"old-disk"})
    assert code == 0, out


def test_invalid_configuration_exits_2_without_asking_the_cluster(capsys):
    args = verify.argparse.Namespace(
        stack="prod", config=["replicas=x"], program=ROOT, context=None
    )
    assert verify.run_preflight(args, None) == 2


def test_disks_not_listed_are_said_so(capsys):
    class Unlisted:
        def disks(self, project):
            return "gcloud is not on the PATH"

    args = verify.argparse.Namespace(stack="prod", config=[], program=ROOT, context=None)
    assert verify.run_preflight(args, RecordedCluster(load()), Unlisted()) == 0
    assert "NOT CHECKED: gcloud is not on the PATH" in capsys.readouterr().out


def test_the_flag_reaches_the_preflight(capsys, monkeypatch):
    from components.live import preflight

    monkeypatch.setattr(preflight, "GcloudDisks", lambda: Disks(set()))
    code = verify.main(
        ["--stack", "prod", "--program", str(ROOT), "--preflight"], RecordedCluster(load())
    )
    out = capsys.readouterr().out
    assert "PD CSI driver" in out
    assert code == 0
