"""The replace rules table and the slot facts it decides: what is recorded per slot, what a
change of each fact does, and the refusal naming the key, the slot and both values."""

from __future__ import annotations

import json

import pytest

from components.core.blueprint import build_blueprint
from components.core.replace_rules import (
    DISK,
    PV,
    REGION_DISK,
    RULES,
    Rule,
    forces_replacement,
    ignored_fields,
    recorded_fields,
    rule_of,
)
from components.core.slot_record import slot_problems, slot_record
from tests.helpers import ROOT, make_settings

EXTRACT = json.loads(
    (ROOT / "tests" / "fixtures" / "replace_rules_extract.json").read_text(encoding="utf-8")
)
GCE_TYPES = [key for key, value in EXTRACT.items() if isinstance(value, dict)]


def camel(field: str) -> str:
    head, *rest = field.split("_")
    return head + "".join(part.title() for part in rest)


def provider_rule(facts: dict, field: str) -> Rule:
    """What the provider's source (the extract) says a change of `field` does."""
    if field in facts["force_new_if_change"]:
        return Rule.REPLACE_ON_SHRINK
    if field in facts["force_new_in_customize_diff"]:
        return Rule.REPLACE_UNLESS_HYPERDISK
    if field in facts["force_new"] or field in facts["nested_force_new"]:
        return Rule.REPLACE
    return Rule.UPDATE if facts["has_update"] else Rule.REPLACE


@pytest.mark.parametrize("resource_type", GCE_TYPES)
def test_the_table_says_what_the_providers_source_says_for_every_field(resource_type):
    facts = EXTRACT[resource_type]
    settable = [f for f in facts["fields"] if f not in facts["output_only"]]
    assert len(settable) >= 4
    wrong = {
        f: (rule_of(resource_type, camel(f)), provider_rule(facts, f))
        for f in settable
        if rule_of(resource_type, camel(f)) != provider_rule(facts, f)
    }
    assert wrong == {}


def test_the_extract_is_of_the_bridged_provider():
    assert EXTRACT["source"].startswith("hashicorp/terraform-provider-google-beta")
    assert len(EXTRACT["commit"]) == 40


def test_every_row_cites_its_source():
    for resource_type, rows in RULES.items():
        for field, row in rows.items():
            assert ".go" in row.source or "builtins" in row.source, (resource_type, field)


def test_a_zonal_disk_records_every_input_that_would_replace_it():
    assert set(recorded_fields(DISK, "pd-balanced")) == {
        "name",
        "project",
        "type",
        "zone",
        "provisionedIops",
    }
    # On Hyperdisk IOPS are updated in place, so they are no fact of the slot.
    assert "provisionedIops" not in recorded_fields(DISK, "hyperdisk-balanced")
    assert {"region", "replicaZones"} <= set(recorded_fields(REGION_DISK, "pd-ssd"))
    assert set(recorded_fields(PV, "pd-ssd")) == {
        "metadata.name",
        "metadata.namespace",
        "spec.csi",
    }


def test_the_program_ignores_size_snapshot_and_key_and_the_pvs_capacity():
    assert ignored_fields(DISK) == ["size", "snapshot", "diskEncryptionKey"]
    assert ignored_fields(REGION_DISK) == ["size", "snapshot", "diskEncryptionKey"]
    assert ignored_fields(PV) == ["spec.capacity"]


@pytest.mark.parametrize(
    ("old", "new", "replaced"),
    [(100, 200, False), (200, 100, True), (200, 200, False), (200, 199, True)],
)
def test_a_disk_is_replaced_only_when_it_shrinks(old, new, replaced):
    assert forces_replacement(DISK, "size", {"size": old}, {"size": new}) is replaced


@pytest.mark.parametrize(
    ("disk_type", "replaced"),
    [("pd-extreme", True), ("hyperdisk-balanced", False), ("hyperdisk-extreme", False)],
)
def test_iops_replace_a_disk_unless_it_is_hyperdisk(disk_type, replaced):
    old, new = (
        {"type": disk_type, "provisionedIops": 3000},
        {"type": disk_type, "provisionedIops": 4000},
    )
    assert forces_replacement(DISK, "provisionedIops", old, new) is replaced


def test_an_unknown_disk_field_replaces_it_and_an_attachment_cannot_update():
    assert forces_replacement(DISK, "storagePool", {}, {"storagePool": "p"})
    attachment = "gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment"
    assert forces_replacement(attachment, "name", {"name": "a"}, {"name": "b"})


def test_kubernetes_objects_replace_on_their_kinds_list():
    sts = "kubernetes:apps/v1:StatefulSet"
    new = {"kind": "StatefulSet"}
    assert forces_replacement(sts, "spec.volumeClaimTemplates", {}, new)
    assert forces_replacement(sts, "spec.podManagementPolicy", {}, new)
    assert not forces_replacement(sts, "spec.replicas", {}, new)
    patch = "kubernetes:core/v1:PersistentVolumeClaimPatch"
    assert not forces_replacement(patch, "metadata.name", {}, {"kind": "PersistentVolumeClaim"})


def record(**overrides):
    settings = make_settings(**overrides)
    return slot_record(settings, build_blueprint(settings).volumes[0])


def test_a_new_project_is_refused_with_the_key_the_slot_and_both_values():
    (problem,) = slot_problems(record(), record(gcpProject="acme-elsewhere"), 0)
    assert problem.startswith("gcpProject: slot 0 (data-kubia-0) was created with disk project")
    assert '"acme-test-project", now "acme-elsewhere"' in problem
    assert "slotGenerations" in problem


def test_new_iops_are_refused_on_pd_extreme_and_pass_on_hyperdisk():
    extreme = {"diskType": "pd-extreme", "diskSizeGb": 500}
    (problem,) = slot_problems(
        record(**extreme, provisionedIops=3000), record(**extreme, provisionedIops=4000), 0
    )
    assert problem.startswith("provisionedIops: slot 0") and "3000, now 4000" in problem
    hyper = {"diskType": "hyperdisk-balanced"}
    assert (
        slot_problems(
            record(**hyper, provisionedIops=3000), record(**hyper, provisionedIops=4000), 0
        )
        == []
    )


def test_a_new_file_system_is_refused():
    (problem,) = slot_problems(record(), record(fsType="xfs"), 0)
    assert problem.startswith("fsType: slot 0") and '"xfs"' in problem


def test_a_new_key_or_snapshot_is_no_contradiction():
    kms = "projects/acme-security/locations/global/keyRings/disks/cryptoKeys/k2"
    assert slot_problems(record(), record(kmsKey=kms), 0) == []
    assert slot_problems(record(), record(snapshot="snap-1"), 0) == []


def test_a_record_written_before_the_facts_is_still_compared_on_what_it_holds():
    old = {k: v for k, v in record().items() if k != "facts"}
    assert slot_problems(old, record(gcpProject="acme-elsewhere"), 0) == []
    (problem,) = slot_problems(old, record(diskType="pd-ssd"), 0)
    assert problem.startswith("diskType: slot 0")
