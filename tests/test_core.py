"""The pure core: the relations that make each ordinal bind to its own disk, checked directly.

Each relation is also shown to fail on a deliberately broken blueprint, so none of these
tests can pass without checking anything.
"""

import copy

import pytest

from components.core.blueprint import build_blueprint
from components.core.storage import CSI_DRIVER, NO_PROVISIONER
from components.settings import naming
from tests import relations
from tests.helpers import disk, make_settings


@pytest.fixture
def blueprint():
    return build_blueprint(make_settings(replicas=3))


def disks_of(bp):
    return {v.disk.name: list(v.disk.zones) for v in bp.volumes}


@pytest.mark.parametrize("relation", relations.ALL_MANIFEST_RELATIONS, ids=lambda f: f.__name__)
def test_relation_holds(blueprint, relation):
    assert relation(blueprint.manifests) == []


def test_zone_affinity_holds(blueprint):
    assert relations.zone_affinity_matches_disk(blueprint.manifests, disks_of(blueprint)) == []


def _pvs(objects):
    return [o for o in objects if o["kind"] == "PersistentVolume"]


def _sts(objects):
    return next(o for o in objects if o["kind"] == "StatefulSet")


def _svc(objects):
    return next(o for o in objects if o["kind"] == "Service")


BREAKAGES = {
    "claimRef names another ordinal's PVC": (
        relations.claimrefs_match_pvcs,
        lambda o: _pvs(o)[0]["spec"]["claimRef"].update(name="data-kubia-2"),
    ),
    "claimRef in another namespace": (
        relations.claimrefs_match_pvcs,
        lambda o: _pvs(o)[1]["spec"]["claimRef"].update(namespace="other"),
    ),
    "PV class differs": (
        relations.pvs_fit_claim_templates,
        lambda o: _pvs(o)[0]["spec"].update(storageClassName=""),
    ),
    "PV access mode differs": (
        relations.pvs_fit_claim_templates,
        lambda o: _pvs(o)[0]["spec"].update(accessModes=["ReadWriteMany"]),
    ),
    "PV smaller than request": (
        relations.pvs_fit_claim_templates,
        lambda o: _sts(o)["spec"]["volumeClaimTemplates"][0]["spec"]["resources"].update(
            requests={"storage": "500Gi"}
        ),
    ),
    "serviceName names no Service": (
        relations.service_governs_statefulset,
        lambda o: _sts(o)["spec"].update(serviceName="other"),
    ),
    "governing Service not headless": (
        relations.service_governs_statefulset,
        lambda o: _svc(o)["spec"].update(clusterIP="10.0.0.1"),
    ),
    "Service selects other pods": (
        relations.service_governs_statefulset,
        lambda o: _svc(o)["spec"]["selector"].update({"app.kubernetes.io/name": "x"}),
    ),
    "selector not in pod labels": (
        relations.selector_in_pod_labels,
        lambda o: _sts(o)["spec"]["selector"]["matchLabels"].update(extra="1"),
    ),
}


@pytest.mark.parametrize("breakage", BREAKAGES, ids=str)
def test_relation_catches_breakage(blueprint, breakage):
    relation, breaks = BREAKAGES[breakage]
    objects = copy.deepcopy(blueprint.manifests)
    breaks(objects)
    assert relation(objects) != []


def test_zone_affinity_catches_wrong_zone(blueprint):
    objects = copy.deepcopy(blueprint.manifests)
    expr = _pvs(objects)[0]["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]
    expr["matchExpressions"][0]["values"] = ["europe-west1-c"]
    assert relations.zone_affinity_matches_disk(objects, disks_of(blueprint)) != []


def test_one_disk_and_pv_per_ordinal_with_claimref_to_its_pvc(blueprint):
    assert [(v.template, v.ordinal) for v in blueprint.volumes] == [("data", i) for i in range(3)]
    for v in blueprint.volumes:
        assert v.pv["spec"]["claimRef"]["name"] == f"data-kubia-{v.ordinal}"
        assert v.pv["spec"]["claimRef"]["namespace"] == "apps"
        assert v.pv_name == v.disk.name


def test_pv_points_at_its_disk_through_the_gke_csi_driver(blueprint):
    for v in blueprint.volumes:
        csi = v.pv["spec"]["csi"]
        assert csi["driver"] == CSI_DRIVER == "pd.csi.storage.gke.io"
        assert csi["volumeHandle"] == (
            f"projects/acme-test-project/zones/europe-west1-b/disks/{v.disk.name}"
        )
        assert v.disk.resource_id == csi["volumeHandle"]
        assert csi["fsType"] == "ext4"
        assert v.pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
        assert v.pv["spec"]["capacity"] == {"storage": "10Gi"}
        assert v.pv["spec"]["accessModes"] == ["ReadWriteOnce"]


def test_disk_specs_come_from_settings(blueprint):
    bp = build_blueprint(make_settings(diskType="pd-ssd", diskSizeGb=200, zones=["us-central1-a"]))
    for v in bp.volumes:
        assert v.disk.arguments() == {
            "name": v.disk.name,
            "project": "acme-test-project",
            "zone": "us-central1-a",
            "type": "pd-ssd",
            "size": 200,
            "labels": v.disk.labels,
        }
        assert all(naming.GCE_LABEL_KEY.fullmatch(k) for k in v.disk.labels)
        assert all(naming.GCE_LABEL_VALUE.fullmatch(x) for x in v.disk.labels.values())


def test_storage_class_provisions_nothing_and_allows_expansion(blueprint):
    sc = blueprint.storage_class
    assert sc["provisioner"] == NO_PROVISIONER == "kubernetes.io/no-provisioner"
    assert sc["allowVolumeExpansion"] is True
    template = _sts(blueprint.manifests)["spec"]["volumeClaimTemplates"][0]
    assert template["spec"]["storageClassName"] == sc["metadata"]["name"] != ""


def test_cluster_scoped_names_are_unique_across_namespaces_and_stacks():
    a = build_blueprint(make_settings(namespace="team-a"))
    b = build_blueprint(make_settings(namespace="team-b"))
    c = build_blueprint(make_settings(namespace="team-a", volumeScope="kubia-prod"))
    for x, y in [(a, b), (a, c), (b, c)]:
        assert x.storage_class["metadata"]["name"] != y.storage_class["metadata"]["name"]
        assert not {v.pv_name for v in x.volumes} & {v.pv_name for v in y.volumes}


def test_names_depend_on_the_scope_not_on_the_stack():
    bp = build_blueprint(make_settings(volumeScope="kubia-prod"))
    assert bp.volumes[0].disk.name == disk(0, scope="kubia-prod")
    assert bp.volumes[0].disk.name.startswith("kubia-prod-apps-kubia-data-")
    assert bp.storage_class["metadata"]["name"].startswith("kubia-prod-apps-kubia-")


def test_statefulset_shape(blueprint):
    sts = _sts(blueprint.manifests)
    spec = sts["spec"]
    assert spec["replicas"] == 3
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["persistentVolumeClaimRetentionPolicy"] == {
        "whenDeleted": "Retain",
        "whenScaled": "Retain",
    }
    labels = spec["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == "kubia"
    assert labels["app.kubernetes.io/managed-by"] == "pulumi"
    (container,) = spec["template"]["spec"]["containers"]
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert container["volumeMounts"] == [
        {"name": "data", "mountPath": "/var/data"},
        {"name": "tmp", "mountPath": "/tmp"},
    ]
    assert "args" not in container


def test_args_reach_the_container():
    bp = build_blueprint(make_settings(args=["--appendonly", "yes"]))
    assert _sts(bp.manifests)["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "--appendonly",
        "yes",
    ]


def test_governing_service_publishes_named_ports(blueprint):
    svc = blueprint.service
    assert svc["spec"]["clusterIP"] == "None"
    assert svc["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}
    ]


def test_outputs_name_every_pod_claim_volume_and_disk(blueprint):
    names = blueprint.names()
    assert names["podDnsNames"] == [f"kubia-{i}.kubia.apps.svc.cluster.local" for i in range(3)]
    assert names["serviceDns"] == "kubia.apps.svc.cluster.local"
    assert names["srvNames"] == ["_http._tcp.kubia.apps.svc.cluster.local"]
    assert names["pvcNames"] == [f"data-kubia-{i}" for i in range(3)]
    assert names["pvNames"] == names["diskNames"] == [disk(i) for i in range(3)]


def test_pods_table_pairs_each_pod_with_its_own_volume(blueprint):
    for ordinal, pod in enumerate(blueprint.pods()):
        assert pod["pod"] == f"kubia-{ordinal}"
        (volume,) = pod["volumes"]
        assert volume["pvc"] == f"data-kubia-{ordinal}"
        assert volume["disk"].endswith(f"-{ordinal}")


def test_core_imports_nothing_from_pulumi():
    import subprocess
    import sys

    from tests.helpers import ROOT

    code = (
        "import sys, components.core.blueprint, components.settings.app_settings;"
        "import components.settings.naming;"
        "print(sorted(m for m in sys.modules if m.split('.')[0].startswith('pulumi')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_retired_slots_pvs_are_still_pinned_to_their_claims():
    bp = build_blueprint(make_settings(replicas=1, storageSlots=3))
    assert relations.claimrefs_match_pvcs(bp.manifests) == []
    objects = copy.deepcopy(bp.manifests)
    _pvs(objects)[2]["spec"]["claimRef"]["name"] = "data-other-2"
    assert relations.claimrefs_match_pvcs(objects) != []
