"""`render --previous`: what a config change does to each claim's data, and when it is refused.

Each case renders a stack as deployed, then the changed config against that plan, through the
renderer's command line in-process, and checks the verdict per claim and the exit status.
"""

from __future__ import annotations

import json

import pytest

from components.change_preview import (
    ResourceChange,
    changed_paths,
    compare,
    load_previous,
    recorded_disk_sizes,
    resource_change,
)
from components.render import EXIT_REFUSED, main
from tests.helpers import ROOT

# The integration tier (renders before and after a change (transitions)).
pytestmark = pytest.mark.integration

KEEPS = "keeps its disk"
NEW = "new empty disk"
REFUSED = "refused"


def preview(tmp_path, stack, *changes, before=()):
    """Exit status and per-claim verdicts of `changes` applied to the deployed `stack`."""
    deployed = tmp_path / "before"
    args = ["--stack", stack, "--program", str(ROOT)]
    overrides = [x for change in before for x in ("--config", change)]
    assert main([*args, *overrides, "--out", str(deployed)]) == 0
    after = tmp_path / "after"
    overrides = [x for change in (*before, *changes) for x in ("--config", change)]
    code = main([*args, *overrides, "--out", str(after), "--previous", str(deployed / "plan.json")])
    if not (after / "plan.json").exists():
        return code, None
    report = json.loads((after / "plan.json").read_text())["changes"]
    return code, {s["pvc"].split("/")[-1]: s["verdict"] for s in report["slots"]}


CASES = [
    # stack, change, expected exit, expected verdict per claim (None: the program refuses)
    ("dev", "storage.diskSizeGb=20", 0, {"data-kubia-0": KEEPS}),
    ("dev", "image=luksa/kubia-pet:v2", 0, {"data-kubia-0": KEEPS}),
    ("dev", "storage.storageSlots=2", 0, {"data-kubia-0": KEEPS, "data-kubia-1": NEW}),
    ("dev", 'storage.zones=["europe-west1-c"]', EXIT_REFUSED, None),
    ("dev", "storage.diskType=pd-ssd", EXIT_REFUSED, None),
    (
        "staging",
        "storage.diskSizeGb=80",
        0,
        {"redis-data-redis-0": KEEPS, "redis-data-redis-1": KEEPS},
    ),
    ("staging", "replicas=1", 0, {"redis-data-redis-0": KEEPS, "redis-data-redis-1": KEEPS}),
    ("staging", "storage.diskType=pd-ssd", EXIT_REFUSED, None),
    # The old generation's disk and PV would leave the stack: protected, so refused.
    ("staging", "storage.slotGenerations=[0, 1]", EXIT_REFUSED, {"redis-data-redis-1": REFUSED}),
    ("dev", "storage.slotGenerations=[1]", 0, {"data-kubia-0": NEW}),
    ("staging", "rollout.podManagementPolicy=Parallel", EXIT_REFUSED, None),
    ("staging", "volumeScope=redis-stage2", EXIT_REFUSED, None),
    ("staging", "namespace=cache", EXIT_REFUSED, None),
    ("prod", "storage.diskSizeGb=300", 0, {f"redis-data-redis-{i}": KEEPS for i in range(3)}),
    (
        "prod",
        "storage.kmsKey=projects/acme-security/locations/us-central1/keyRings/disks/cryptoKeys/k2",
        0,
        {"redis-data-redis-0": KEEPS},
    ),
    (
        "prod",
        'storage.placement=["us-central1-b", "us-central1-b", "us-central1-c"]',
        EXIT_REFUSED,
        None,
    ),
    ("prod", "storage.diskType=pd-balanced", EXIT_REFUSED, None),
    # A schedule's policy is updated in place (the Google provider's Update through PATCH).
    ("prod", "snapshots.snapshotRetentionDays=30", 0, {"redis-data-redis-0": KEEPS}),
    # Each replace-forcing fact of a slot's disk is recorded and guarded by the program.
    ("dev", "gcpProject=acme-elsewhere", EXIT_REFUSED, None),
    ("prod", "gcpProject=acme-elsewhere", EXIT_REFUSED, None),
    ("dev", "storage.fsType=xfs", EXIT_REFUSED, None),
]


@pytest.mark.parametrize(("stack", "change", "code", "verdicts"), CASES)
def test_the_verdict_of_each_change(tmp_path, stack, change, code, verdicts):
    got_code, got = preview(tmp_path, stack, change)
    assert got_code == code
    if verdicts is None:
        assert got is None  # refused by the program before anything was written
    else:
        for claim, verdict in verdicts.items():
            assert got[claim] == verdict, (claim, got)


def test_removing_a_retired_slot_is_refused_unless_data_deletion_is_allowed(tmp_path):
    code, got = preview(tmp_path / "s", "staging", "storage.storageSlots=1", before=["replicas=1"])
    assert code == EXIT_REFUSED and got["redis-data-redis-1"] == REFUSED
    code, got = preview(
        tmp_path / "d", "dev", "storage.storageSlots=1", before=["storage.storageSlots=2"]
    )
    assert code == 0 and got["data-kubia-1"] == "slot removed, disk and PV deleted"


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
    base = {"protect": False, "retainOnDelete": False, "ignoreChanges": [], "replaceOnChanges": []}
    return {
        "urn": f"urn:pulumi:s::p::{type_}::r",
        "type": type_,
        "read": False,
        "options": {**base, **options},
        "inputs": inputs,
    }


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


def test_nothing_changes_when_nothing_changed(tmp_path):
    code, got = preview(tmp_path, "prod")
    assert code == 0 and set(got.values()) == {KEEPS}
    report = compare([], [])
    assert report.slots == [] and not report.refused
    assert ResourceChange("u", "t", "same").action == "same"


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


def test_lowering_a_generation_is_refused(tmp_path):
    code, got = preview(
        tmp_path,
        "staging",
        "storage.slotGenerations=[0, 0]",
        before=["storage.slotGenerations=[0, 1]"],
    )
    assert code == EXIT_REFUSED and got["redis-data-redis-1"] == REFUSED
    assert got["redis-data-redis-0"] == KEEPS


def test_lowering_a_generation_on_an_unprotected_stack_exits_3_naming_the_key(tmp_path, capsys):
    # Nothing is protected in dev: only the slot's verdict refuses the change.
    code, got = preview(
        tmp_path, "dev", "storage.slotGenerations=[0]", before=["storage.slotGenerations=[1]"]
    )
    assert code == EXIT_REFUSED and got == {"data-kubia-0": REFUSED}
    out = capsys.readouterr().out
    assert "storage.slotGenerations: its generation went down (1 -> 0)" in out
    assert out.count("its generation went down") == 1


def test_dropping_protection_with_a_replace_forcing_change_is_refused(tmp_path):
    # The engine would let it through (protected before but not after): the program's slot
    # records refuse it before anything registers.
    code, got = preview(
        tmp_path,
        "prod",
        "protection.protect=false",
        "protection.allowDataDeletion=true",
        "storage.diskType=pd-balanced",
    )
    assert code == EXIT_REFUSED and got is None


def test_allowing_data_deletion_cannot_ride_along_with_removing_a_slot(tmp_path):
    # The engine judges a removed resource by the protection it was deployed with.
    code, got = preview(
        tmp_path,
        "staging",
        "protection.allowDataDeletion=true",
        "storage.storageSlots=1",
        before=["replicas=1"],
    )
    assert code == EXIT_REFUSED and got["redis-data-redis-1"] == REFUSED


def test_a_new_generation_for_the_primary_replaces_every_replicas_data(tmp_path):
    unguarded = [
        "redis.replication=true",
        "protection.protect=false",
        "protection.allowDataDeletion=true",
    ]
    code, got = preview(tmp_path, "prod", "storage.slotGenerations=[1]", before=unguarded)
    assert code == 0
    assert got == {
        "redis-data-redis-0": NEW,
        "redis-data-redis-1": "keeps its disk, contents replaced",
        "redis-data-redis-2": "keeps its disk, contents replaced",
    }
    # A replica's new generation touches no other pod's data.
    code, got = preview(tmp_path / "r", "prod", "storage.slotGenerations=[0, 1]", before=unguarded)
    assert got == {
        "redis-data-redis-0": KEEPS,
        "redis-data-redis-1": NEW,
        "redis-data-redis-2": KEEPS,
    }


def test_turning_replication_on_with_shifted_ordinals_names_the_right_primary(tmp_path):
    code, got = preview(
        tmp_path, "prod", "redis.replication=true", before=["rollout.ordinalsStart=1"]
    )
    assert code == 0
    assert got == {
        "redis-data-redis-1": KEEPS,
        "redis-data-redis-2": "keeps its disk, contents replaced",
        "redis-data-redis-3": "keeps its disk, contents replaced",
    }


def test_turning_replication_on_replaces_the_replicas_data_and_says_so(tmp_path):
    code, got = preview(tmp_path / "on", "prod", "redis.replication=true")
    assert code == 0
    assert got == {
        "redis-data-redis-0": KEEPS,  # the primary keeps its data
        "redis-data-redis-1": "keeps its disk, contents replaced",
        "redis-data-redis-2": "keeps its disk, contents replaced",
    }
    # Once replicating, further changes replace nothing more.
    code, got = preview(
        tmp_path / "later", "prod", "container.memoryLimit=3Gi", before=["redis.replication=true"]
    )
    assert code == 0 and set(got.values()) == {KEEPS}


LOOP_CHECK = """
import asyncio, atexit, sys, threading, weakref
made = weakref.WeakSet()
init = asyncio.BaseEventLoop.__init__
def tracking(self, *args, **kwargs):
    init(self, *args, **kwargs)
    if threading.current_thread() is not threading.main_thread():
        made.add(self)
asyncio.BaseEventLoop.__init__ = tracking
# Registered first, so it runs last: after the renderer's own exit handlers.
atexit.register(lambda: print("open loops:", sum(not loop.is_closed() for loop in made)))
from components.render import main
code = main(sys.argv[1:])
print("exit", code)
"""


def test_a_refused_render_leaves_no_event_loop_for_the_collector(tmp_path):
    # An event loop left open at exit is closed by the garbage collector after its self-pipe
    # is gone, which printed a traceback in about one exit in ten.
    import subprocess
    import sys

    deployed = tmp_path / "before"
    assert main(["--stack", "dev", "--out", str(deployed), "--program", str(ROOT)]) == 0
    args = ["--stack", "dev", "--out", str(tmp_path / "after"), "--program", str(ROOT)]
    args += ["--config", "storage.diskType=pd-ssd", "--previous", str(deployed / "plan.json")]
    done = subprocess.run(
        [sys.executable, "-c", LOOP_CHECK, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "exit 3" in done.stdout
    assert "open loops: 0" in done.stdout, done.stdout
    assert "Traceback" not in done.stderr
