"""Per slot, what its disk was created as: a later config that contradicts it is refused by the
program itself, naming the key, the slot and both values; the migrations stay open."""

from __future__ import annotations

import pytest

from components.core.slot_record import slot_problems
from components.stack.config import TransitionRefusedError
from tests.test_replacement_guard import run

# The integration tier (renders each change against a recorded state (transitions)).
pytestmark = pytest.mark.integration

STASH = "pulumi:index:Stash"


def refusal(stack, *changes, before=()):
    state = run(stack, *before)
    with pytest.raises(TransitionRefusedError) as caught:
        run(stack, *before, *changes, state=state)
    return str(caught.value)


def test_moving_a_slot_to_another_zone_is_refused_with_the_migration():
    message = refusal(
        "prod", 'storage.placement=["us-central1-b", "us-central1-b", "us-central1-c"]'
    )
    assert (
        'placement: slot 0 (redis-data-redis-0) was created in ["us-central1-a"], the config '
        'now puts it in ["us-central1-b"]'
    ) in message
    assert "raise its entry in slotGenerations" in message
    assert "slot 1" not in message and "slot 2" not in message


def test_a_new_disk_type_is_refused_for_every_slot_at_once():
    message = refusal("staging", "storage.diskType=pd-ssd")
    assert "diskType: slot 0 (redis-data-redis-0) was created as pd-balanced, now pd-ssd" in message
    assert "diskType: slot 1 (redis-data-redis-1)" in message


def test_a_regional_disk_cannot_become_zonal():
    message = refusal(
        "staging", 'storage.placement=["europe-west4-a", "europe-west4-a+europe-west4-b"]'
    )
    assert "a regional disk cannot become zonal" in message and "slot 0" in message
    assert "slot 1" not in message  # the same pair, written as before


def test_a_new_ordinals_start_names_other_disks():
    message = refusal("dev", "rollout.ordinalsStart=1")
    assert "ordinalsStart: slot 0 (data-kubia-1) has disk " in message
    assert "a different, empty one" in message


def test_a_new_ordinals_start_is_refused_where_volumes_are_named_by_ordinal():
    # With v0.1.0's names each slot's resources and record are found by ordinal: under a new
    # ordinalsStart slot 0 meets slot 1's record, names and all (the bottom slot's disk
    # would be deleted in dev, the top slot start empty).
    legacy = ("storage.legacyVolumeNames=true", "storage.storageSlots=2", "replicas=2")
    message = refusal("dev", "rollout.ordinalsStart=2", before=(*legacy, "rollout.ordinalsStart=1"))
    assert "ordinalsStart: slot 0 (data-kubia-2) has the record of slot 1" in message
    # Ordinals that miss the old ones find no slot record at all: the StatefulSet's stops it.
    message = refusal("dev", "rollout.ordinalsStart=3", before=(*legacy, "rollout.ordinalsStart=1"))
    assert "ordinalsStart: the StatefulSet's pods start at ordinal 1; from 3" in message


def test_adopting_a_disk_for_a_slot_that_has_one_is_refused():
    message = refusal("dev", 'storage.adoptDisks=["pv-a"]')
    assert message.count("adoptDisks: slot 0 (data-kubia-0) has disk ") == 1


@pytest.mark.parametrize(
    "changes",
    [
        # The migration: a new generation, restored from a snapshot, in the new zone.
        (
            'storage.placement=["us-central1-b", "us-central1-b", "us-central1-c"]',
            "storage.slotGenerations=[1]",
            'snapshots.slotSnapshots=["redis-0-before-move"]',
        ),
        ("storage.diskSizeGb=400",),
        (
            "storage.storageSlots=4",
            "storage.placement[3]=us-central1-a",
            "replicas=4",
        ),
    ],
)
def test_migrations_growth_and_new_slots_pass(changes):
    state = run("prod")
    after = run("prod", *changes, state=state)
    names = {r.name for r in after.registrations if r.type == STASH}
    assert (
        "app-storage-redis-data-0-record" in names or "app-storage-redis-data-0-g1-record" in names
    )


def test_each_slot_and_generation_has_its_own_record():
    names = {
        r.name
        for r in run("prod", "storage.slotGenerations=[0, 2]").registrations
        if r.type == STASH
    }
    assert names == {
        "app-storage-redis-data-0-record",
        "app-storage-redis-data-1-g2-record",
        "app-storage-redis-data-2-record",
        "app-workload-replacement-guard",
        "app-workload-deletion-armed",  # in every stack: the setting's record
    }


def test_nothing_recorded_means_nothing_to_contradict():
    assert slot_problems(None, {"claim": "c", "zones": ["z"], "type": "t", "disk": "d"}, 0) == []
