"""The StatefulSet fields that cannot change in place, and the refusal of a change to them.

Kubernetes rejects updates to them, so pulumi-kubernetes replaces the StatefulSet when one
changes (provider/pkg/provider/diff.go, `statefulSet`: podManagementPolicy,
revisionHistoryLimit, selector, serviceName, volumeClaimTemplates), deleting the old one
first because its name stays the same (provider.go, Diff: deleteBeforeReplace). With
foreground deletion every pod stops before the new StatefulSet exists: an outage, and with
`allowDataDeletion` the claims go too (`whenDeleted: Delete`). The program records these
fields when the StatefulSet is first created and refuses a change to them unless the stack
says `allowStatefulSetReplacement: true`.
"""

from __future__ import annotations

import json
from typing import Any

from .engine_values import whole

# Field of the StatefulSet spec -> the config keys that set it.
REPLACING_FIELDS: dict[str, str] = {
    "serviceName": "serviceName (or name, which it defaults to)",
    "selector": "selectorLabels (or name, which the default selector follows)",
    "podManagementPolicy": "podManagementPolicy",
    "volumeClaimTemplates": (
        "claimName, extraClaims or accessMode (the claims' StorageClass name follows "
        "volumeScope, namespace and name)"
    ),
}
RUNBOOK = "docs/operations.md, 'Replacing the StatefulSet'"
# Its identity: another name or namespace is another StatefulSet, whose pods get new claims
# with no PV pinned to them, and the old pods stop.
IDENTITY_FIELDS: dict[str, str] = {"name": "name", "namespace": "namespace"}


def replacement_identity(statefulset: dict[str, Any]) -> dict[str, Any]:
    """The StatefulSet's fields that a change would replace it for, as plain data, and the
    first ordinal of its pods."""
    spec, meta = statefulset["spec"], statefulset["metadata"]
    return {
        **{field: meta.get(field) for field in IDENTITY_FIELDS},
        **{field: spec.get(field) for field in REPLACING_FIELDS},
        ORDINALS_START: (spec.get("ordinals") or {}).get("start", 0),
    }


# The first ordinal (spec.ordinals.start, `rollout.ordinalsStart`): Kubernetes updates it in
# place, but other ordinals are other pods, whose claims have other names. Volumes named by
# ordinal (`storage.legacyVolumeNames`) have no slot record to stop it where the new range
# of ordinals misses the old one, so the StatefulSet's record does.
ORDINALS_START = "ordinalsStart"


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


def _ordinals_moved(recorded: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """A new first ordinal, refused whatever allowStatefulSetReplacement says (records written
    before it was recorded hold none)."""
    if ORDINALS_START not in recorded or recorded[ORDINALS_START] == current[ORDINALS_START]:
        return []
    return [
        f"ordinalsStart: the StatefulSet's pods start at ordinal "
        f"{whole(recorded[ORDINALS_START])}; from {current[ORDINALS_START]} they are other "
        f"pods, whose claims have no disk pinned to them (or, where the volumes are named by "
        f"ordinal, another slot's disk), while the old pods stop and their disks leave the "
        f"stack. Keep it: it is fixed for the life of a stack"
    ]


def replacement_problems(
    recorded: dict[str, Any] | None, current: dict[str, Any], allowed: bool, stash_name: str
) -> list[str]:
    """One line per field whose change would replace the StatefulSet, unless allowed.

    `stash_name` names the Stash that recorded the fields (replacing it records new ones).
    """
    if not recorded:
        return []
    moved = _ordinals_moved(recorded, current)
    moved += [
        f"{key}: the StatefulSet was created as {_short(recorded.get(field))}; a new "
        f"{field} is a new StatefulSet whose pods get new claims, with no disk pinned to "
        f"them, while the old pods stop: now {_short(current[field])}. Keep it; a new {key} "
        f"is a new stack, restored from snapshots"
        for field, key in IDENTITY_FIELDS.items()
        if field in recorded and recorded[field] != current[field]
    ]
    if moved or allowed:
        return moved
    return [
        f"allowStatefulSetReplacement: changing {keys} changes the StatefulSet's "
        f"spec.{field}, which Kubernetes cannot update: pulumi-kubernetes would delete the "
        f"StatefulSet with all its pods before creating it again. Recorded "
        f"{_short(recorded.get(field))}, now {_short(current[field])}. Keep the old value; "
        f"or move the pods over without downtime ({RUNBOOK}: `kubectl delete statefulset "
        f"--cascade=orphan`, `pulumi refresh`, `pulumi up --replace <URN of the Stash "
        f"{stash_name}>`); or accept the outage with allowStatefulSetReplacement: true"
        for field, keys in REPLACING_FIELDS.items()
        if recorded.get(field) != current[field]
    ]
