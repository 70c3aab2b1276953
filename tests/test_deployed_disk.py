"""A slot's disk as deployed decides, not the config: a change that would replace the disk is
refused by the program before any PV or claim registers, with or without a slot record."""

from __future__ import annotations

import gc
import warnings
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.app import StatefulApp
from components.core.blueprint import build_blueprint
from components.core.deployed_disk import adopted_problems, deployed_problems
from components.offline.change_preview import ResourceChange, replaced_anyway, resource_change
from components.offline.mock_engine import OfflineMocks, start_mock_engine
from components.stack.config import InvalidConfigError, TransitionRefusedError
from tests.helpers import DISK_TYPES, PROJECT, app_args, by_type, make_settings, plan_resource

PV = "kubernetes:core/v1:PersistentVolume"
STATEFULSET = "kubernetes:apps/v1:StatefulSet"


def first_volume(**overrides: Any):
    settings = make_settings(**overrides)
    return settings, build_blueprint(settings).volumes[0]


def deployed_as_configured(volume) -> dict[str, Any]:
    spec = volume.disk
    found = {"name": spec.name, "project": spec.project, "type": spec.type}
    if spec.regional:
        found |= {"region": spec.region, "replicaZones": list(spec.zones)}
    else:
        found["zone"] = spec.zones[0]
    return found


def test_a_disk_deployed_as_configured_passes():
    _, volume = first_volume()
    assert deployed_problems(volume, deployed_as_configured(volume)) == []


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("type", "pd-ssd", "storage.diskType"),
        ("zone", "europe-west1-c", "storage.zones"),
        ("project", "acme-elsewhere", "gcpProject"),
        ("name", "kubia-old-name-0", "name, namespace, volumeScope"),
    ],
)
def test_each_field_deployed_otherwise_is_refused_naming_key_slot_and_both_values(
    field, value, key
):
    _, volume = first_volume()
    deployed = deployed_as_configured(volume) | {field: value}
    configured = deployed_as_configured(volume)[field]
    [problem] = deployed_problems(volume, deployed)
    assert problem.startswith(key)
    assert f"slot 0 ({volume.pvc_name})" in problem
    assert f'deployed with {field} "{value}"; the config now gives "{configured}"' in problem
    # The disk named is the deployed one.
    assert f"has disk {deployed['name']} deployed" in problem
    assert "replace the disk" in problem and "slotGenerations" in problem


def test_every_differing_field_is_named_once():
    _, volume = first_volume()
    deployed = deployed_as_configured(volume) | {"type": "pd-ssd", "project": "elsewhere"}
    problems = deployed_problems(volume, deployed)
    assert len(problems) == 2
    assert [p.split(":")[0] for p in problems] == ["gcpProject", "storage.diskType"]


def test_iops_is_held_as_deployed_on_every_type():
    _, volume = first_volume(diskType="pd-extreme", provisionedIops=10000, diskSizeGb=500)
    deployed = deployed_as_configured(volume) | {"provisionedIops": 20000.0}
    [problem] = deployed_problems(volume, deployed)
    assert problem.startswith("storage.provisionedIops")
    assert "deployed with provisionedIops 20000.0; the config now gives 10000" in problem
    assert "replace the disk" in problem
    # The engine hands numbers over as floats: the same number is no change.
    same = deployed_as_configured(volume) | {"provisionedIops": 10000.0}
    assert deployed_problems(volume, same) == []
    # Hyperdisk could change them in place; the program still keeps them, and says how.
    _, volume = first_volume(diskType="hyperdisk-balanced", provisionedIops=5000, diskSizeGb=100)
    deployed = deployed_as_configured(volume) | {"provisionedIops": 3000}
    [problem] = deployed_problems(volume, deployed)
    assert "deployed with provisionedIops 3000; the config now gives 5000" in problem
    assert "gcloud compute disks update --provisioned-iops" in problem
    assert "pulumi refresh" in problem and "replace the disk;" not in problem
    # Only IOPS take that way: another deployed type is still a replacement refused.
    deployed = deployed_as_configured(volume) | {"type": "pd-extreme"}
    [problem] = deployed_problems(volume, deployed)
    assert problem.startswith("storage.diskType") and "replace the disk" in problem
    assert "gcloud" not in problem


def test_a_regional_disks_region_and_zones_name_their_keys():
    _, volume = first_volume(zones=["europe-west1-b", "europe-west1-c"], regionalDisks=True)
    deployed = deployed_as_configured(volume) | {"region": "us-central1"}
    [problem] = deployed_problems(volume, deployed)
    assert problem.startswith(
        "storage.zones (with storage.placement and storage.regionalDisks): slot 0"
    )
    assert 'deployed with region "us-central1"; the config now gives "europe-west1"' in problem


def test_a_field_the_config_leaves_unset_is_not_judged():
    """The provider plans no change for an input the program does not give."""
    _, volume = first_volume()
    deployed = deployed_as_configured(volume) | {"provisionedIops": 3000}
    assert deployed_problems(volume, deployed) == []


def test_a_field_not_deployed_is_not_judged():
    """An output the engine does not know yet (a disk being created) holds nothing back."""
    _, volume = first_volume()
    deployed = {k: None for k in deployed_as_configured(volume)}
    assert deployed_problems(volume, deployed) == []


zone_names = st.sampled_from(["europe-west1-b", "europe-west1-c", "europe-west1-d"])


@given(zone_names, zone_names, st.sampled_from(["", "projects/p/", "https://x/v1/projects/p/"]))
def test_self_links_and_names_compare_by_their_last_part(first, second, prefix):
    """The provider reads a regional disk's replica zones back as self-links."""
    _, volume = first_volume(zones=["europe-west1-b", "europe-west1-c"], regionalDisks=True)
    deployed = deployed_as_configured(volume) | {
        "replicaZones": [f"{prefix}zones/{first}", f"{prefix}zones/{second}"],
        "region": f"{prefix}regions/europe-west1",
    }
    problems = deployed_problems(volume, deployed)
    assert (problems == []) == ([first, second] == list(volume.disk.zones))
    assert all(p.startswith("storage.zones") for p in problems)


# --- under the engine's rules: the state's disk, its kept fields, and what registers ----------


def deploy(settings, previous=None):
    """Run the app under the mock engine, with `previous` as the state's disks."""
    monitor = start_mock_engine(PROJECT, "test", {}, previous=previous)
    _sync_await(run_pulumi_func(lambda: StatefulApp("kubia", app_args(settings))))
    return monitor.registrations


def state_of(registrations) -> dict[str, dict[str, Any]]:
    return {
        r.urn: {"urn": r.urn, "type": r.type, "name": r.name, "inputs": r.inputs}
        for r in registrations
        if r.type in DISK_TYPES
    }


@pytest.mark.parametrize(
    "change",
    [
        {"diskType": "pd-ssd"},
        {"zones": ["europe-west1-c"]},
        {"gcpProject": "acme-elsewhere"},
        {"namespace": "elsewhere"},
        {"volumeScope": "kubia-other"},
    ],
)
def test_a_replace_forcing_change_without_any_record_stops_before_pvs_and_claims(change):
    """As in the first update after an upgrade from v0.1.0: no slot record, only the disks in
    the state. Each disk keeps its deployed value; the program refuses; no PV, no claim."""
    state = state_of(deploy(make_settings()))
    assert len(state) == 3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TransitionRefusedError) as refused:
            deploy(make_settings(**change), previous=state)
        gc.collect()
    assert len(refused.value.problems) == 3  # every slot's disk, each named
    # Nothing left unawaited behind the refusal (the guard's parts are tasks).
    assert not [w for w in caught if "never awaited" in str(w.message)]


def test_refused_changes_register_no_pv_and_no_statefulset():
    state = state_of(deploy(make_settings()))
    monitor = start_mock_engine(PROJECT, "test", {}, previous=state)
    settings = make_settings(diskType="pd-ssd")
    with pytest.raises(TransitionRefusedError):
        _sync_await(run_pulumi_func(lambda: StatefulApp("kubia", app_args(settings))))
    types = {r.type for r in monitor.registrations}
    assert "gcp:compute/disk:Disk" in types  # kept as deployed: nothing about it changes
    assert PV not in types and STATEFULSET not in types
    for disk in by_type(monitor.registrations, "gcp:compute/disk:Disk"):
        assert disk.inputs["type"] == "pd-balanced"  # the engine's reset, not the config


def test_the_same_config_and_an_in_place_change_pass_against_the_state():
    state = state_of(deploy(make_settings()))
    assert by_type(deploy(make_settings(), previous=state), PV)
    grown = deploy(make_settings(diskSizeGb=20, image="luksa/kubia-pet:2"), previous=state)
    assert len(by_type(grown, PV)) == 3 and by_type(grown, STATEFULSET)


def test_a_type_change_to_hyperdisk_with_new_iops_is_refused_not_replaced():
    """The provider's IOPS rule reads the type the engine hands it: the deployed one, once
    `type` is kept. Were IOPS not kept too, pd-extreme -> hyperdisk-balanced with new IOPS
    would replace the disk, from the config's inputs, and hide the deployed one."""
    extreme = {"diskType": "pd-extreme", "provisionedIops": 5000, "diskSizeGb": 500}
    state = state_of(deploy(make_settings(**extreme)))
    hyper = {"diskType": "hyperdisk-balanced", "provisionedIops": 6000, "diskSizeGb": 500}
    with pytest.raises(TransitionRefusedError) as refused:
        deploy(make_settings(**hyper), previous=state)
    keys = sorted({p.split(":")[0] for p in refused.value.problems})
    assert keys == ["storage.diskType", "storage.provisionedIops"]


def test_the_engine_model_replaces_from_the_config_when_a_kept_reset_is_not_enough():
    """A change the disk does not ignore that replaces it: the engine checks the replacement
    from the program's own inputs, so the outputs are the config's (the model does not
    reset then); changes of ignored inputs alone replace nothing."""
    old = {"name": "d", "type": "pd-extreme", "provisionedIops": 5000}
    reset = {"name": "d", "type": "pd-extreme", "provisionedIops": 6000}
    assert replaced_anyway("gcp:compute/disk:Disk", old, reset, ["name", "type"])
    assert not replaced_anyway("gcp:compute/disk:Disk", old, reset, ["provisionedIops"])
    labels = {**old, "labels": {"a": "b"}}
    assert not replaced_anyway("gcp:compute/disk:Disk", old, labels, [])
    # A shrink replaces, a growth does not: judged against the old inputs.
    assert replaced_anyway("gcp:compute/disk:Disk", {"size": 100}, {"size": 50}, [])
    assert not replaced_anyway("gcp:compute/disk:Disk", {"size": 100}, {"size": 200}, [])


# --- a read where the stack managed the disk ---------------------------------------------------

MANAGED = {"name": "d", "project": "p", "zone": "europe-west1-b", "type": "pd-ssd", "size": 10}


OTHER = "projects/p/zones/europe-west1-b/disks/other"
RELINQUISH = (
    "a read over the one it managed takes it out of the stack (no longer protected, retained "
    "or snapshotted); keep the slot's adoptDisks entry empty"
)


@pytest.mark.parametrize(
    ("options", "read_id", "action", "reason"),
    [
        ({}, OTHER, "delete", "replaces by a read the one it managed: deleted"),
        (
            {"protect": True},
            OTHER,
            "refused",
            "replaces by a read the one it managed: protected: the delete is refused",
        ),
        (
            {"retainOnDelete": True},
            OTHER,
            "read",
            "the one it managed leaves the stack and stays where it is",
        ),
        # A relinquish: the disk stays, taken out of the stack (no longer protected).
        ({"protect": True}, "projects/p/zones/europe-west1-b/disks/d", "refused", RELINQUISH),
        ({}, "projects/p/zones/europe-west1-b/disks/d", "refused", RELINQUISH),
    ],
)
def test_a_read_over_a_disk_the_stack_managed_is_judged_as_its_delete(
    options, read_id, action, reason
):
    """The engine's read-replacement deletes the managed disk at the end of the update when
    the read names another id (a relinquish when it names the same one), as any delete:
    refused while protected, left in place while retained."""
    old = plan_resource("gcp:compute/disk:Disk", "app-storage-data-0", MANAGED, **options)
    new = plan_resource("gcp:compute/disk:Disk", "app-storage-data-0", {"id": read_id}, True)
    change = resource_change(old, new)
    assert (change.urn, change.type) == (new["urn"], new["type"])
    assert (change.action, change.reason) == (action, reason)


def test_a_regional_disk_read_by_its_own_id_is_a_relinquish_and_a_read_over_a_read_reads():
    regional = {"name": "d", "project": "p", "region": "europe-west1", "replicaZones": ["a", "b"]}
    old = plan_resource("gcp:compute/regionDisk:RegionDisk", "x", regional)
    same = {"id": "projects/p/regions/europe-west1/disks/d"}
    new = plan_resource("gcp:compute/regionDisk:RegionDisk", "x", same, True)
    assert (resource_change(old, new).action, resource_change(old, new).reason) == (
        "refused",
        RELINQUISH,
    )
    # Adopted before, adopted now (another disk): nothing the stack managed is deleted.
    before = plan_resource("gcp:compute/disk:Disk", "y", {"id": OTHER}, True)
    after = plan_resource("gcp:compute/disk:Disk", "y", {"id": OTHER + "2"}, True)
    assert resource_change(before, after) == ResourceChange(after["urn"], after["type"], "read")


# --- adopted disks: read only once the guards pass, judged by what the read returns -----------


def test_a_refused_adoption_reads_no_disk():
    """A read under a managed disk's URN with another id makes the engine delete that disk at
    the end of the update (step_generator.go, read-replacement), protection aside: the read
    waits on the slot records as a create does, so a refused config never reaches it."""
    made = deploy(make_settings())
    records = [r for r in made if r.type == "pulumi:index:Stash"]
    stashes = {r.name: r.outputs["output"] for r in records}
    previous = state_of(made) | {
        r.urn: {"urn": r.urn, "type": r.type, "name": r.name, "inputs": r.inputs} for r in records
    }
    monitor = start_mock_engine(PROJECT, "test", {}, previous=previous, stashes=stashes)
    settings = make_settings(adoptDisks=["pv-other"])
    with pytest.raises(TransitionRefusedError) as refused:
        _sync_await(run_pulumi_func(lambda: StatefulApp("kubia", app_args(settings))))
    assert "adoptDisks: slot 0 (data-kubia-0) has disk " in str(refused.value)
    assert [r for r in monitor.registrations if r.read] == []


class AdoptedDisks(OfflineMocks):
    """Reads of adopted disks returning what GCE has: their zones and size."""

    def __init__(self, found: dict[str, Any]) -> None:
        super().__init__()
        self.found = found

    def new_resource(self, args):
        resource_id, state = super().new_resource(args)
        if args.resource_id:
            state |= self.found
        return resource_id, state


def adopt(found: dict[str, Any], **overrides: Any):
    """Run the app adopting `pv-a` (with `overrides`), GCE's reads returning `found`."""
    monitor = start_mock_engine(PROJECT, "test", {})
    monitor.mocks = AdoptedDisks(found)
    given = {"adoptDisks": ["pv-a"], "storageSlots": 1, "replicas": 1} | overrides
    settings = make_settings(**given)
    _sync_await(run_pulumi_func(lambda: StatefulApp("kubia", app_args(settings))))
    return monitor.registrations


REGIONAL = {
    "zones": ["europe-west1-b", "europe-west1-c"],
    "regionalDisks": True,
}


def test_an_adopted_disk_in_the_placement_s_zones_and_size_binds():
    registrations = adopt({"replicaZones": ["europe-west1-c", "europe-west1-b"]}, **REGIONAL)
    assert [r for r in registrations if r.read]
    assert by_type(registrations, PV)
    adopt({"zone": "europe-west1-b", "size": 10}, diskSizeGb=10)


def test_an_adopted_regional_disk_replicated_elsewhere_is_refused_before_its_pv():
    """The id of a regional disk names no zone: the read's replicaZones must be the slot's,
    or the PV would let the pod start where the disk cannot attach."""
    elsewhere = [
        "https://www.googleapis.com/compute/v1/projects/p/zones/europe-west1-b",
        "https://www.googleapis.com/compute/v1/projects/p/zones/europe-west1-d",
    ]
    with pytest.raises(InvalidConfigError) as refused:
        adopt({"replicaZones": elsewhere}, **REGIONAL)
    assert refused.value.problems[0].startswith(
        "storage.placement: slot 0 (data-kubia-0) adopts disk pv-a, which GCE has in "
        '["europe-west1-b", "europe-west1-d"]; the placement gives ["europe-west1-b", '
        '"europe-west1-c"]'
    )


def test_an_adopted_zonal_disk_read_in_another_zone_is_refused_naming_both():
    # Its id names the zone, so GCE would not find it elsewhere; the read is judged anyway.
    zone = "https://www.googleapis.com/compute/v1/projects/p/zones/europe-west1-c"
    with pytest.raises(InvalidConfigError) as refused:
        adopt({"zone": zone})
    assert refused.value.problems == [
        "storage.placement: slot 0 (data-kubia-0) adopts disk pv-a, which GCE has in "
        '"europe-west1-c"; the placement gives "europe-west1-b": the pod would be placed '
        "where the disk cannot attach; set the slot's placement entry to the disk's zones"
    ]
    _, volume = first_volume(adoptDisks=["pv-a"], storageSlots=1, replicas=1)
    assert adopted_problems(volume, {"zone": "europe-west1-b"}) == []
    (elsewhere,) = adopted_problems(volume, {"zone": "europe-west1-c"})
    assert elsewhere.startswith("storage.placement: slot 0 (data-kubia-0) adopts disk pv-a")
    assert adopted_problems(volume, {}) == []  # nothing returned: nothing judged


def test_an_adopted_disk_larger_than_disk_size_gb_is_refused_on_a_retired_slot_too():
    for replicas in (1, 0):
        with pytest.raises(InvalidConfigError) as refused:
            adopt({"size": 50}, diskSizeGb=20, replicas=replicas)
        assert refused.value.problems == [
            "diskSizeGb: disk pv-a already has 50 GiB and GCE disks cannot shrink (the "
            "provider would replace it); set diskSizeGb to at least 50; given: 20"
        ]
