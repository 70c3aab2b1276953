"""The rules behind retired generations, as pure functions (the renders that exercise them
end to end are in tests/test_retired_generations.py)."""

from __future__ import annotations

from typing import Any

from components.core.slot_record import NEVER_RECORDED, retired_problems
from components.offline.change_preview import (
    ResourceChange,
    _generation_left,
    _pvs_by_claim,
    _under,
    resource_change,
)

CURRENT = {"claim": "data-kubia-1", "zones": ["europe-west1-b"], "disk": "d-1"}


def test_a_retired_generation_is_kept_only_when_the_stack_recorded_it():
    recorded = {"disk": "d-1", "zones": ["europe-west1-c"], "adopted": False}
    assert retired_problems(recorded, CURRENT, 1, 0) == []
    (never,) = retired_problems({**recorded, NEVER_RECORDED: True}, CURRENT, 1, 0)
    assert never.startswith(
        "retiredGenerations: slot 1 (data-kubia-1) generation 0 is not in this stack"
    )
    assert retired_problems(None, CURRENT, 1, 0) == [never]
    assert retired_problems({}, CURRENT, 1, 0) == [never]
    (adopted,) = retired_problems({**recorded, "adopted": True}, CURRENT, 1, 2)
    assert adopted.startswith(
        "retiredGenerations: slot 1 (data-kubia-1) generation 2 was an adopted disk (d-1)"
    )


def test_a_retired_generation_keeps_its_form():
    regional = {"disk": "d-1", "zones": ["europe-west1-b", "europe-west1-c"], "adopted": False}
    (form,) = retired_problems(regional, CURRENT, 1, 0)
    assert form.startswith(
        "retiredGenerations: slot 1 (data-kubia-1) generation 0 was created in "
        '["europe-west1-b", "europe-west1-c"], and the slot\'s placement is now '
        '["europe-west1-b"]'
    )
    zonal_elsewhere = {"disk": "d-1", "zones": ["europe-west1-d"], "adopted": False}
    assert retired_problems(zonal_elsewhere, CURRENT, 1, 0) == []


def test_a_frozen_resource_ignores_every_path():
    assert _under("spec.csi.fsType", ["*"]) and _under("zone", ["*"])
    assert not _under("zone", ["size"]) and _under("size", ["size"])


def resource(urn: str, inputs: dict[str, Any], **options: Any) -> dict[str, Any]:
    return {"urn": urn, "type": "gcp:compute/disk:Disk", "inputs": inputs, "options": options}


def test_a_frozen_disk_is_the_same_whatever_its_inputs_say():
    old = resource("u", {"name": "d", "zone": "europe-west1-b"}, protect=True)
    new = resource("u", {"name": "d", "zone": "europe-west1-c"}, protect=True, ignoreChanges=["*"])
    assert resource_change(old, new) == ResourceChange("u", "gcp:compute/disk:Disk", "same")
    thawed = resource("u", {"name": "d", "zone": "europe-west1-c"}, protect=True)
    assert resource_change(old, thawed).action == "refused"


def pv(urn: str, claim: str, **options: Any) -> dict[str, Any]:
    spec = {"claimRef": {"namespace": "apps", "name": claim}}
    return {
        "urn": urn,
        "type": "kubernetes:core/v1:PersistentVolume",
        "inputs": {"spec": spec},
        "options": options,
    }


def test_a_claim_binds_its_slots_own_generation_not_a_retired_one():
    live, retired = pv("live", "data-0"), pv("old", "data-0", ignoreChanges=["*"])
    assert _pvs_by_claim([live, retired]) == {"apps/data-0": live}
    assert _pvs_by_claim([retired, live]) == {"apps/data-0": live}
    assert _pvs_by_claim([retired]) == {}


def test_an_extra_claim_added_after_a_move_is_not_advised_to_release_the_generation():
    # Removing the generation from the slot's entry would release the main claim's disk too.
    current = {**CURRENT, "claim": "logs-kubia-1", "parts": {"claimName": "logs"}}
    (problem,) = retired_problems(None, current, 1, 0, extra_claim=True)
    assert problem.startswith(
        "retiredGenerations: slot 1 (logs-kubia-1) generation 0 is not in this stack (no "
        "record of its disk): the claim logs was added after the slot moved"
    )
    assert "do not remove the generation from the slot's entry" in problem
    recorded = {"disk": "d-1", "zones": ["europe-west1-b"], "adopted": False}
    assert retired_problems(recorded, current, 1, 0, extra_claim=True) == []


def test_a_generation_that_would_leave_the_stack_names_the_setting():
    old_pv = {"inputs": {"metadata": {"name": "pv-1"}}}
    disk = {"type": "gcp:compute/disk:Disk", "inputs": {"labels": {"generation": "2"}}}
    new = {"type": "gcp:compute/disk:Disk", "inputs": {"labels": {"generation": "3"}}}
    refused = "protected: the delete is refused"
    reason = _generation_left(old_pv, disk, new, refused)
    assert reason == (
        "storage.retiredGenerations: generation 2 of the slot (pv-1) would leave the stack "
        "(protected: the delete is refused); keep it by adding 2 to the slot's "
        "retiredGenerations entry, or release it first (docs/operations.md, 'Moving a slot')"
    )
    # Not a raised generation (a PV replaced for another reason): the refusal as it is.
    assert _generation_left(old_pv, disk, disk, refused) == refused
    assert _generation_left(old_pv, disk, None, refused) == refused
    assert _generation_left(old_pv, None, new, refused) == refused


def test_a_generation_that_cannot_be_retired_is_told_how_to_be_released():
    refused = "protected: the delete is refused"
    pv = {"inputs": {"metadata": {"name": "pv-1"}, "spec": {"csi": {"volumeHandle": "p/z/pv-a"}}}}
    adopted = {"type": "gcp:compute/disk:Disk", "read": True, "inputs": {"id": "p/z/pv-a"}}
    new = {"type": "gcp:compute/disk:Disk", "inputs": {"labels": {"generation": "1"}}}
    assert _generation_left(pv, adopted, new, refused) == (
        "the PV of adopted disk pv-a would leave the stack (protected: the delete is refused); "
        "an adopted disk is not kept as a retired generation: release it first (`pulumi "
        "state unprotect` on its PV and its -record, then run again); the disk itself is "
        "never deleted"
    )
    zonal = {"type": "gcp:compute/disk:Disk", "inputs": {"labels": {"generation": "0"}}}
    regional = {**new, "type": "gcp:compute/regionDisk:RegionDisk"}
    assert _generation_left(pv, zonal, regional, refused) == (
        "generation 0 of the slot (pv-1) would leave the stack (protected: the delete is "
        "refused); a zonal and a regional disk are different resources, so it cannot be kept "
        "as a retired generation under the new placement: keep the slot's form, or release "
        "it first (`pulumi state unprotect` on its disk, PV, schedule attachment and "
        "-record, then run again) (docs/operations.md, 'Moving a slot')"
    )


def test_a_path_holding_an_ignored_one_is_under_it():
    assert _under("spec", ["spec.capacity"]) and not _under("specs", ["spec.capacity"])


def test_a_retired_generations_record_is_its_slot_record_marked():
    from components.core.blueprint import build_blueprint
    from components.core.slot_record import retired_record, slot_record
    from components.settings.arg_paths import parse_args

    settings = parse_args(
        {
            "name": "kubia",
            "preset": "kubia",
            "gcpProject": "acme-test-project",
            "volumeScope": "kubia-test",
            "storage": {
                "zones": ["europe-west1-b"],
                "storageSlots": 1,
                "slotGenerations": [1],
                "retiredGenerations": [[0]],
            },
        }
    )
    (volume,) = build_blueprint(settings).retired_volumes
    assert volume.slot.generation == 0 and volume.disk.name.endswith("-0")
    record = retired_record(settings, volume)
    assert record == {**slot_record(settings, volume), NEVER_RECORDED: True}
