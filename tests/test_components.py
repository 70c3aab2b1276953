"""The Pulumi shell under mocks: types, parents, dependencies, options, and that what each
component registers is exactly what the core computed."""

import json

import pytest

from components.app import StatefulApp
from components.core.blueprint import build_blueprint
from components.disk_volumes import DiskVolumes
from components.governing_service import GoverningService
from components.stateful_workload import StatefulWorkload
from tests.helpers import app_args, by_type, make_settings, parse_flat, resolve, run_under_mocks

DISK = "gcp:compute/disk:Disk"
PV = "kubernetes:core/v1:PersistentVolume"
SC = "kubernetes:storage.k8s.io/v1:StorageClass"
SVC = "kubernetes:core/v1:Service"
STS = "kubernetes:apps/v1:StatefulSet"


def canonical(obj):
    return json.dumps(obj, sort_keys=True)


def blueprint(**overrides):
    return build_blueprint(make_settings(**overrides))


def urn_of(registrations, type_, name=None):
    (r,) = [r for r in by_type(registrations, type_) if name is None or r.name == name]
    return r.urn


def test_disk_volumes_registers_core_disks_and_pvs_under_itself():
    bp = blueprint(replicas=3)
    component, regs = run_under_mocks(lambda: DiskVolumes("kubia-storage", bp))
    parent = urn_of(regs, "gke-stateful:index:DiskVolumes")
    disks, pvs, classes = by_type(regs, DISK), by_type(regs, PV), by_type(regs, SC)
    assert len(disks) == len(pvs) == 3 and len(classes) == 1
    for r in disks + pvs + classes:
        assert r.parent == parent
    stashes = {r.urn for r in by_type(regs, "pulumi:index:Stash")}
    assert len(stashes) == 3  # one record per slot, checked before any disk or PV registers
    disk_by_name = {r.inputs["name"]: r for r in disks}
    pv_by_name = {r.inputs["metadata"]["name"]: r for r in pvs}
    for volume in bp.volumes:
        disk, pv = disk_by_name[volume.disk.name], pv_by_name[volume.pv_name]
        spec = volume.disk
        assert disk.inputs == {  # the labels wait on the slot guard, then arrive unchanged
            "name": spec.name,
            "project": spec.project,
            "zone": spec.zones[0],
            "type": spec.type,
            "size": spec.size,
            "labels": spec.labels,
        }
        # camelCase manifest keys reach the engine unchanged, integers as integers.
        assert {k: pv.inputs[k] for k in ("apiVersion", "kind", "metadata", "spec")} == volume.pv
        record = urn_of(
            regs, "pulumi:index:Stash", f"kubia-storage-data-{volume.slot.index}-record"
        )

        # Its own disk only: every slot's disk is checked as deployed before any PV
        # registers, without making each PV depend on every disk.
        assert set(pv.dependencies) == {disk.urn, classes[0].urn, *stashes}
        assert record in stashes
        for r in (disk, pv):
            assert r.options["retainOnDelete"] and r.options["protect"]
        # Ignored for their own reasons, then every other field whose change replaces a zonal
        # pd-balanced disk (ForceNew; IOPS too, off Hyperdisk), so the deployed one is kept.
        assert disk.options["ignoreChanges"] == [
            *("size", "snapshot", "diskEncryptionKey"),
            *("name", "project", "type", "provisionedIops", "zone"),
        ]
    assert classes[0].inputs == bp.storage_class
    assert resolve(component.disk_self_links) == [
        f"https://www.googleapis.com/compute/v1/projects/acme-test-project/zones/europe-west1-b/disks/{v.disk.name}"
        for v in bp.volumes
    ]
    assert resolve(component.pv_names) == [v.pv_name for v in bp.volumes]


def test_governing_service_registers_the_core_service():
    bp = blueprint()
    component, regs = run_under_mocks(lambda: GoverningService("kubia-service", bp.service))
    (svc,) = by_type(regs, SVC)
    assert svc.parent == urn_of(regs, "gke-stateful:index:GoverningService")
    assert svc.inputs == bp.service
    assert resolve(component.service_name) == "kubia"


def test_statefulset_depends_on_its_service_and_every_pv():
    bp = blueprint(replicas=4, storageSlots=4)

    def build():
        storage = DiskVolumes("s", bp)
        service = GoverningService("g", bp.service)
        return StatefulWorkload("w", bp, service, storage.pvs, storage.claim_requests)

    _, regs = run_under_mocks(build)
    (sts,) = by_type(regs, STS)
    assert sts.parent == urn_of(regs, "gke-stateful:index:StatefulWorkload")
    account = urn_of(regs, "kubernetes:core/v1:ServiceAccount")
    network = urn_of(regs, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
    guard = urn_of(regs, "pulumi:index:Stash", "w-replacement-guard")
    assert set(sts.dependencies) == {r.urn for r in by_type(regs, PV)} | {
        urn_of(regs, SVC),
        account,
        network,  # exists before the pods start, deleted only after they are gone
        guard,  # the replacement guard is checked before the StatefulSet registers
    }
    assert len(by_type(regs, PV)) == 4
    assert sts.inputs == bp.statefulset


def test_statefulset_refuses_a_service_that_does_not_govern_it():
    bp = blueprint()
    other = {**bp.service, "metadata": {**bp.service["metadata"], "name": "other"}}
    assert bp.statefulset["spec"]["serviceName"] == "kubia"

    def build():
        service = GoverningService("g", other)
        return StatefulWorkload("w", bp, service, [])

    with pytest.raises(
        ValueError, match="serviceName 'kubia' is not the governing Service 'other'"
    ):
        run_under_mocks(build)


def test_app_composes_the_three_with_parents_and_type_tokens():
    settings = make_settings(replicas=2, storageSlots=2)
    app, regs = run_under_mocks(lambda: StatefulApp("kubia", app_args(settings)))
    app_urn = urn_of(regs, "gke-stateful:index:StatefulApp")
    for token in ("DiskVolumes", "GoverningService", "StatefulWorkload"):
        (child,) = by_type(regs, f"gke-stateful:index:{token}")
        assert child.parent == app_urn
        assert not child.custom
    bp = build_blueprint(settings)
    registered = [r.inputs for r in regs if r.type.startswith("kubernetes:")]
    expected = bp.manifests + bp.claim_patches
    assert sorted(map(canonical, registered)) == sorted(map(canonical, expected))
    assert resolve(app.disk_names) == [v.disk.name for v in bp.volumes]
    assert resolve(app.pod_dns_names) == bp.names()["podDnsNames"]
    assert len(resolve(app.disk_self_links)) == 2


def test_library_use_with_python_field_names_as_the_readme_shows():
    from components.settings.app_settings import AppSettings

    settings = AppSettings(
        name="redis",
        namespace="db",
        gcp_project="my-project",
        volume_scope="redis-prod",
        replicas=3,
        image="redis:7.0",
        storage={
            "zones": ["europe-west1-b"],
            "storage_slots": 3,
            "claim_name": "redis-data",
            "mount_path": "/data",
            "disk_size_gb": 10,
        },
        container={"args": ["--appendonly", "yes"], "container_port": 6379, "port_name": "redis"},
        network={"service_port": 6379},
    )
    app, regs = run_under_mocks(lambda: StatefulApp("redis", app_args(settings)), stack="lib")
    assert resolve(app.pvc_names) == [f"redis-data-redis-{i}" for i in range(3)]
    assert resolve(app.srv_names) == ["_redis._tcp.redis.db.svc.cluster.local"]
    (sts,) = by_type(regs, STS)
    assert sts.inputs["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "--appendonly",
        "yes",
    ]


def test_library_use_with_a_preset_and_a_secret_password_as_the_readme_shows():
    import pulumi

    settings = parse_flat(
        {
            "preset": "redis",
            "namespace": "db",
            "gcpProject": "my-project",
            "volumeScope": "cache-prod",
            "zones": ["europe-west1-b"],
            "storageSlots": 3,
            "replicas": 3,
            "replication": True,
        },
        "my-program",
    )
    app, regs = run_under_mocks(
        lambda: StatefulApp(
            "cache", app_args(settings, password=pulumi.Output.secret("a-long-password"))
        ),
        stack="lib",
    )
    (secret,) = by_type(regs, "kubernetes:core/v1:Secret")
    assert secret.inputs["stringData"] == {
        "auth.conf": "[secret]",
        "password": "[secret]",
        "sentinel.conf": "[secret]",  # Sentinel's auth-pass line, with replication
    }
    assert resolve(app.pvc_names)[0] == "redis-data-redis-0"
