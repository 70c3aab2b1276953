"""What each slot's disk was created as, and the refusal of a change that contradicts it.

Every input whose change would replace a slot's disk or PV (the rules table,
`replace_rules.recorded_fields`: the disk's name, project, zone(s), type, IOPS on non-Hyperdisk
types; the PV's name and volume source) is fixed when the disk is created: a change is a new
disk for the slot, empty, while the old one is deleted or left outside the stack, and the PV's
replacement fails or hangs. The program records those facts per slot and generation when the
disk is created and refuses a later config that contradicts the record, naming the key, the
slot and both values, whatever the stack's protection says. A new generation
(`slotGenerations`) is a new disk and a new record: that is how a slot moves, restored from a
snapshot.

Records written before the facts were derived from the table (no `facts` key) hold the name,
zones and type only; those are still compared.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.alias_generators import to_camel

from ..settings.app_settings import AppSettings
from .engine_values import whole
from .replace_rules import DISK, PV, REGION_DISK, recorded_fields
from .storage import Volume

MOVING_A_SLOT = (
    "to move the slot's data, snapshot its disk, raise its entry in slotGenerations and set "
    "its slotSnapshots entry (docs/operations.md, 'Moving a slot')"
)
# The config key behind each recorded fact that has no check of its own below.
FACT_KEYS: dict[str, str] = {
    "project": "gcpProject",
    "provisionedIops": "provisionedIops",
    "spec.csi": "fsType",
}
CONSEQUENCE = {
    "disk": (
        "the provider would replace the disk (the old one deleted first) and the slot would "
        "start on an empty disk"
    ),
    "pv": (
        "pulumi-kubernetes would replace the PV (the old one deleted first, which its bound "
        "claim holds back) and mount the slot's disk otherwise"
    ),
}
# Facts with a check of their own (zones, type, the disk's name and what names it).
OWN_CHECKS = {"name", "zone", "region", "replicaZones", "type", "metadata.name"}


def _dotted(value: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def disk_inputs(volume: Volume) -> dict[str, Any]:
    """The slot's disk's inputs as the engine sees them (camelCase)."""
    return {to_camel(k): v for k, v in volume.disk.arguments().items()}


def slot_facts(volume: Volume) -> dict[str, Any]:
    """The slot's disk and PV inputs that the rules table says would replace them if changed
    (by resource: `disk`, `pv`; inputs as the engine sees them, camelCase)."""
    spec = volume.disk
    inputs = disk_inputs(volume)
    disk_type = REGION_DISK if spec.regional else DISK
    return {
        "disk": {
            field: inputs[field]
            for field in recorded_fields(disk_type, spec.type)
            if field in inputs
        },
        "pv": {
            field: _pv_fact(volume.pv, field)
            for field in recorded_fields(PV, spec.type)
            if _pv_fact(volume.pv, field) is not None
        },
    }


def _pv_fact(pv: dict[str, Any], field: str) -> Any:
    """A PV input as recorded; the volume handle is left out of `spec.csi`, since it only
    repeats the disk's project, zone and name, each recorded and checked with the disk."""
    value = _dotted(pv, field)
    if field == "spec.csi" and isinstance(value, dict):
        return {k: v for k, v in value.items() if k != "volumeHandle"}
    return value


def adopted_facts(volume: Volume) -> dict[str, Any]:
    """An adopted slot's facts: the disk is not the stack's to shape, so of the disk only
    its project (part of the id it is read by), and its PV's, as for a created disk."""
    facts = slot_facts(volume)
    return {"disk": {"project": volume.disk.project}, "pv": facts["pv"]}


def slot_record(settings: AppSettings, volume: Volume) -> dict[str, Any]:
    """The facts of one slot's disk that no update can change, with the keys they come from."""
    return {
        "disk": volume.disk.name,
        "adopted": volume.disk.adopted,
        "parts": {
            "volumeScope": settings.volume_scope,
            "namespace": settings.namespace,
            "name": settings.name,
            "claimName": volume.template,
            "ordinalsStart": volume.ordinal,
        },
        "zones": list(volume.disk.zones),
        "type": volume.disk.type,
        "pv": volume.pv_name,
        "claim": volume.pvc_name,
        "index": volume.slot.index,
        "facts": adopted_facts(volume) if volume.disk.adopted else slot_facts(volume),
    }


def _show(value: Any) -> str:
    return json.dumps(value)


def slot_problems(recorded: dict[str, Any] | None, current: dict[str, Any], slot: int) -> list[str]:
    """One line per fact of slot `slot` (its index) that the config now contradicts."""
    if not recorded:
        return []
    problems = []
    where = f"slot {slot} ({current['claim']})"
    if recorded.get("zones") != current["zones"]:
        kind = {1: "zonal", 2: "regional"}
        old_kind = kind.get(len(recorded.get("zones") or []))
        form = (
            f"; a {old_kind} disk cannot become {kind[len(current['zones'])]}"
            if old_kind != kind[len(current["zones"])]
            else ""
        )
        problems.append(
            f"placement: {where} was created in {_show(recorded.get('zones'))}, the config "
            f"now puts it in {_show(current['zones'])}{form}: a disk's zone is fixed; "
            f"{MOVING_A_SLOT}"
        )
    # An adopted disk's type is its own: the config's diskType shapes created disks only.
    both_adopted = bool(recorded.get("adopted")) and current["adopted"]
    if recorded.get("type") != current["type"] and not both_adopted:
        problems.append(
            f"diskType: {where} was created as {recorded.get('type')}, now {current['type']}: "
            f"a disk's type is fixed; {MOVING_A_SLOT}"
        )
    old_parts, new_parts = recorded.get("parts") or {}, current["parts"]
    changed = [k for k in new_parts if old_parts.get(k) != new_parts[k]]
    if recorded.get("disk") != current["disk"]:
        keys = changed
        if recorded.get("adopted") or current["adopted"]:
            keys = ["adoptDisks", *keys]
        key = keys[0] if keys else "adoptDisks"
        also = f" (with {', '.join(keys[1:])})" if len(keys) > 1 else ""
        if recorded.get("adopted") and current["adopted"]:
            other = (
                f"another disk; keep {key} as it was (an adopted slot reads one disk for its life)"
            )
        else:
            other = (
                f"a different, empty one; keep {key} as it was (names are fixed for the life "
                f"of a slot), or give the slot a new generation in slotGenerations"
            )
        problems.append(
            f"{key}: {where} has disk {recorded.get('disk')}; the config{also} now names disk "
            f"{current['disk']}, {other}"
        )
    elif bool(recorded.get("adopted")) != current["adopted"]:
        problems.append(_adoption_turned(recorded, where))
    elif recorded.get("index") not in (None, current["index"]):
        # The same names at another position: volumes named by ordinal
        # (storage.legacyVolumeNames) under a new ordinalsStart meet another slot's record.
        problems.append(
            f"ordinalsStart: {where} has the record of slot {whole(recorded['index'])}: the "
            f"stack's volumes are named by ordinal (storage.legacyVolumeNames), so under "
            f"another ordinalsStart each slot would take another slot's disk, the top slot a "
            f"new, empty one, and the bottom slot's disk would leave the stack; keep "
            f"ordinalsStart as it was (it is fixed for the life of a stack)"
        )
    elif recorded.get("pv") not in (None, current["pv"]):
        # An adopted disk keeps its name whatever the parts say; its PV's name is theirs.
        key = changed[0] if changed else "claimName"
        problems.append(
            f"{key}: {where} has PV {recorded['pv']} for adopted disk {current['disk']}; the "
            f"config now names the PV {current['pv']}: {CONSEQUENCE['pv']}; keep {key} as it "
            f"was (names are fixed for the life of a slot)"
        )
    problems += _fact_problems(
        recorded.get("facts"), current.get("facts"), where, bool(current["adopted"])
    )
    return problems


def _adoption_turned(recorded: dict[str, Any], where: str) -> str:
    """The slot's disk, same name, turned between created and adopted: as a read of a disk
    the stack manages, the engine would take it out of the stack (unprotected, no longer
    retained or snapshotted: pulumi step_generator.go, `GenerateReadSteps`, a read of the
    same id relinquishes the resource); as a create of a disk read until now, GCE would
    refuse the name, which exists (step_generator.go, a resource that was external is
    created anew)."""
    disk = recorded.get("disk")
    if recorded.get("adopted"):
        return (
            f"adoptDisks: {where} adopted disk {disk}, which the stack reads and does not own; "
            f"creating it instead would fail, since GCE has a disk by that name: keep the "
            f"slot's adoptDisks entry"
        )
    return (
        f"adoptDisks: {where} has disk {disk}, which this stack created; adopting it would take "
        f"it out of the stack (no longer protected, retained or snapshotted): keep the slot's "
        f"adoptDisks entry empty"
    )


def _fact_problems(recorded: Any, current: Any, where: str, adopted: bool) -> list[str]:
    """The recorded facts without a check of their own that the config now changes. An
    adopted disk is read, not made: its project names another disk to read, and no new
    generation can take its place (an adopted slot has none)."""
    if not isinstance(recorded, dict) or not isinstance(current, dict):
        return []
    if not recorded or not current:
        # Records written before adopted disks had facts: their name is what is checked.
        return []
    problems = []
    for resource in ("disk", "pv"):
        old, new = recorded.get(resource) or {}, current.get(resource) or {}
        for field in sorted(set(old) | set(new)):
            if field in OWN_CHECKS or old.get(field) == new.get(field):
                continue
            key = FACT_KEYS.get(field, field)
            consequence, advice = CONSEQUENCE[resource], f"keep {key} as it was, or {MOVING_A_SLOT}"
            if adopted:
                if resource == "disk":
                    consequence = "the slot would read another disk than the one it adopted"
                advice = f"keep {key} as it was (an adopted slot keeps its disk and PV)"
            problems.append(
                f"{key}: {where} was {'recorded' if adopted else 'created'} with {resource} "
                f"{field} {_show(old.get(field))}, now {_show(new.get(field))}: {consequence}; "
                f"{advice}"
            )
    return problems


# What a retired generation's record says when the stack never recorded that generation: the
# Stash was created now, from this marker (a Stash keeps the value it was created with).
NEVER_RECORDED = "retired"


def retired_record(settings: AppSettings, volume: Volume) -> dict[str, Any]:
    """The record passed for a retired generation: it stands only if the Stash is new."""
    return {**slot_record(settings, volume), NEVER_RECORDED: True}


def retired_problems(
    recorded: dict[str, Any] | None,
    current: dict[str, Any],
    slot: int,
    generation: int,
    extra_claim: bool = False,
) -> list[str]:
    """A retired generation must be one the stack created itself, in the same form (zonal or
    regional, which decides the resource's type and so its identity): otherwise keeping it
    would create a disk that never held the slot's data, or replace the one that did.

    `extra_claim`: the generation's disk is an extra claim's. Where it has no record, the
    claim was most likely added after the slot moved: removing the generation from the
    slot's entry would release the main claim's disk of it too, so that is not advised."""
    where = f"slot {slot} ({current['claim']}) generation {generation}"
    if (not recorded or recorded.get(NEVER_RECORDED)) and extra_claim:
        return [
            f"retiredGenerations: {where} is not in this stack (no record of its disk): the "
            f"claim {current['parts']['claimName']} was added after the slot moved, and a "
            f"retired generation keeps every claim's disk; do not remove the generation from "
            f"the slot's entry for it (that releases the main claim's disk): remove the extra "
            f"claim, or release the slot's retired generations first (docs/operations.md, "
            f"'Limits of retired generations')"
        ]
    if not recorded or recorded.get(NEVER_RECORDED):
        return [
            f"retiredGenerations: {where} is not in this stack (no record of its disk): only a "
            f"generation the stack created can be kept; remove it from the slot's entry"
        ]
    if recorded.get("adopted"):
        return [
            f"retiredGenerations: {where} was an adopted disk ({recorded.get('disk')}), read "
            f"and never owned by the stack; remove it from the slot's entry"
        ]
    if len(recorded.get("zones") or []) != len(current["zones"]):
        return [
            f"retiredGenerations: {where} was created in {_show(recorded.get('zones'))}, and "
            f"the slot's placement is now {_show(current['zones'])}; a zonal and a regional "
            f"disk are different resources, so it cannot be kept under this placement: keep "
            f"the slot's form while the generation is retired, or release it (`pulumi state "
            f"unprotect` in a protected stack, then remove it from the slot's entry)"
        ]
    return []
