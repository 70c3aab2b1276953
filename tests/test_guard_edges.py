"""Edges of the guards that hand-made mutants slipped through: each test pins one boundary of
a rule that keeps data (generations, identities, replaced disks, refusals, pod rules, names)
with values written here, not computed by the code under test."""

from __future__ import annotations

from typing import Any

import pytest

from components import naming
from components.arg_paths import path_of
from components.change_preview import ChangeReport, SlotVerdict, compare, recorded_disk_sizes
from components.core.redis_replication import primary_dns
from components.core.replacement import replacement_problems
from components.pod_rules import _weakening
from components.settings import SettingsError, parse_settings
from tests.helpers import PROJECT, VALID, make_settings

PV = "kubernetes:core/v1:PersistentVolume"
DISK = "gcp:compute/disk:Disk"
BASE = {"protect": False, "retainOnDelete": False, "ignoreChanges": [], "replaceOnChanges": []}


def registered(type_: str, name: str, inputs: dict[str, Any], **options: Any) -> dict[str, Any]:
    return {
        "urn": f"urn:pulumi:s::p::{type_}::{name}",
        "type": type_,
        "name": name,
        "read": False,
        "parent": None,
        "options": {**BASE, **options},
        "inputs": inputs,
    }


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
        parse_settings({**VALID, **overrides}, f"{PROJECT}:", None, path_of)
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
