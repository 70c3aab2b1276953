"""Edges of the guards that hand-made mutants slipped through: each test pins one boundary of
a rule that keeps data (generations, identities, replaced disks, refusals, pod rules, names)
with values written here, not computed by the code under test."""

from __future__ import annotations

from typing import Any

import pytest

from components.core.redis_replication import primary_dns
from components.core.replacement import replacement_problems
from components.offline.change_preview import (
    ChangeReport,
    SlotVerdict,
    compare,
    recorded_disk_sizes,
)
from components.settings import naming
from components.settings.pod_rules import _weakening
from components.settings.validation import SettingsError
from tests.helpers import PROJECT, VALID, make_settings, parse_flat, plan_resource

PV = "kubernetes:core/v1:PersistentVolume"
DISK = "gcp:compute/disk:Disk"
registered = plan_resource


def slot(
    logical: str, disk: str, generation: int, zone: str = "z1", kind: str = "pd-ssd", **options: Any
):
    """A slot's disk and PV as a plan lists them."""
    return [
        registered(
            DISK,
            logical,
            {
                "name": disk,
                "zone": zone,
                "type": kind,
                "labels": {"generation": str(generation)},
            },
            **options,
        ),
        registered(
            PV,
            logical,
            {
                "kind": "PersistentVolume",
                "metadata": {"name": disk},
                "spec": {
                    "claimRef": {"namespace": "ns", "name": "data-app-0"},
                    "csi": {"volumeHandle": f"projects/p/zones/{zone}/disks/{disk}"},
                },
            },
            **options,
        ),
    ]


def verdict(previous, current) -> SlotVerdict:
    (only,) = compare(previous, current).slots
    return only


# --- generations ----------------------------------------------------------------------------


def test_a_generation_one_lower_is_refused_naming_the_key():
    result = verdict(slot("d-g1", "disk-0-g1", 1), slot("d", "disk-0", 0))
    assert result.verdict == "refused"
    assert result.reason.startswith("storage.slotGenerations: its generation went down (1 -> 0)")


def test_the_same_generation_keeps_and_a_higher_one_is_a_new_disk():
    assert verdict(slot("d", "disk-0", 0), slot("d", "disk-0", 0)).verdict == "keeps its disk"
    assert verdict(slot("d", "disk-0", 0), slot("d-g1", "disk-0-g1", 1)).verdict == (
        "new empty disk"
    )


def test_generation_one_has_a_disk_of_its_own():
    zero = naming.disk_name("scope", "ns", "app", "data", 0, 0)
    one = naming.disk_name("scope", "ns", "app", "data", 0, 1)
    assert one != zero and one.endswith("-0-g1") and zero.endswith("-0")


# --- a replaced disk is never kept ----------------------------------------------------------


def test_a_disk_replaced_in_place_is_refused_not_kept():
    retyped = verdict(slot("d", "disk-0", 0), slot("d", "disk-0", 0, kind="pd-balanced"))
    assert retyped.verdict == "refused"
    assert retyped.reason.startswith("its disk would be replaced (for type)")
    moved = verdict(slot("d", "disk-0", 0, zone="z1"), slot("d", "disk-0", 0, zone="z2"))
    assert moved.verdict == "refused"


def test_dropping_protection_does_not_let_a_replacement_through():
    before = slot("d", "disk-0", 0, zone="z1", protect=True, retainOnDelete=True)
    after = slot("d", "disk-0", 0, zone="z2")
    assert verdict(before, after).verdict == "refused"


def test_a_slot_refusal_alone_refuses_the_change():
    report = ChangeReport([], [SlotVerdict("ns/c", "refused", "d", "d")])
    assert report.refused is True
    assert ChangeReport([], [SlotVerdict("ns/c", "keeps its disk", "d", "d")]).refused is False


# --- the StatefulSet's identity -------------------------------------------------------------

IDENTITY = {
    "name": "app",
    "namespace": "ns",
    "serviceName": "app",
    "selector": {"matchLabels": {"a": "b"}},
    "podManagementPolicy": "OrderedReady",
    "volumeClaimTemplates": [{"metadata": {"name": "data"}}],
}


@pytest.mark.parametrize("allowed", [False, True])
@pytest.mark.parametrize(("field", "value"), [("name", "other"), ("namespace", "elsewhere")])
def test_another_name_or_namespace_is_refused_even_when_replacement_is_allowed(
    field, value, allowed
):
    (problem,) = replacement_problems(IDENTITY, {**IDENTITY, field: value}, allowed, "guard")
    assert problem.startswith(f"{field}: the StatefulSet was created as")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("serviceName", "other"),
        ("selector", {"matchLabels": {"a": "c"}}),
        ("podManagementPolicy", "Parallel"),
        ("volumeClaimTemplates", [{"metadata": {"name": "logs"}}]),
    ],
)
def test_each_field_kubernetes_cannot_update_is_refused_unless_allowed(field, value):
    (problem,) = replacement_problems(IDENTITY, {**IDENTITY, field: value}, False, "guard")
    assert problem.startswith("allowStatefulSetReplacement:") and f"spec.{field}" in problem
    assert replacement_problems(IDENTITY, {**IDENTITY, field: value}, True, "guard") == []


# --- pod rules ------------------------------------------------------------------------------


def problems_of(**overrides: Any) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        parse_flat({**VALID, **overrides}, f"{PROJECT}:")
    return caught.value.problems


@pytest.mark.parametrize("name", ["DB_PASSWORD", "db_password", "Api_Key", "token"])
def test_a_secret_looking_env_name_is_refused_in_any_case(name):
    (problem,) = problems_of(env={name: "hunter2"})
    assert f"container.env: {name} looks like a secret" in problem


def test_an_empty_drop_list_weakens_the_restricted_profile():
    assert list(_weakening({"capabilities": {"drop": []}}, "restricted")) == [
        "capabilities.drop without ALL"
    ]
    assert list(_weakening({"capabilities": {"drop": ["ALL"]}}, "restricted")) == []
    assert list(_weakening({"capabilities": {"drop": []}}, "baseline")) == []


def test_a_trailing_slash_is_the_same_mount():
    (problem,) = problems_of(
        mountPath="/data/", extraClaims=[{"name": "logs", "mountPath": "/data", "sizeGb": 10}]
    )
    assert "is mounted at /data, where claim data is already mounted" in problem


# --- Redis' bootstrap primary ---------------------------------------------------------------


def test_the_bootstrap_primary_is_the_first_ordinal():
    redis = {
        "preset": "redis",
        "name": "redis",
        "namespace": "db",
        "image": "redis:7.0",
        "replication": False,
    }
    assert primary_dns(make_settings(**redis)).startswith("redis-0.redis.db.svc")
    shifted = make_settings(**redis, ordinalsStart=1)
    assert primary_dns(shifted).startswith("redis-1.redis.db.svc")


# --- the size a disk was grown to -----------------------------------------------------------


def claim_patch(request: str) -> dict[str, Any]:
    return registered(
        "kubernetes:core/v1:PersistentVolumeClaimPatch",
        "size",
        {
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data-app-0", "namespace": "ns"},
            "spec": {"resources": {"requests": {"storage": request}}},
        },
    )


def test_a_shrink_is_judged_against_the_largest_size_ever_requested():
    # The disk's own size stays at its creation size (size changes are ignored); its claim
    # was patched to 300 GiB, which the resizer gave the disk.
    disk, pv = slot("d", "disk-0", 0)
    disk["inputs"]["size"] = 200
    assert recorded_disk_sizes([disk, pv, claim_patch("300Gi")]) == {"disk-0": 300}
    # A claim request below the disk's size does not lower what the disk has.
    assert recorded_disk_sizes([disk, pv, claim_patch("100Gi")]) == {"disk-0": 200}
    assert recorded_disk_sizes([disk, pv]) == {"disk-0": 200}


# --- per claim: every verdict, with replication and identities ------------------------------

STS = "kubernetes:apps/v1:StatefulSet"


def statefulset(replicating: bool, replicas: int = 3, start: int = 0, name: str = "app"):
    command = ["sh", "-c", "exec redis-server --replicaof $primary 6379" if replicating else "x"]
    return registered(
        STS,
        "workload",
        {
            "kind": "StatefulSet",
            "metadata": {"name": name, "namespace": "ns"},
            "spec": {
                "replicas": replicas,
                "ordinals": {"start": start},
                "volumeClaimTemplates": [{"metadata": {"name": "data"}}],
                "template": {"spec": {"containers": [{"name": "redis", "command": command}]}},
            },
        },
    )


def slots(claims: dict[int, tuple[str, int]]) -> list[dict[str, Any]]:
    """Disk and PV per ordinal: {ordinal: (disk name, generation)}."""
    resources = []
    for ordinal, (disk, generation) in claims.items():
        logical = f"d{ordinal}" + (f"-g{generation}" if generation else "")
        pair = slot(logical, disk, generation)
        pair[1]["inputs"]["spec"]["claimRef"]["name"] = f"data-app-{ordinal}"
        resources += pair
    return resources


def verdicts(previous, current) -> dict[str, str]:
    return {v.pvc: v.verdict for v in compare(previous, current).slots}


THREE = {0: ("disk-0", 0), 1: ("disk-1", 0), 2: ("disk-2", 0)}


def test_turning_replication_on_replaces_every_replicas_contents():
    before = [statefulset(False), *slots(THREE)]
    after = [statefulset(True), *slots(THREE)]
    assert verdicts(before, after) == {
        "ns/data-app-0": "keeps its disk",
        "ns/data-app-1": "keeps its disk, contents replaced",
        "ns/data-app-2": "keeps its disk, contents replaced",
    }
    # Already replicating, or not replicating after: nothing resyncs.
    assert set(verdicts(after, after).values()) == {"keeps its disk"}
    assert set(verdicts(before, before).values()) == {"keeps its disk"}


def test_with_shifted_ordinals_the_first_ordinal_keeps_its_data():
    shifted = {1: ("disk-1", 0), 2: ("disk-2", 0), 3: ("disk-3", 0)}
    before = [statefulset(False, start=1), *slots(shifted)]
    after = [statefulset(True, start=1), *slots(shifted)]
    assert verdicts(before, after) == {
        "ns/data-app-1": "keeps its disk",
        "ns/data-app-2": "keeps its disk, contents replaced",
        "ns/data-app-3": "keeps its disk, contents replaced",
    }


def test_a_new_disk_for_the_primary_resyncs_every_replica():
    before = [statefulset(True), *slots(THREE)]
    after = [statefulset(True), *slots({**THREE, 0: ("disk-0-g1", 1)})]
    result = compare(before, after).slots
    assert {v.pvc: v.verdict for v in result} == {
        "ns/data-app-0": "new empty disk",
        "ns/data-app-1": "keeps its disk, contents replaced",
        "ns/data-app-2": "keeps its disk, contents replaced",
    }
    (replica,) = [v for v in result if v.pvc == "ns/data-app-1"]
    assert replica.reason == (
        "ns/data-app-0 starts as the primary on its new empty disk, and every replica resyncs "
        "from it"
    )
    # Without replication, or for a replica's slot, the others keep their data.
    plain = verdicts(
        [statefulset(False), *slots(THREE)],
        [statefulset(False), *slots({**THREE, 0: ("disk-0-g1", 1)})],
    )
    assert plain["ns/data-app-1"] == "keeps its disk"
    replica_slot = verdicts(before, [statefulset(True), *slots({**THREE, 1: ("disk-1-g1", 1)})])
    assert replica_slot == {
        "ns/data-app-0": "keeps its disk",
        "ns/data-app-1": "new empty disk",
        "ns/data-app-2": "keeps its disk",
    }


def test_scaled_to_zero_no_pod_resyncs():
    before = [statefulset(True, replicas=0), *slots(THREE)]
    after = [statefulset(True, replicas=0), *slots({**THREE, 0: ("disk-0-g1", 1)})]
    assert verdicts(before, after)["ns/data-app-1"] == "keeps its disk"


def test_a_new_disk_from_a_snapshot_and_an_adopted_disk_are_said_so():
    before = slots({0: ("disk-0", 0)})
    after = slots({0: ("disk-0-g1", 1)})
    after[0]["inputs"]["snapshot"] = "snap-1"
    assert verdicts(before, after) == {"ns/data-app-0": "new disk from snapshot snap-1"}
    adopted = slots({0: ("pv-a", 1)})
    adopted[0] |= {"read": True, "inputs": {"id": "projects/p/zones/z1/disks/pv-a"}}
    assert verdicts(before, adopted) == {"ns/data-app-0": "adopts an existing disk"}


def test_a_removed_slot_is_kept_or_deleted_as_its_state_says():
    before = slots({0: ("disk-0", 0), 1: ("disk-1", 0)})
    assert verdicts(before, slots({0: ("disk-0", 0)}))["ns/data-app-1"] == (
        "slot removed, disk and PV deleted"
    )
    for r in before:
        r["options"]["retainOnDelete"] = True
    assert verdicts(before, slots({0: ("disk-0", 0)}))["ns/data-app-1"] == (
        "slot removed, disk and PV kept"
    )


@pytest.mark.parametrize(("field", "value"), [("name", "other"), ("namespace", "elsewhere")])
def test_a_statefulset_under_another_name_refuses_every_old_claim(field, value):
    before = [statefulset(False), *slots(THREE)]
    moved = statefulset(False)
    moved["inputs"]["metadata"][field] = value
    result = compare(before, [moved, *slots(THREE)])
    assert {v.verdict for v in result.slots} == {"refused"}
    assert result.slots[0].reason.startswith(f"{field}: the StatefulSet ns/app would become ")
    assert result.refused


def test_registrations_the_engine_cannot_match_are_refused():
    # Slot 1's own URN is slot 0's alias: the engine stops (step_generator.go, 2008/2016).
    old = [registered(DISK, "v-1", {"name": "a"}), registered(DISK, "v-2", {"name": "b"})]
    first = registered(DISK, "v-0", {"name": "a"})
    first["options"]["aliases"] = [{"spec": {"name": "v-1"}}]
    second = registered(DISK, "v-1", {"name": "b"})
    second["options"]["aliases"] = [{"spec": {"name": "v-2"}}]
    report = compare(old, [first, second])
    by_urn = {c.urn.rsplit("::", 1)[-1]: c for c in report.resources}
    assert by_urn["v-0"].action == "same"  # it takes v-1 by its alias
    assert by_urn["v-1"].action == "refused"
    assert "its URN is the old URN that v-0 takes by alias" in by_urn["v-1"].reason
    # Registered the other way round, slot 0's alias finds slot 1's own URN.
    report = compare(old, [second, first])
    by_urn = {c.urn.rsplit("::", 1)[-1]: c for c in report.resources}
    assert "its alias v-1 is already v-1's" in by_urn["v-0"].reason
