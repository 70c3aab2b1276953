"""`render --previous`: what a config change does to each claim's data, and when it is refused.

Each case renders a stack as deployed, then the changed config against that plan, through the
renderer's command line in-process, and checks the verdict per claim and the exit status.
"""

from __future__ import annotations

import json

import pytest

from components.offline.change_preview import ResourceChange, compare
from components.offline.render import EXIT_REFUSED, main
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


def test_nothing_changes_when_nothing_changed(tmp_path):
    code, got = preview(tmp_path, "prod")
    assert code == 0 and set(got.values()) == {KEEPS}
    report = compare([], [])
    assert report.slots == [] and not report.refused
    assert ResourceChange("u", "t", "same").action == "same"


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
        tmp_path,
        "prod",
        "redis.replication=true",
        before=["rollout.ordinalsStart=1", "redis.replication=false"],
    )
    assert code == 0
    assert got == {
        "redis-data-redis-1": KEEPS,
        "redis-data-redis-2": "keeps its disk, contents replaced",
        "redis-data-redis-3": "keeps its disk, contents replaced",
    }


def test_turning_replication_on_replaces_the_replicas_data_and_says_so(tmp_path):
    code, got = preview(
        tmp_path / "on", "prod", "redis.replication=true", before=["redis.replication=false"]
    )
    assert code == 0
    assert got == {
        "redis-data-redis-0": KEEPS,  # the primary keeps its data
        "redis-data-redis-1": "keeps its disk, contents replaced",
        "redis-data-redis-2": "keeps its disk, contents replaced",
    }
    # Once replicating, further changes replace nothing more.
    code, got = preview(tmp_path / "later", "prod", "container.memoryLimit=3Gi")
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
from components.offline.render import main
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
