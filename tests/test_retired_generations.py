"""Moving a slot in a protected stack: the old generation stays, retired, frozen and protected.

Each case renders a stack as deployed, then the change against that plan (`render --previous`),
and reads what the engine would do to each resource and each claim.
"""

from __future__ import annotations

import json

import pytest
import yaml

from components.offline.render import EXIT_INVALID, EXIT_REFUSED, main
from tests.helpers import ROOT

pytestmark = pytest.mark.integration

MOVE = [
    "storage.slotGenerations=[0, 1]",
    'snapshots.slotSnapshots=["", "redis-1-moved"]',
]
DISK, STASH = "gcp:compute/disk:Disk", "pulumi:index:Stash"
KEEP_GEN_0 = "storage.retiredGenerations=[[], [0]]"


def render(tmp_path, stack, *config, previous=None):
    """Exit status and plan of `stack` with `config`, against `previous` when given."""
    out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
    args = ["--stack", stack, "--program", str(ROOT), "--out", str(out)]
    args += [x for change in config for x in ("--config", change)]
    if previous is not None:
        args += ["--previous", str(previous)]
    code = main(args)
    plan = out / "plan.json"
    return code, (json.loads(plan.read_text()) if plan.exists() else None), plan


def steps(plan):
    """The engine's step per resource, by (logical name, type); "same" when unchanged."""
    changed = {(c["urn"].rsplit("::", 1)[-1], c["type"]): c for c in plan["changes"]["resources"]}
    result = {}
    for r in plan["resources"]:
        key = (r["urn"].rsplit("::", 1)[-1], r["type"])
        result[key] = changed.pop(key, {"action": "same"})["action"]
    return result | {key: c["action"] for key, c in changed.items()}


def verdicts(plan):
    return {s["pvc"].split("/")[-1]: s for s in plan["changes"]["slots"]}


def test_moving_a_slot_in_a_protected_stack_keeps_the_old_generation(tmp_path):
    _, _, deployed = render(tmp_path, "prod")
    code, plan, plan_path = render(tmp_path, "prod", *MOVE, KEEP_GEN_0, previous=deployed)
    assert code == 0
    slots = verdicts(plan)
    assert slots["redis-data-redis-1"]["verdict"] == "new disk from snapshot redis-1-moved"
    assert {slots[f"redis-data-redis-{i}"]["verdict"] for i in (0, 2)} == {"keeps its disk"}
    got = steps(plan)
    # Generation 0 of slot 1: untouched, still protected; generation 1 created beside it.
    assert got[("app-storage-redis-data-1", DISK)] == "same"
    # Its record now also says it is retired; what it recorded stays (a Stash keeps it).
    assert got[("app-storage-redis-data-1-record", STASH)] == "update"
    assert got[("app-storage-redis-data-1-g1", DISK)] == "create"
    kept = [
        r
        for r in plan["resources"]
        if r["urn"].endswith("::app-storage-redis-data-1") and r["type"] != "pulumi:index:Stash"
    ]
    assert len(kept) == 3  # disk, schedule attachment, PV
    assert all(r["options"]["protect"] and r["options"]["ignoreChanges"] == ["*"] for r in kept)
    # manifests.yaml holds what the update writes: the frozen PV is not written again.
    pvs = [
        m["metadata"]["name"]
        for m in yaml.safe_load_all((plan_path.parent / "manifests.yaml").read_text())
        if m and m["kind"] == "PersistentVolume"
    ]
    assert len(pvs) == 3 and not any(name.endswith("-1") for name in pvs)


def test_the_update_after_the_move_reads_each_record_as_the_engine_keeps_it(tmp_path):
    """A record's value is what its Stash recorded at creation, not its latest input (which
    marks the generation retired): the same config again changes nothing and is not
    refused, in a chain of renders as in a stack export."""
    _, _, deployed = render(tmp_path, "prod")
    _, moved, moved_path = render(tmp_path, "prod", *MOVE, KEEP_GEN_0, previous=deployed)
    (record,) = [r for r in moved["resources"] if r["name"] == "app-storage-redis-data-1-record"]
    assert record["inputs"]["input"]["retired"] is True
    assert "retired" not in record["outputs"]["output"]
    code, again, _ = render(tmp_path, "prod", *MOVE, KEEP_GEN_0, previous=moved_path)
    assert code == 0
    assert {s["verdict"] for s in again["changes"]["slots"]} == {"keeps its disk"}


def test_moving_a_slot_without_keeping_the_old_generation_names_the_setting(tmp_path, capsys):
    _, _, deployed = render(tmp_path, "prod")
    capsys.readouterr()
    code, plan, _ = render(tmp_path, "prod", *MOVE, previous=deployed)
    assert code == EXIT_REFUSED
    slot = verdicts(plan)["redis-data-redis-1"]
    assert slot["verdict"] == "refused"
    assert slot["reason"].startswith("storage.retiredGenerations: generation 0 of the slot")
    assert "adding 0 to the slot's retiredGenerations entry" in slot["reason"]
    assert "storage.retiredGenerations: generation 0" in capsys.readouterr().out


def test_a_retired_generation_is_frozen_even_when_the_slot_moves_zone(tmp_path):
    # The slot's new generation goes to another zone; its retired disk stays where it is.
    _, _, deployed = render(tmp_path, "prod")
    zone = 'storage.placement=["us-central1-a", "us-central1-c", "us-central1-c"]'
    code, plan, _ = render(tmp_path, "prod", *MOVE, KEEP_GEN_0, zone, previous=deployed)
    assert code == 0
    got = steps(plan)
    assert (
        got[("app-storage-redis-data-1", DISK)] == "same"
        and got[("app-storage-redis-data-1-g1", DISK)] == "create"
    )
    new_disk = next(
        r
        for r in plan["resources"]
        if r["urn"].endswith("::app-storage-redis-data-1-g1")
        and r["type"] == "gcp:compute/disk:Disk"
    )
    assert new_disk["inputs"]["zone"] == "us-central1-c"


def test_a_generation_the_stack_never_created_cannot_be_kept(tmp_path, capsys):
    # Deployed straight at generation 1: generation 0 never existed in this stack.
    _, _, deployed = render(tmp_path, "dev", "storage.slotGenerations=[1]")
    capsys.readouterr()
    code, plan, _ = render(
        tmp_path,
        "dev",
        "storage.slotGenerations=[1]",
        "storage.retiredGenerations=[[0]]",
        previous=deployed,
    )
    assert code == EXIT_REFUSED and plan is None
    err = capsys.readouterr().err
    assert "retiredGenerations: slot 0 (data-kubia-0) generation 0 is not in this stack" in err


def test_releasing_a_retired_generation_in_a_protected_stack_is_refused(tmp_path):
    _, _, deployed = render(tmp_path, "prod")
    code, _, moved = render(tmp_path, "prod", *MOVE, KEEP_GEN_0, previous=deployed)
    assert code == 0
    code, plan, _ = render(tmp_path, "prod", *MOVE, previous=moved)
    assert code == EXIT_REFUSED
    got = steps(plan)
    assert got[("app-storage-redis-data-1", DISK)] == "refused"
    # The slot's own generation is untouched by the release.
    assert verdicts(plan)["redis-data-redis-1"]["verdict"] == "keeps its disk"


def test_releasing_a_retired_generation_in_dev_deletes_it_as_the_stack_says(tmp_path):
    _, _, deployed = render(tmp_path, "dev")
    moved_config = ["storage.slotGenerations=[1]", "storage.retiredGenerations=[[0]]"]
    code, _, moved = render(tmp_path, "dev", *moved_config, previous=deployed)
    assert code == 0
    code, plan, _ = render(tmp_path, "dev", "storage.slotGenerations=[1]", previous=moved)
    assert code == 0
    got = steps(plan)
    assert (
        got[("app-storage-data-0", DISK)] == "delete"
        and got[("app-storage-data-0-g1", DISK)] == "same"
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            ["storage.retiredGenerations=[[0]]"],
            "retiredGenerations: slot 0 keeps generation 0, but its own generation "
            "(slotGenerations) is 0",
        ),
        (
            ["storage.slotGenerations=[2]", "storage.retiredGenerations=[[1, 1]]"],
            "retiredGenerations: slot 0 names generation 1 more than once",
        ),
        (
            ["storage.slotGenerations=[1]", "storage.retiredGenerations=[[0], [0]]"],
            "retiredGenerations: expected at most one entry per storage slot (1), got 2",
        ),
    ],
)
def test_retired_generations_that_cannot_be_are_invalid(tmp_path, capsys, config, message):
    code, plan, _ = render(tmp_path, "dev", *config)
    assert code == EXIT_INVALID and plan is None
    assert message in capsys.readouterr().err


def test_a_slots_record_goes_only_with_its_disk(tmp_path):
    # Removing a slot from a protected stack: its record is protected as its disk is, so it
    # cannot be deleted while the disk stays (adding the slot back would start blank).
    _, _, deployed = render(tmp_path, "staging", "replicas=1")
    code, plan, _ = render(
        tmp_path, "staging", "replicas=1", "storage.storageSlots=1", previous=deployed
    )
    assert code == EXIT_REFUSED
    got = steps(plan)
    assert (
        got[("app-storage-redis-data-1-record", STASH)] == "refused"
        and got[("app-storage-redis-data-1", "gcp:compute/regionDisk:RegionDisk")] == "refused"
    )


@pytest.mark.parametrize(
    ("stack", "before", "after", "claim", "says"),
    [
        # An adopted disk's PV: the program keeps no adopted disk as a retired generation.
        (
            "prod",
            ['storage.adoptDisks=["pv-a", "", ""]'],
            ["storage.slotGenerations=[1, 0, 0]"],
            "redis-data-redis-0",
            "an adopted disk is not kept as a retired generation: release it first "
            "(`pulumi state unprotect` on its PV and its -record, then run again)",
        ),
        # Zonal to regional: the two forms are different resources.
        (
            "staging",
            [],
            [
                "storage.slotGenerations=[0, 1]",
                'storage.placement=["europe-west4-a+europe-west4-b", "europe-west4-a"]',
            ],
            "redis-data-redis-1",
            "a zonal and a regional disk are different resources, so it cannot be kept as a "
            "retired generation under the new placement",
        ),
    ],
    ids=["adopted", "zonal-to-regional"],
)
def test_a_generation_that_cannot_be_retired_is_not_advised_to_be(
    tmp_path, stack, before, after, claim, says
):
    _, _, deployed = render(tmp_path, stack, *before)
    code, plan, _ = render(tmp_path, stack, *after, previous=deployed)
    assert code == EXIT_REFUSED
    reason = verdicts(plan)[claim]["reason"]
    assert says in reason and "retiredGenerations entry" not in reason


def test_with_ordinals_from_1_a_slot_may_move_to_a_generation_another_slot_has(tmp_path):
    """Slot 0 (ordinal 1) to generation 1 while slot 1 is at generation 1: the name v0.1.0
    would have given slot 0's new generation (by ordinal, `-1-g1`) is slot 1's own, and an
    alias to it would take slot 1's disk; the new generation is created, slot 1 untouched."""
    start = "rollout.ordinalsStart=1"
    _, _, deployed = render(tmp_path, "staging", start)
    slot_1 = [*MOVE, "storage.retiredGenerations=[[], [0]]"]
    _, _, moved = render(tmp_path, "staging", start, *slot_1, previous=deployed)
    both = [
        "storage.slotGenerations=[1, 1]",
        'snapshots.slotSnapshots=["redis-0-moved", "redis-1-moved"]',
        "storage.retiredGenerations=[[0], [0]]",
    ]
    code, plan, _ = render(tmp_path, "staging", start, *both, previous=moved)
    assert code == 0
    got = steps(plan)
    assert got[("app-storage-redis-data-0-g1", "gcp:compute/regionDisk:RegionDisk")] == "create"
    assert got[("app-storage-redis-data-1-g1", "gcp:compute/regionDisk:RegionDisk")] == "same"
    assert verdicts(plan)["redis-data-redis-1"]["verdict"] == "new disk from snapshot redis-0-moved"


def test_an_extra_claim_added_after_a_move_is_refused_without_releasing_advice(tmp_path, capsys):
    _, _, deployed = render(tmp_path, "staging")
    _, _, moved = render(tmp_path, "staging", *MOVE, KEEP_GEN_0, previous=deployed)
    capsys.readouterr()
    logs = 'storage.extraClaims=[{"name": "logs", "mountPath": "/logs", "sizeGb": 10}]'
    replace = "protection.allowStatefulSetReplacement=true"
    code, _, _ = render(tmp_path, "staging", *MOVE, KEEP_GEN_0, logs, replace, previous=moved)
    assert code == EXIT_REFUSED
    err = capsys.readouterr().err
    assert "slot 1 (logs-redis-1) generation 0 is not in this stack" in err
    assert "the claim logs was added after the slot moved" in err
    assert "remove it from the slot's entry" not in err
