"""Storage safety in the Pulumi shell: options read from the registration requests, the
resources each disk kind registers, refusal to shrink, and a scale-down that loses nothing."""

import pulumi
import pytest
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.app import StatefulApp
from components.offline.mock_engine import run_program, start_mock_engine
from components.stack.config import InvalidConfigError
from components.stack.stack_config import load_project, resolve
from tests.helpers import (
    PROJECT,
    ROOT,
    app_args,
    by_type,
    disk,
    disks_by_name,
    make_settings,
    run_under_mocks,
)
from tests.helpers import (
    resolve as resolve_output,
)

ZONES = ["us-central1-a", "us-central1-b", "us-central1-c"]
PV = "kubernetes:core/v1:PersistentVolume"
STS = "kubernetes:apps/v1:StatefulSet"
PATCH = "kubernetes:core/v1:PersistentVolumeClaimPatch"
POLICY = "gcp:compute/resourcePolicy:ResourcePolicy"
SC = "kubernetes:storage.k8s.io/v1:StorageClass"


def app(**overrides):
    settings = make_settings(**overrides)
    return run_under_mocks(lambda: StatefulApp("kubia", app_args(settings)))


def data_resources(regs):
    """Everything that holds or describes data: disks, PVs, the class, the schedule."""
    return [
        r
        for r in regs
        if not r.read
        and r.type in ("gcp:compute/disk:Disk", "gcp:compute/regionDisk:RegionDisk", PV, SC, POLICY)
    ]


def test_by_default_data_is_retained_on_delete_and_protected():
    _, regs = app(snapshotSchedule="daily")
    resources = data_resources(regs)
    assert {r.type for r in resources} >= {PV, SC, POLICY, "gcp:compute/disk:Disk"}
    for r in resources:
        assert r.options["retainOnDelete"] is True, r.urn
        # The engine then refuses any plan that would replace or delete one.
        assert r.options["protect"] is True, r.urn
    attachments = by_type(
        regs, "gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment"
    )
    assert attachments and all(a.options["protect"] for a in attachments)


def test_protected_stacks_protect_every_data_resource():
    _, regs = app(protect=True, snapshotSchedule="daily")
    for r in data_resources(regs):
        assert r.options["protect"] is True and r.options["retainOnDelete"] is True, r.urn


def test_data_deletion_must_be_asked_for():
    _, regs = app(allowDataDeletion=True)
    for r in data_resources(regs):
        assert r.options["retainOnDelete"] is False and r.options["protect"] is False, r.urn


def test_regional_slots_register_region_disks_and_their_policy_attachments():
    _, regs = app(zones=ZONES[:2], regionalDisks=True, snapshotSchedule="daily")
    disks = by_type(regs, "gcp:compute/regionDisk:RegionDisk")
    assert len(disks) == 3 and not by_type(regs, "gcp:compute/disk:Disk")
    (policy,) = by_type(regs, POLICY)
    attachments = by_type(
        regs, "gcp:compute/regionDiskResourcePolicyAttachment:RegionDiskResourcePolicyAttachment"
    )
    assert len(attachments) == 3
    for region_disk in disks:
        assert region_disk.inputs["replicaZones"] == ZONES[:2]
        assert region_disk.inputs["region"] == "us-central1"
        (attachment,) = [a for a in attachments if a.inputs["disk"] == region_disk.inputs["name"]]
        assert attachment.inputs["name"] == policy.inputs["name"]
        assert attachment.inputs["region"] == "us-central1"
        assert region_disk.urn in attachment.dependencies


def test_zonal_disks_attach_the_schedule_in_their_zone():
    _, regs = app(zones=ZONES, placement=ZONES, snapshotSchedule="weekly")
    attachments = by_type(
        regs, "gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment"
    )
    assert sorted(a.inputs["zone"] for a in attachments) == ZONES


def test_adopted_disks_are_read_never_created():
    _, regs = app(adoptDisks=["pv-a", "", "pv-c"], snapshotSchedule="daily")
    reads = [r for r in regs if r.read]
    assert sorted(r.inputs["id"] for r in reads) == [
        "projects/acme-test-project/zones/europe-west1-b/disks/pv-a",
        "projects/acme-test-project/zones/europe-west1-b/disks/pv-c",
    ]
    created = disks_by_name(regs)
    assert list(created) == [disk(1)]
    attachments = by_type(
        regs, "gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment"
    )
    assert [a.inputs["disk"] for a in attachments] == [disk(1)]
    pvs = {r.inputs["metadata"]["name"]: r for r in by_type(regs, PV)}
    pv_a = pvs[disk(0)]
    assert pv_a.inputs["spec"]["csi"]["volumeHandle"].endswith("/disks/pv-a")
    assert any(r.urn in pv_a.dependencies for r in reads)


def test_claims_are_patched_after_the_statefulset_with_the_disk_size():
    _, regs = app(diskSizeGb=30)
    (sts,) = by_type(regs, STS)
    patches = by_type(regs, PATCH)
    assert sorted(p.inputs["metadata"]["name"] for p in patches) == [
        f"data-kubia-{i}" for i in range(3)
    ]
    for patch in patches:
        assert sts.urn in patch.dependencies
        assert patch.inputs["spec"] == {"resources": {"requests": {"storage": "30Gi"}}}


def run_with_existing(size, existing):
    monitor = start_mock_engine(PROJECT, "test", {}, existing_disks=existing)
    settings = make_settings(diskSizeGb=size)
    _sync_await(run_pulumi_func(lambda: StatefulApp("kubia", app_args(settings))))
    return monitor.registrations


def test_growing_is_accepted_and_shrinking_is_refused():
    grown = run_with_existing(40, {disk(1): 20})
    requests = {
        p.inputs["metadata"]["name"]: p.inputs["spec"]["resources"]["requests"]["storage"]
        for p in by_type(grown, PATCH)
    }
    assert requests["data-kubia-1"] == "40Gi"
    with pytest.raises(InvalidConfigError) as caught:
        run_with_existing(10, {disk(1): 20})
    message = str(caught.value)
    assert message.startswith(f"diskSizeGb: disk {disk(1)} already has 20 GiB")
    assert "at least 20" in message and "given: 10" in message


def test_a_shrunk_adopted_disk_is_refused_too():
    monitor = start_mock_engine(PROJECT, "test", {}, existing_disks={"pv-a": 100})
    settings = make_settings(adoptDisks=["pv-a"], diskSizeGb=50)
    with pytest.raises(InvalidConfigError, match="disk pv-a already has 100 GiB"):
        _sync_await(run_pulumi_func(lambda: StatefulApp("kubia", app_args(settings))))
    assert monitor.registrations  # it fails at the patch, after the read


def test_scale_down_from_n_to_n_minus_1_loses_no_disk():
    project = load_project(ROOT)

    def run(replicas):
        overrides = [f"replicas={replicas}", "storage.storageSlots=3"]
        config = resolve(project, "dev", overrides)
        return run_program(project.main, PROJECT, "dev", config.values, config.secret_keys)

    at_n, at_n_minus_1 = run(3), run(2)
    assert set(disks_by_name(at_n_minus_1.registrations)) == set(disks_by_name(at_n.registrations))
    pv_names = [
        {r.inputs["metadata"]["name"] for r in by_type(run_.registrations, PV)}
        for run_ in (at_n, at_n_minus_1)
    ]
    assert pv_names[0] == pv_names[1] and len(pv_names[0]) == 3
    assert at_n.outputs["retiredSlots"] == []
    assert [s["slot"] for s in at_n_minus_1.outputs["retiredSlots"]] == [2]
    (sts,) = by_type(at_n_minus_1.registrations, STS)
    assert sts.inputs["spec"]["replicas"] == 2


def test_an_alias_on_the_app_is_sent_with_its_registration():
    settings = make_settings()
    new_app, regs = run_under_mocks(
        lambda: StatefulApp(
            "kubia-renamed",
            app_args(settings),
            pulumi.ResourceOptions(aliases=[pulumi.Alias(name="kubia")]),
        )
    )
    (registration,) = by_type(regs, "gke-stateful:index:StatefulApp")
    assert {"spec": {"name": "kubia", "parentUrn": ""}} in registration.options["aliases"]
    # Children are named after the app, so the engine carries the alias over to them.
    for r in regs:
        if r.parent == registration.urn or r.type in (PV, "gcp:compute/disk:Disk"):
            assert r.name.startswith("kubia-renamed-"), r.name
    assert resolve_output(new_app.disk_names)


def test_claim_patches_pv_capacity_and_schedule_attachments_are_kept_with_the_data():
    _, regs = app(snapshotSchedule="daily", replicas=2)
    for patch in by_type(regs, PATCH):
        assert patch.options["retainOnDelete"] is True  # deleting one would fail
    for pv in by_type(regs, PV):
        assert pv.options["ignoreChanges"] == ["spec.capacity"]  # the resizer owns it
    attachments = by_type(
        regs, "gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment"
    )
    assert attachments and all(a.options["retainOnDelete"] for a in attachments)


SERVICE = "kubernetes:core/v1:Service"


def governing(regs):
    return [r for r in by_type(regs, SERVICE) if r.inputs["spec"].get("clusterIP") == "None"]


@pytest.mark.parametrize("overrides", [{}, {"protect": True}])
def test_a_protected_stack_protects_the_statefulset_and_its_service_too(overrides):
    # A destroy without a preview carries on past protected deletes: the StatefulSet itself
    # must refuse, or its pods stop before the data's refusal is reached.
    _, regs = app(**overrides)
    (sts,) = by_type(regs, STS)
    (service,) = governing(regs)
    assert sts.options["protect"] is True and service.options["protect"] is True


def test_an_unprotected_stack_or_an_allowed_replacement_leaves_the_statefulset_unprotected():
    _, regs = app(allowDataDeletion=True)
    (sts,) = by_type(regs, STS)
    (service,) = governing(regs)
    assert sts.options["protect"] is False and service.options["protect"] is False
    _, regs = app(allowStatefulSetReplacement=True)
    (sts,) = by_type(regs, STS)
    assert sts.options["protect"] is False  # the engine would refuse its replacement
    (service,) = governing(regs)
    assert service.options["protect"] is True
