"""A slot's disk as deployed, against what the config now gives it.

Every field whose change can replace a slot's disk (the rules table,
`replace_rules.held_fields`, IOPS included on every type) is also in the disk's `ignoreChanges`
(`replace_rules.kept_fields`). The engine resets each of them to the state's value before it
diffs (pulumi pkg/resource/deploy/step_generator.go: `processIgnoreChanges` whenever the
resource is in the state), so no config change can replace a slot's disk, and the disk's
outputs, at preview too, are what is deployed: a disk unchanged keeps its old outputs, an
updated one gets the provider's plan from those same inputs. The program compares them with
the config and refuses a difference before any PV or claim registers. This needs no slot
record, so it also holds in the first update after an upgrade from v0.1.0, whose disks have
none yet.

The Google provider reads some fields back as self-links (a regional disk's `replicaZones`,
`ConvertSelfLinkToV1`) and others as names (`type`, `zone`, `region`,
`GetResourceNameFromSelfLink`; terraform-provider-google-beta
google-beta/services/compute/resource_compute_(region_)disk.go, the flatten functions): both
are compared by their last part, as the provider's diff suppressors do.
"""

from __future__ import annotations

import json
from typing import Any

from .replace_rules import DISK, HYPERDISK, REGION_DISK, held_fields
from .slot_record import MOVING_A_SLOT, disk_inputs
from .storage import DiskSpec, Volume

CONSEQUENCE = (
    "the provider would replace the disk (the old one deleted first) and the slot would start "
    "on an empty disk; the program keeps the deployed value and stops"
)
NAME_KEYS = "name, namespace, volumeScope or the claim's name (together they name the disk)"


IOPS_ON_HYPERDISK = (
    "the program keeps a deployed disk's IOPS, even on Hyperdisk, where GCE could change them "
    "in place (from another type the change would replace the disk); change them with "
    "`gcloud compute disks update --provisioned-iops`, run `pulumi refresh`, then set the "
    "config"
)


def configured_fields(volume: Volume) -> dict[str, Any]:
    """The fields the config gives the slot's disk that the program holds as deployed
    (inputs as the engine sees them, camelCase); a field the config leaves unset is not
    compared, since the provider plans no change for it."""
    spec = volume.disk
    inputs = disk_inputs(volume)
    held = held_fields(REGION_DISK if spec.regional else DISK)
    return {field: inputs[field] for field in held if field in inputs}


def _last_part(value: Any) -> Any:
    if isinstance(value, str):
        return value.rsplit("/", 1)[-1]
    if isinstance(value, list):
        return [_last_part(v) for v in value]
    return value


def _key(field: str) -> str:
    """The config key behind `field` of a slot's disk (every claim's disk takes the
    storage group's type and IOPS)."""
    if field == "name":
        return NAME_KEYS
    if field == "project":
        return "gcpProject"
    if field in ("zone", "region", "replicaZones"):
        return "storage.zones (with storage.placement and storage.regionalDisks)"
    return f"storage.{field}" if field != "type" else "storage.diskType"


def shrink_problem(disk: DiskSpec, current: float | None) -> str | None:
    """Why `disk`'s configured size cannot be its claim's request, if `current` (GiB, the disk
    as GCE has it) is larger: a disk never shrinks."""
    if current is None or disk.size >= current:
        return None
    return (
        f"diskSizeGb: disk {disk.name} already has {int(current)} GiB and GCE disks cannot "
        f"shrink (the provider would replace it); set diskSizeGb to at least {int(current)}; "
        f"given: {disk.size}"
    )


def adopted_problems(volume: Volume, found: dict[str, Any]) -> list[str]:
    """An adopted disk as GCE has it (`found`: the read's outputs by camelCase field) against
    the slot's placement and size: its PV's node affinity names the placement's zones, so a
    zone the disk is not replicated in would start the pod where the disk cannot attach; and
    a disk larger than diskSizeGb is refused, for every slot, running or not. A field the
    read did not return is not judged."""
    spec = volume.disk
    field = placement_field(spec)
    deployed = found.get(field)
    wanted = list(spec.zones) if spec.regional else spec.zones[0]
    problems = []
    if deployed is not None and sorted(_last_part(_as_list(deployed))) != sorted(
        _last_part(_as_list(wanted))
    ):
        problems.append(
            f"storage.placement: slot {volume.slot.index} ({volume.pvc_name}) adopts disk "
            f"{spec.name}, which GCE has in {json.dumps(_last_part(deployed))}; the placement "
            f"gives {json.dumps(wanted)}: the pod would be placed where the disk cannot attach; "
            f"set the slot's placement entry to the disk's zones"
        )
    too_small = shrink_problem(spec, found.get("size"))
    if too_small is not None:
        problems.append(too_small)
    return problems


def placement_field(spec: DiskSpec) -> str:
    """The disk's output that says where it is: its replica zones, or its zone."""
    return "replicaZones" if spec.regional else "zone"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def deployed_problems(volume: Volume, deployed: dict[str, Any]) -> list[str]:
    """One line per field of the slot's disk whose deployed value (`deployed`: the disk's
    outputs by camelCase field) the config now changes; a field not deployed is not judged."""
    problems = []
    for field, wanted in configured_fields(volume).items():
        found = deployed.get(field)
        if found is None or _last_part(found) == _last_part(wanted):
            continue
        key = _key(field)
        why = (
            IOPS_ON_HYPERDISK
            if field == "provisionedIops" and HYPERDISK in volume.disk.type
            else f"{CONSEQUENCE}; keep {key} as deployed, or {MOVING_A_SLOT}"
        )
        problems.append(
            f"{key}: slot {volume.slot.index} ({volume.pvc_name}) has disk "
            f"{deployed.get('name') or volume.disk.name} deployed with {field} "
            f"{json.dumps(found)}; the config now gives {json.dumps(wanted)}: {why}"
        )
    return problems
