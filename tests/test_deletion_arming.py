"""`allowDataDeletion` lets a scale-down delete claims only once an earlier update recorded it.

Each test deploys one config, then runs the next against what the first left in the state
(the Stashes' recorded values), as `pulumi up` would.
"""

from __future__ import annotations

from components.offline.plan import plan
from components.stack.stack_config import SECRET_PLACEHOLDER
from tests.test_replacement_guard import run, statefulset

RECORD = "app-workload-deletion-armed"
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


def test_the_update_that_allows_deletion_with_a_scale_down_keeps_the_claims():
    # The engine refuses the PVs' and disks' deletes here (protected before the update):
    # the claims must not go either, or their PVs would be left Released.
    deployed = run("staging")
    assert retention(deployed) == KEPT and not records(deployed)
    arming = run("staging", *UNGUARDED, "replicas=1", "storage.storageSlots=1", state=deployed)
    assert retention(arming) == WITH_THE_STATEFULSET
    (record,) = records(arming)
    assert record.parent == statefulset(arming).parent
    # The next update, the setting recorded: a scale-down's claims go with their pods.
    armed = run("staging", *UNGUARDED, "replicas=1", "storage.storageSlots=1", state=arming)
    assert retention(armed) == FOLLOW


def test_a_new_stack_that_allows_deletion_arms_it_from_its_second_update():
    first = run("dev")
    assert retention(first) == WITH_THE_STATEFULSET
    assert retention(run("dev", state=first)) == FOLLOW
    # Retired slots keep their claims, armed or not.
    assert retention(run("dev", "replicas=0", state=first)) == WITH_THE_STATEFULSET


def test_turning_deletion_off_forgets_the_record():
    armed = run("dev", state=run("dev"))
    assert retention(armed) == FOLLOW
    off = run("dev", "protection.allowDataDeletion=false", state=armed)
    assert retention(off) == KEPT and not records(off)
    assert retention(run("dev", state=off)) == WITH_THE_STATEFULSET


def test_the_record_is_a_secret_and_renders_stay_the_same():
    first, second = plan(run("dev")), plan(run("dev"))
    assert first == second
    (record,) = [r for r in first["resources"] if r["name"] == RECORD]
    assert record["inputs"] == {"input": SECRET_PLACEHOLDER}
    assert record["options"].get("ignoreChanges") == ["input"]
