"""What each slot's disk was created as, and the refusal of a change that contradicts it.

A disk's name, zone(s), type and zonal or regional form are fixed when it is created: a
change to any of them is a new disk for the slot, empty, while the old one is deleted or left
outside the stack, and the PV's replacement fails or hangs (its old self retained under the
same name, or held by its claim). The program records them per slot and generation when the
disk is created and refuses a later config that contradicts the record, naming the key, the
slot and both values. A new generation (`slotGenerations`) is a new disk and a new record:
that is how a slot moves, restored from a snapshot.
"""

from __future__ import annotations

import json
from typing import Any

from ..settings import AppSettings
from .storage import Volume

MOVING_A_SLOT = (
    "to move the slot's data, snapshot its disk, raise its entry in slotGenerations and set "
    "its slotSnapshots entry (README, 'Moving a slot')"
)


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
    if recorded.get("type") != current["type"]:
        problems.append(
            f"diskType: {where} was created as {recorded.get('type')}, now {current['type']}: "
            f"a disk's type is fixed; {MOVING_A_SLOT}"
        )
    if recorded.get("disk") != current["disk"]:
        old_parts, new_parts = recorded.get("parts") or {}, current["parts"]
        keys = [k for k in new_parts if old_parts.get(k) != new_parts[k]]
        if recorded.get("adopted") or current["adopted"]:
            keys = ["adoptDisks", *keys]
        key = keys[0] if keys else "adoptDisks"
        also = f" (with {', '.join(keys[1:])})" if len(keys) > 1 else ""
        problems.append(
            f"{key}: {where} has disk {recorded.get('disk')}; the config{also} now names disk "
            f"{current['disk']}, a different, empty one; keep {key} as it was (names are fixed "
            f"for the life of a slot), or give the slot a new generation in slotGenerations"
        )
    return problems
