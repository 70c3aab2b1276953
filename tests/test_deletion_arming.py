"""`allowDataDeletion` lets a scale-down delete claims only once an earlier update recorded it.

Each test deploys one config, then runs the next against what the first left in the state
(the Stashes' recorded values), as `pulumi up` would.
"""

from __future__ import annotations

import json

import pulumi

from components.app import StatefulApp
from components.deletion_arming import deletion_arming
from components.offline.change_preview import compare, load_previous
from components.offline.plan import plan
from components.stack.stack_config import SECRET_PLACEHOLDER
from tests.helpers import app_args, make_settings, resolve, run_under_mocks
from tests.test_replacement_guard import run, statefulset

RECORD = "app-workload-deletion-armed"
# How the engine's wire format marks a secret (pulumi sdk/python/lib/pulumi/runtime/rpc.py).
SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d"
KEPT = {"whenDeleted": "Retain", "whenScaled": "Retain"}
# Claims go with the StatefulSet, and with the pods a scale-down removes.
FOLLOW = {"whenDeleted": "Delete", "whenScaled": "Delete"}
# Claims go with the StatefulSet only.
WITH_THE_STATEFULSET = {"whenDeleted": "Delete", "whenScaled": "Retain"}
UNGUARDED = ("protection.protect=false", "protection.allowDataDeletion=true")


def retention(state) -> dict[str, str]:
    return statefulset(state).inputs["spec"]["persistentVolumeClaimRetentionPolicy"]


def records(state) -> list:
    return [r for r in state.registrations if r.name == RECORD]


def trigger(state) -> object:
    """The record's replacement trigger: the setting it was registered with."""
    (record,) = records(state)
    return record.options["replacementTrigger"]


def test_the_update_that_allows_deletion_with_a_scale_down_keeps_the_claims():
    # The engine refuses the PVs' and disks' deletes here (protected before the update):
    # the claims must not go either, or their PVs would be left Released.
    deployed = run("staging")
    assert retention(deployed) == KEPT and trigger(deployed) is False
    arming = run("staging", *UNGUARDED, "replicas=1", "storage.storageSlots=1", state=deployed)
    assert retention(arming) == WITH_THE_STATEFULSET
    assert trigger(arming) is True
    # The next update, the setting recorded: a scale-down's claims go with their pods.
    armed = run("staging", *UNGUARDED, "replicas=1", "storage.storageSlots=1", state=arming)
    assert retention(armed) == FOLLOW


def test_a_new_stack_that_allows_deletion_arms_it_from_its_second_update():
    first = run("dev")
    assert retention(first) == WITH_THE_STATEFULSET
    assert retention(run("dev", state=first)) == FOLLOW
    # Retired slots keep their claims, armed or not.
    assert retention(run("dev", "replicas=0", state=first)) == WITH_THE_STATEFULSET


def test_turning_deletion_off_replaces_the_record_so_turning_it_on_waits_again():
    armed = run("dev", state=run("dev"))
    assert retention(armed) == FOLLOW
    off = run("dev", "protection.allowDataDeletion=false", state=armed)
    assert retention(off) == KEPT and trigger(off) is False
    assert retention(run("dev", state=off)) == WITH_THE_STATEFULSET


def test_an_off_update_that_fails_still_disarms_the_next_on_update():
    """The engine deletes removed resources only at the end of a successful update; the
    record is replaced when it registers, so the state after a failed "off" update holds
    the record made while off, beside everything else as the armed update left it."""
    armed = run("dev", state=run("dev"))
    off = run("dev", "protection.allowDataDeletion=false", state=armed)
    (replaced,) = [r for r in plan(off)["resources"] if r["name"] == RECORD]
    failed = [replaced if r["name"] == RECORD else r for r in plan(armed)["resources"]]
    assert retention(run("dev", resources=failed)) == WITH_THE_STATEFULSET
    # Without the replacement (the record as the armed update left it), it would be armed.
    assert retention(run("dev", resources=plan(armed)["resources"])) == FOLLOW


def test_the_record_is_a_secret_and_renders_stay_the_same():
    first, second = plan(run("dev")), plan(run("dev"))
    assert first == second
    (record,) = [r for r in first["resources"] if r["name"] == RECORD]
    assert record["inputs"] == {"input": SECRET_PLACEHOLDER}
    assert record["options"].get("ignoreChanges") == ["input"]
    assert record["options"].get("replacementTrigger") is True  # dev allows deletion


class StashEngine(pulumi.runtime.Mocks):
    """The Stash provider as the engine runs it (pulumi builtins.go): Create copies the input
    to the output; a Stash the state already holds keeps its recorded output."""

    def __init__(self, recorded: object = None) -> None:
        self.recorded = recorded
        self.inputs: list[object] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        self.inputs.append(args.inputs["input"])
        output = args.inputs["input"] if self.recorded is None else self.recorded
        return "stash-id", {"input": args.inputs["input"], "output": output}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        return {}, None


def armed_under(engine: StashEngine) -> bool:
    pulumi.runtime.set_mocks(engine, project="p", stack="s", preview=False)
    settings = make_settings(allowDataDeletion=True, protect=False)
    return resolve(deletion_arming("record", settings, pulumi.ResourceOptions()).armed)


def test_each_run_records_a_value_of_its_own_so_a_later_run_tells_the_record_is_older():
    first = StashEngine()
    assert armed_under(first) is False  # created in this run: not armed yet
    (recorded,) = first.inputs
    # A secret (the engine's wrapping: kept encrypted in the state) of a value of its own.
    assert recorded.keys() == {SECRET_SIGNATURE_KEY, "value"}
    value = recorded["value"]
    assert isinstance(value, str) and len(value) == 32 and int(value, 16) >= 0
    later = StashEngine(recorded=recorded)  # what the state keeps (ignoreChanges: input)
    assert armed_under(later) is True
    assert later.inputs[0]["value"] != value


def test_the_preview_shows_each_turn_of_the_setting_as_the_records_replacement():
    armed = run("dev", state=run("dev"))
    off = run("dev", "protection.allowDataDeletion=false", state=armed)
    steps = {
        c.urn.rsplit("::", 1)[-1]: c
        for c in compare(plan(armed)["resources"], plan(off)["resources"]).resources
    }
    step = steps[RECORD]
    assert (step.action, step.forces_replacement) == ("replace", ["replacementTrigger"])
    assert not step.delete_before_replace  # made before the old one goes
    # No turn, no step: the kept input and the same trigger.
    again = run("dev", state=armed)
    steps = {
        c.urn.rsplit("::", 1)[-1]: c
        for c in compare(plan(armed)["resources"], plan(again)["resources"]).resources
    }
    assert steps[RECORD].action == "same"


def test_the_record_turns_before_any_disk_or_pv_changes_its_protection():
    """An update stops at its first failing step: the disks and PVs wait on the record, so
    an "off" update never protects them and then fails before the record turns (which would
    leave an armed record beside protected PVs)."""
    state = run("prod")
    (record,) = records(state)
    data = [
        r
        for r in state.registrations
        if r.type
        in (
            "gcp:compute/disk:Disk",
            "gcp:compute/regionDisk:RegionDisk",
            "kubernetes:core/v1:PersistentVolume",
            "kubernetes:storage.k8s.io/v1:StorageClass",
            "gcp:compute/resourcePolicy:ResourcePolicy",
        )
    ]
    assert len(data) >= 7
    for r in data:
        assert record.urn in r.dependencies, r.name
    assert state.registrations.index(record) < min(state.registrations.index(r) for r in data)
    assert record.options["protect"] is False  # a protected record would refuse each turn


def test_the_record_stays_unprotected_under_a_protected_app():
    """A consumer's `protect: true` on the component reaches its children; the record says
    otherwise, or the engine would refuse every turn of the setting (protected before and
    after a replacement)."""
    settings = make_settings()
    _, registrations = run_under_mocks(
        lambda: StatefulApp("kubia", app_args(settings), pulumi.ResourceOptions(protect=True))
    )
    (record,) = [r for r in registrations if r.name.endswith("deletion-armed")]
    assert record.options["protect"] is False
    disks = [r for r in registrations if r.type == "gcp:compute/disk:Disk"]
    assert disks and all(d.options["protect"] for d in disks)


def export_of(resources: list[dict], pending: list[dict] = ()) -> dict:
    """A `pulumi stack export` holding `resources` (plan entries), then `pending`: the old
    halves of replacements an update left marked for deletion, written after the new ones."""

    def entry(r: dict, delete: bool = False) -> dict:
        stash = r["type"] == "pulumi:index:Stash"
        trigger = r["options"].get("replacementTrigger")
        return {
            "urn": r["urn"],
            "type": r["type"],
            "custom": r["custom"],
            "parent": r["parent"],
            "protect": r["options"]["protect"],
            "inputs": r["inputs"],
            "outputs": {"output": r["inputs"]["input"]} if stash else {},
            **({} if trigger is None else {"replacementTrigger": trigger}),
            **({"delete": True} if delete else {}),
        }

    entries = [entry(r) for r in resources] + [entry(r, delete=True) for r in pending]
    return {"version": 3, "deployment": {"resources": entries}}


def test_a_stack_export_after_a_failed_off_update_is_read_as_the_engine_reads_it(tmp_path):
    """The new record (made while off) and the old one pending delete: `--previous` reads the
    new one and its trigger, so the next "on" update waits, and shows the turn."""
    armed = run("dev", state=run("dev"))
    off = run("dev", "protection.allowDataDeletion=false", state=armed)
    (old,) = [r for r in plan(armed)["resources"] if r["name"] == RECORD]
    (new,) = [r for r in plan(off)["resources"] if r["name"] == RECORD]
    resources = [new if r["name"] == RECORD else r for r in plan(armed)["resources"]]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export_of(resources, pending=[old])))
    loaded = load_previous(path)
    (record,) = [r for r in loaded if r["name"] == RECORD]
    assert record["options"]["replacementTrigger"] is False
    on = run("dev", resources=loaded)
    assert retention(on) == WITH_THE_STATEFULSET
    steps = {c.urn.rsplit("::", 1)[-1]: c for c in compare(loaded, plan(on)["resources"]).resources}
    assert steps[RECORD].forces_replacement == ["replacementTrigger"]


def test_a_record_under_another_urn_is_a_new_record():
    """The engine finds a resource's state by URN (or alias), not by name: a record the state
    holds under another parent is another resource, so this one is created and not armed."""
    armed = run("dev", state=run("dev"))
    moved = [
        {
            **r,
            "urn": r["urn"].replace("$pulumi:index:Stash::", "$x:index:Other$pulumi:index:Stash::"),
        }
        if r["name"] == RECORD
        else r
        for r in plan(armed)["resources"]
    ]
    assert retention(run("dev", resources=moved)) == WITH_THE_STATEFULSET
    assert retention(run("dev", resources=plan(armed)["resources"])) == FOLLOW
