"""The change predictor's rules, one resource at a time, and the CI gate on preview files:
pure functions, no render (the verdicts of whole-stack changes are in test_change_preview)."""

from __future__ import annotations

import json

import pytest

from components.offline.change_preview import (
    PreviousStateError,
    ResourceChange,
    changed_paths,
    load_previous,
    recorded_disk_sizes,
    resource_change,
)
from components.offline.render import EXIT_REFUSED, main
from tests.helpers import ROOT, plan_resource


def test_a_stack_export_reads_like_a_plan(tmp_path):
    export = {
        "version": 3,
        "deployment": {
            "resources": [
                {
                    "urn": "urn:pulumi:s::p::pulumi:index:Stash::guard",
                    "type": "pulumi:index:Stash",
                    "custom": True,
                    "inputs": {"input": {"a": 2}},
                    "outputs": {"input": {"a": 2}, "output": {"a": 1}},
                },
                {
                    "urn": "urn:pulumi:s::p::gcp:compute/disk:Disk::d",
                    "type": "gcp:compute/disk:Disk",
                    "custom": True,
                    "protect": True,
                    "inputs": {"name": "d", "zone": "europe-west1-b", "size": 10},
                    "outputs": {"name": "d", "size": 30},
                },
            ]
        },
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    stash, disk = load_previous(path)
    assert stash["inputs"]["input"] == {"a": 1}  # the recorded value, not the latest input
    assert disk["options"]["protect"] is True and disk["name"] == "d"
    # What the disk holds now (grown outside the program), so a shrink is refused against it.
    assert recorded_disk_sizes([stash, disk]) == {"d": 30}


def resource(type_, inputs, **options):
    return plan_resource(type_, "r", inputs, **options)


DISK = "gcp:compute/disk:Disk"


@pytest.mark.parametrize(
    ("change", "action"),
    [
        ({"size": 20}, "update"),
        ({"size": 5}, "replace"),  # a shrink replaces (IsDiskShrinkage)
        ({"labels": {"a": "b"}}, "update"),
        ({"provisionedIops": 4000}, "replace"),  # on pd-* it forces a new disk
        ({"provisionedThroughput": 200}, "update"),
        ({"type": "pd-ssd"}, "replace"),
        ({"zone": "europe-west1-c"}, "replace"),
        ({"project": "elsewhere"}, "replace"),
        ({"snapshot": "s1"}, "replace"),
        ({"diskEncryptionKey": {"kmsKeySelfLink": "k2"}}, "replace"),
    ],
)
def test_the_google_providers_disk_rules(change, action):
    old = {"name": "d", "zone": "europe-west1-b", "type": "pd-balanced", "size": 10}
    result = resource_change(resource(DISK, old), resource(DISK, {**old, **change}))
    assert result.action == action
    assert result.delete_before_replace is (action == "replace")


def test_hyperdisk_iops_update_in_place():
    old = {"name": "d", "zone": "z", "type": "hyperdisk-balanced", "provisionedIops": 3000}
    result = resource_change(resource(DISK, old), resource(DISK, {**old, "provisionedIops": 6000}))
    assert result.action == "update"


def test_ignored_changes_are_not_diffed_and_protection_refuses_a_replacement():
    old = {"name": "d", "zone": "europe-west1-b", "snapshot": "a"}
    new = {**old, "snapshot": "b"}
    ignoring = resource_change(resource(DISK, old), resource(DISK, new, ignoreChanges=["snapshot"]))
    assert ignoring.action == "same"
    protected = resource_change(
        resource(DISK, old, protect=True), resource(DISK, new, protect=True)
    )
    assert protected.action == "refused"


def test_protection_dropped_in_the_same_update_lets_the_engine_replace():
    # step_generator.go: a replacement is refused only when protected before and after.
    old = {"name": "d", "zone": "europe-west1-b", "type": "pd-balanced"}
    new = {**old, "type": "pd-ssd"}
    dropped = resource_change(resource(DISK, old, protect=True), resource(DISK, new))
    assert dropped.action == "replace"
    # A delete is decided by the state alone: still refused.
    assert resource_change(resource(DISK, old, protect=True), None).action == "refused"


def test_a_schedule_policy_is_updated_in_place_but_replaced_for_its_region():
    policy = "gcp:compute/resourcePolicy:ResourcePolicy"
    old = {"name": "p", "region": "r1", "snapshotSchedulePolicy": {"retention": 14}}
    retention = {**old, "snapshotSchedulePolicy": {"retention": 30}}
    assert resource_change(resource(policy, old), resource(policy, retention)).action == "update"
    moved = resource_change(resource(policy, old), resource(policy, {**old, "region": "r2"}))
    assert moved.action == "replace"


def test_a_secret_is_replaced_when_its_data_changes():
    secret = "kubernetes:core/v1:Secret"
    old = {"kind": "Secret", "metadata": {"name": "s"}, "data": {"password": "a"}}
    changed = resource_change(
        resource(secret, old), resource(secret, {**old, "data": {"password": "b"}})
    )
    assert changed.action == "replace" and changed.delete_before_replace is True


def test_deleting_follows_protect_and_retain_on_delete():
    old = {"name": "d", "zone": "z"}
    assert resource_change(resource(DISK, old), None).action == "delete"
    assert resource_change(resource(DISK, old, retainOnDelete=True), None).action == "retain"
    assert resource_change(resource(DISK, old, protect=True), None).action == "refused"


def test_a_kubernetes_object_is_replaced_on_its_force_new_fields_only():
    svc = "kubernetes:core/v1:Service"
    old = {"kind": "Service", "metadata": {"name": "s"}, "spec": {"clusterIP": "None"}}
    new_ip = {**old, "spec": {"clusterIP": "10.0.0.1"}}
    relabelled = {**old, "metadata": {"name": "s", "labels": {"a": "b"}}}
    renamed = {**old, "metadata": {"name": "t"}}
    change = resource_change(resource(svc, old), resource(svc, new_ip))
    assert change.action == "replace" and change.delete_before_replace is True
    assert resource_change(resource(svc, old), resource(svc, relabelled)).action == "update"
    change = resource_change(resource(svc, old), resource(svc, renamed))
    assert change.action == "replace" and change.delete_before_replace is False


def test_a_pv_moved_to_another_disk_is_refused_retained_or_not():
    pv = "kubernetes:core/v1:PersistentVolume"
    old = {"kind": "PersistentVolume", "metadata": {"name": "p"}, "spec": {"csi": {"h": 1}}}
    moved = {**old, "spec": {"csi": {"h": 2}}}
    hangs = resource_change(resource(pv, old), resource(pv, moved))
    assert hangs.action == "refused" and "pv-protection" in hangs.reason
    clash = resource_change(resource(pv, old, retainOnDelete=True), resource(pv, moved))
    assert clash.action == "refused" and "same name" in clash.reason


def test_changed_paths_name_the_leaves_that_differ():
    assert changed_paths({"a": {"b": 1, "c": [1]}}, {"a": {"b": 2, "c": [1]}, "d": 0}) == [
        "a.b",
        "d",
    ]


# --- the CI gate on `pulumi preview --json` ------------------------------------------------

PREVIEWS = ROOT / "tests" / "fixtures" / "previews"


def test_a_preview_that_only_grows_disks_passes(capsys):
    assert main(["--check-preview", str(PREVIEWS / "grow-disks.json")]) == 0
    assert "no disk, PV, StorageClass or snapshot schedule" in capsys.readouterr().out


def test_a_preview_that_moves_a_slot_fails_naming_the_disk_and_the_reason(capsys):
    assert main(["--check-preview", str(PREVIEWS / "move-slot-zone.json")]) == EXIT_REFUSED
    err = capsys.readouterr().err
    assert "disk redis-storage-redis-data-0: replaced (for zone)" in err
    assert "PersistentVolume redis-storage-redis-data-0: replaced (for spec)" in err
    assert "deleted after its replacement" in err


def test_a_preview_that_drops_a_retained_slot_fails_too(capsys):
    assert main(["--check-preview", str(PREVIEWS / "remove-slot.json")]) == EXIT_REFUSED
    assert "dropped from the stack (retained in the cloud" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "expected"),
    [("not json", "is not JSON"), ("[1]", "expected a JSON object"), ("{}", "'steps'")],
)
def test_a_file_that_is_not_a_preview_exits_2(tmp_path, capsys, content, expected):
    path = tmp_path / "p.json"
    path.write_text(content)
    assert main(["--check-preview", str(path)]) == 2
    assert expected in capsys.readouterr().err


def test_rendering_still_needs_a_stack_and_an_output_directory(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--stack", "dev"])
    assert caught.value.code == 2
    assert "--stack and --out are required" in capsys.readouterr().err


# --- every step, whole: action, paths, forcing paths, delete order and reason --------------

URN_DISK = "urn:pulumi:s::p::gcp:compute/disk:Disk::r"
URN_PV = "urn:pulumi:s::p::kubernetes:core/v1:PersistentVolume::r"
PV_TYPE = "kubernetes:core/v1:PersistentVolume"
OLD_DISK = {"name": "d", "project": "p", "zone": "z1", "type": "pd-ssd"}


def test_create_read_forget_retain_and_delete_are_whole_steps():
    disk = resource(DISK, OLD_DISK)
    assert resource_change(None, disk) == ResourceChange(URN_DISK, DISK, "create")
    read = {**disk, "read": True}
    assert resource_change(None, read) == ResourceChange(URN_DISK, DISK, "read")
    assert resource_change(read, None) == ResourceChange(URN_DISK, DISK, "forget")
    # The same disk read (its id): a relinquish, nothing deleted, but the disk leaves the
    # stack's care: refused. Another id: see tests/test_deployed_disk.py (read-replacement).
    same = {**read, "inputs": {"id": "projects/p/zones/z1/disks/d"}}
    assert resource_change(disk, same).action == "refused"
    assert resource_change(disk, None) == ResourceChange(URN_DISK, DISK, "delete")
    kept = resource(DISK, OLD_DISK, retainOnDelete=True)
    assert resource_change(kept, None) == ResourceChange(URN_DISK, DISK, "retain")
    protected = resource(DISK, OLD_DISK, protect=True)
    assert resource_change(protected, None) == ResourceChange(
        URN_DISK, DISK, "refused", reason="protected: the delete is refused"
    )
    assert resource_change(disk, disk) == ResourceChange(URN_DISK, DISK, "same")


def test_an_update_lists_its_paths_and_defaults_are_not_a_change():
    old = resource(DISK, {**OLD_DISK, "labels": {"a": "1"}})
    new = resource(DISK, {**OLD_DISK, "labels": {"a": "2"}, "__defaults": ["x"]})
    assert resource_change(old, new) == ResourceChange(URN_DISK, DISK, "update", ["labels.a"])


def test_a_replacement_asked_for_by_replace_on_changes():
    old = resource(DISK, {**OLD_DISK, "labels": {"a": "1"}})
    new = resource(DISK, {**OLD_DISK, "labels": {"a": "2"}}, replaceOnChanges=["labels"])
    assert resource_change(old, new) == ResourceChange(
        URN_DISK, DISK, "replace", ["labels.a"], ["labels.a"], True
    )
    everything = resource(DISK, {**OLD_DISK, "labels": {"a": "2"}}, replaceOnChanges=["*"])
    assert resource_change(old, everything).action == "replace"


def test_a_protected_replacement_is_refused_whole():
    old = resource(DISK, OLD_DISK, protect=True)
    new = resource(DISK, {**OLD_DISK, "type": "pd-balanced"}, protect=True)
    assert resource_change(old, new) == ResourceChange(
        URN_DISK, DISK, "refused", ["type"], ["type"], True, "protected: the replacement is refused"
    )


def test_a_renamed_disk_is_created_first():
    old = resource(DISK, OLD_DISK)
    new = resource(DISK, {**OLD_DISK, "name": "e"})
    assert resource_change(old, new) == ResourceChange(
        URN_DISK, DISK, "replace", ["name"], ["name"], False
    )


def test_a_retained_disk_replaced_in_place_is_refused_and_elsewhere_left_behind():
    old = resource(DISK, OLD_DISK, retainOnDelete=True)
    retyped = resource(DISK, {**OLD_DISK, "type": "pd-balanced"})
    assert resource_change(old, retyped) == ResourceChange(
        URN_DISK,
        DISK,
        "refused",
        ["type"],
        ["type"],
        True,
        "the old one is retained under the same name and in the same place, so creating the "
        "new one fails half-way",
    )
    moved = resource(DISK, {**OLD_DISK, "zone": "z2"})
    assert resource_change(old, moved) == ResourceChange(
        URN_DISK,
        DISK,
        "replace",
        ["zone"],
        ["zone"],
        True,
        "the old one stays, outside the state, in project p, z1",
    )


def test_a_schedule_attachment_is_placed_by_its_disk_too():
    attachment = "gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment"
    inputs = {"name": "pol", "project": "p", "zone": "z1", "disk": "d1"}
    old = resource(attachment, inputs, retainOnDelete=True)
    new = resource(attachment, {**inputs, "disk": "d2"})
    change = resource_change(old, new)
    assert change.action == "replace"
    assert change.reason == "the old one stays, outside the state, in project p, z1, disk d1"


def test_a_pv_replaced_while_its_claim_holds_it_hangs():
    spec = {"csi": {"volumeHandle": "a"}, "claimRef": {"name": "c"}}
    old = resource(PV_TYPE, {"kind": "PersistentVolume", "metadata": {"name": "v"}, "spec": spec})
    new_spec = {**spec, "csi": {"volumeHandle": "b"}}
    new = resource(PV_TYPE, {**old["inputs"], "spec": new_spec})
    assert resource_change(old, new) == ResourceChange(
        URN_PV,
        PV_TYPE,
        "refused",
        ["spec.csi.volumeHandle"],
        ["spec.csi.volumeHandle"],
        True,
        "the old PV cannot be deleted while a claim is bound to it (pv-protection), so the "
        "update hangs; delete the claim first",
    )
    # A cluster-scoped object retained under its name: refused, said of the cluster.
    retained = resource(PV_TYPE, old["inputs"], retainOnDelete=True)
    assert resource_change(retained, new).reason.startswith("the old one is retained")


# --- a `pulumi stack export` read as a plan -------------------------------------------------


def test_every_field_of_a_stack_export_is_read_as_the_plan_has_it(tmp_path):
    stack = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s"
    export = {
        "deployment": {
            "resources": [
                {
                    "urn": "urn:pulumi:s::p::pulumi:providers:gcp::default",
                    "type": "pulumi:providers:gcp",
                },
                {
                    "urn": "urn:pulumi:s::p::gcp:compute/disk:Disk::adopted",
                    "type": "gcp:compute/disk:Disk",
                    "custom": True,
                    "external": True,
                    "id": "projects/p/zones/z/disks/pv-a",
                    "inputs": {"name": "pv-a", "size": 10},
                    "outputs": {"size": 50},
                },
                {
                    "urn": "urn:pulumi:s::p::gcp:compute/disk:Disk::d",
                    "type": "gcp:compute/disk:Disk",
                    "custom": True,
                    "retainOnDelete": True,
                    "parent": stack,
                    "dependencies": ["urn:a"],
                    "inputs": {"name": "d", "size": 10},
                    "outputs": {"name": "d"},
                },
                {
                    "urn": "urn:pulumi:s::p::pulumi:index:Stash::record",
                    "type": "pulumi:index:Stash",
                    "inputs": {"input": {"a": 1}},
                },
            ]
        }
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    adopted, disk, stash = load_previous(path)
    assert adopted == {
        "urn": "urn:pulumi:s::p::gcp:compute/disk:Disk::adopted",
        "type": "gcp:compute/disk:Disk",
        "name": "adopted",
        "custom": True,
        "read": True,
        "parent": None,
        "dependencies": [],
        "options": {
            "protect": False,
            "retainOnDelete": False,
            "ignoreChanges": [],
            "replaceOnChanges": [],
        },
        "inputs": {"id": "projects/p/zones/z/disks/pv-a"},
    }
    # A managed disk without a size output keeps the size it was given.
    assert disk["inputs"] == {"name": "d", "size": 10}
    assert disk["options"]["retainOnDelete"] is True and disk["options"]["protect"] is False
    assert disk["parent"] == stack and disk["dependencies"] == ["urn:a"]
    assert disk["custom"] is True and disk["read"] is False
    # A Stash with no output yet stands for its input.
    assert stash["inputs"] == {"input": {"a": 1}} and stash["custom"] is False


@pytest.mark.parametrize("content", ['{"deployment": []}', '{"resources": {}}', "[]"])
def test_a_file_that_is_neither_a_plan_nor_an_export_is_refused(tmp_path, content):
    path = tmp_path / "x.json"
    path.write_text(content)
    with pytest.raises(PreviousStateError, match=r"is neither a plan\.json"):
        load_previous(path)
