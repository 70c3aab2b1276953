"""What a change does to every resource and to each slot's data, without a cloud account.

Compares an earlier plan (a `plan.json`, or a `pulumi stack export`) with the current one,
resource by URN, and applies the providers' replace rules from one table
(`core/replace_rules.py`, each row citing the provider's source), and the engine's own:

- a named resource keeps its name through a replacement, so the old one is deleted first
  (pulumi-kubernetes provider.go, Diff; the Google provider for a user-given `name`);
- `ignoreChanges` paths are not diffed;
- a replacement is refused only when the resource is protected both before and after the
  update, and a delete when the state says it is protected (pulumi
  pkg/resource/deploy/step_generator.go);
- a resource with `retainOnDelete` leaves the state without being deleted.

On top of the engine, per claim: a slot's disk or PV that would be replaced is refused (the
program refuses it too, from the slot's record), and so is a StatefulSet that would get
another name or namespace.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..core.replace_rules import DISK, PV, REGION_DISK, STASH, forces_replacement, is_frozen
from ..settings import naming
from .json_file import read_json

DISK_TYPES = (DISK, REGION_DISK)
PV_TYPE = PV
STASH_TYPE = STASH
CLAIM_PATCH_TYPE = "kubernetes:core/v1:PersistentVolumeClaimPatch"


class PreviousStateError(ValueError):
    """The earlier plan or stack export cannot be read."""


@dataclass(frozen=True)
class ResourceChange:
    """What happens to one resource: create, read, same, update, replace, delete, retain,
    or refused; with the changed inputs and those that force the replacement."""

    urn: str
    type: str
    action: str
    changed: list[str] = field(default_factory=list)
    forces_replacement: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    reason: str = ""


@dataclass(frozen=True)
class SlotVerdict:
    """What happens to the data behind one claim."""

    pvc: str
    verdict: str
    disk_before: str | None
    disk_after: str | None
    reason: str = ""


@dataclass
class ChangeReport:
    resources: list[ResourceChange]
    slots: list[SlotVerdict]

    @property
    def refused(self) -> bool:
        return any(r.action == "refused" for r in self.resources) or any(
            s.verdict == "refused" for s in self.slots
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "refused": self.refused,
            "resources": [asdict(r) for r in self.resources if r.action != "same"],
            "slots": [asdict(s) for s in self.slots],
        }


# --- reading the earlier state --------------------------------------------------------------


def _from_export(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    """A `pulumi stack export`'s resources in the plan's shape."""
    resources = []
    for r in deployment.get("resources") or []:
        if r.get("type", "").startswith("pulumi:providers:") or r.get("delete"):
            # A resource marked `delete` is the old half of a replacement that an update left
            # pending: the engine deletes it next and never reads it as the URN's state
            # (pkg/resource/deploy/deployment.go, buildResourceMaps).
            continue
        inputs = dict(r.get("inputs") or {})
        if r.get("type") == STASH_TYPE:
            # The value the Stash recorded is its output, not its latest input.
            inputs["input"] = _kept_value({**r, "inputs": inputs})
        if r.get("type") in DISK_TYPES and r.get("external"):
            inputs = {"id": r.get("id")}
        elif r.get("type") in DISK_TYPES and "size" in (r.get("outputs") or {}):
            # The size the disk has now (grown by the resizer), not the one it was given.
            inputs["size"] = r["outputs"]["size"]
        resources.append(
            {
                "urn": r["urn"],
                "type": r["type"],
                "name": r["urn"].rsplit("::", 1)[-1],
                "custom": bool(r.get("custom")),
                "read": bool(r.get("external")),
                "parent": r.get("parent"),
                "dependencies": list(r.get("dependencies") or []),
                "options": {
                    "protect": bool(r.get("protect")),
                    "retainOnDelete": bool(r.get("retainOnDelete")),
                    "ignoreChanges": [],
                    "replaceOnChanges": [],
                    **(
                        {"replacementTrigger": r["replacementTrigger"]}
                        if "replacementTrigger" in r
                        else {}
                    ),
                },
                "inputs": inputs,
            }
        )
    return resources


def load_previous(path: Path) -> list[dict[str, Any]]:
    """The resources of an earlier `plan.json` or of a `pulumi stack export` file."""
    data = read_json(path, "--previous", PreviousStateError)
    if isinstance(data, dict) and isinstance(data.get("deployment"), dict):
        return _from_export(data["deployment"])
    if isinstance(data, dict) and isinstance(data.get("resources"), list):
        return data["resources"]
    raise PreviousStateError(
        f"--previous: {path} is neither a plan.json (with 'resources') nor a `pulumi stack "
        f"export` (with 'deployment')"
    )


def recorded_stashes(previous: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Each Stash's recorded value, by logical name: what the program compares with. That is
    its output, which the engine keeps from its creation (a plan and a stack export both
    hold it), not its latest input (a plan from before plans held outputs: its input)."""
    return {r["name"]: _kept_value(r) for r in previous if r["type"] == STASH_TYPE}


def _kept_value(stash: dict[str, Any]) -> Any:
    """The value a Stash keeps: its output where the entry holds one (pulumi builtins.go:
    the value it was created with), else its input."""
    outputs = stash.get("outputs") or {}
    return outputs["output"] if "output" in outputs else stash["inputs"].get("input")


def recorded_disk_sizes(previous: Iterable[dict[str, Any]]) -> dict[str, int]:
    """The largest size each created disk was ever given, by GCE name: the program refuses
    to shrink below it. The disk's own size stays at its creation size (the program ignores
    size changes), so a disk grown through its claim is known by the claim patch's request."""
    previous = list(previous)
    sizes = {
        r["inputs"]["name"]: int(r["inputs"]["size"])
        for r in previous
        if r["type"] in DISK_TYPES and not r.get("read") and "size" in r["inputs"]
    }
    disk_of_claim = {claim: _disk_name(pv) for claim, pv in _pvs_by_claim(previous).items()}
    for r in previous:
        if r["type"] != CLAIM_PATCH_TYPE:
            continue
        meta = r["inputs"].get("metadata") or {}
        disk = disk_of_claim.get(f"{meta.get('namespace')}/{meta.get('name')}")
        request = _gibibytes(
            ((r["inputs"].get("spec") or {}).get("resources") or {}).get("requests", {})
        )
        if disk in sizes and request is not None:
            sizes[disk] = max(sizes[disk], request)
    return sizes


def _gibibytes(requests: dict[str, Any]) -> int | None:
    """A claim request written `<n>Gi`, in GiB."""
    storage = requests.get("storage")
    if isinstance(storage, str) and storage.endswith("Gi") and storage[:-2].isdigit():
        return int(storage[:-2])
    return None


# --- diffing --------------------------------------------------------------------------------


def changed_paths(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted paths whose values differ; lists count as one value."""
    if isinstance(old, dict) and isinstance(new, dict):
        paths = []
        for key in sorted(set(old) | set(new), key=str):
            path = f"{prefix}.{key}" if prefix else str(key)
            paths += changed_paths(old.get(key), new.get(key), path)
        return paths
    return [] if old == new else [prefix]


def _under(path: str, roots: Iterable[str]) -> bool:
    """`path` is one of `roots`, inside one, or holds one; `*` holds every path (the engine
    resets every top-level input to the state's: properties_path.go, reset on "*")."""
    return any(
        root == "*" or path == root or path.startswith(root + ".") or root.startswith(path + ".")
        for root in roots
    )


def _forcing(
    resource_type: str, old: dict[str, Any], new: dict[str, Any], paths: list[str]
) -> list[str]:
    """The changed paths that replace the resource, by the rules table."""
    return [p for p in paths if forces_replacement(resource_type, p, old, new)]


def _delete_before_replace(resource_type: str, old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Named resources keep their name through a replacement, so the old one goes first."""
    if resource_type.startswith("kubernetes:"):
        return old.get("metadata", {}).get("name") == new.get("metadata", {}).get("name")
    return resource_type.startswith("gcp:") and old.get("name") == new.get("name")


def _diffed_paths(old: dict[str, Any], new: dict[str, Any], ignored: list[str]) -> list[str]:
    """The changed input paths the engine diffs: not ignored, not the provider's defaults."""
    return [
        p
        for p in changed_paths(old, new)
        if not _under(p, ignored) and p.split(".")[0] != "__defaults"
    ]


def replaced_anyway(
    resource_type: str, old: dict[str, Any], new: dict[str, Any], ignored: list[str]
) -> bool:
    """Whether a change the resource does not ignore replaces it (`new`: its inputs once
    the ignored ones are reset to `old`'s)."""
    return bool(_forcing(resource_type, old, new, _diffed_paths(old, new, ignored)))


def _managed_id(resource: dict[str, Any]) -> str | None:
    """The GCE id of a disk the stack created (what a read of the same disk would name)."""
    inputs = resource["inputs"]
    if resource["type"] not in DISK_TYPES or "name" not in inputs:
        return None
    project, name = str(inputs.get("project")), inputs["name"]
    if "zone" in inputs:
        return naming.zonal_volume_handle(project, inputs["zone"], name)
    return naming.regional_volume_handle(project, str(inputs.get("region")), name)


def _read_change(old: dict[str, Any], new: dict[str, Any]) -> ResourceChange:
    """A read where the state holds a resource the stack managed under another id: the
    engine's read-replacement marks the old one for deletion at the end of the update
    (step_generator.go, GenerateReadSteps: NewReadReplacementStep), judged as any delete by
    its state. The same id is a relinquish: the resource stays, no longer managed (not
    protected, retained or snapshotted), which is refused as data leaving the stack."""
    if old.get("read"):
        return ResourceChange(new["urn"], new["type"], "read")
    if _managed_id(old) == new["inputs"].get("id"):
        reason = (
            "a read over the one it managed takes it out of the stack (no longer protected, "
            "retained or snapshotted); keep the slot's adoptDisks entry empty"
        )
        return ResourceChange(new["urn"], new["type"], "refused", reason=reason)
    gone = resource_change(old, None)
    if gone.action == "retain":
        reason = "the one it managed leaves the stack and stays where it is"
        return ResourceChange(new["urn"], new["type"], "read", reason=reason)
    reason = f"replaces by a read the one it managed: {gone.reason or 'deleted'}"
    return ResourceChange(new["urn"], new["type"], gone.action, reason=reason)


def resource_change(old: dict[str, Any] | None, new: dict[str, Any] | None) -> ResourceChange:
    """The engine's step for one URN, from its previous and current registration."""
    if old is None:
        assert new is not None
        return ResourceChange(new["urn"], new["type"], "read" if new.get("read") else "create")
    if new is None:
        if old.get("read"):
            return ResourceChange(old["urn"], old["type"], "forget")
        if old["options"].get("protect"):
            return ResourceChange(
                old["urn"], old["type"], "refused", reason="protected: the delete is refused"
            )
        action = "retain" if old["options"].get("retainOnDelete") else "delete"
        return ResourceChange(old["urn"], old["type"], action)
    if new.get("read"):
        return _read_change(old, new)
    paths = _diffed_paths(old["inputs"], new["inputs"], new["options"].get("ignoreChanges") or [])
    # A new replacement trigger replaces the resource whatever its inputs (step_generator.go,
    # shouldTriggerReplace: both set and unequal).
    triggers = (old["options"].get("replacementTrigger"), new["options"].get("replacementTrigger"))
    triggered = None not in triggers and triggers[0] != triggers[1]
    if not paths and not triggered:
        return ResourceChange(new["urn"], new["type"], "same")
    forcing = _forcing(new["type"], old["inputs"], new["inputs"], paths)
    asked = new["options"].get("replaceOnChanges") or []
    forcing += [p for p in paths if p not in forcing and ("*" in asked or _under(p, asked))]
    forcing += ["replacementTrigger"] if triggered else []
    if not forcing:
        return ResourceChange(new["urn"], new["type"], "update", paths)
    dbr = _delete_before_replace(new["type"], old["inputs"], new["inputs"])
    # The engine refuses a replacement only when the resource is protected both before and
    # after the update (pulumi pkg/resource/deploy/step_generator.go, the Protect check
    # before a replace): protection dropped in the same update lets it through.
    if old["options"].get("protect") and new["options"].get("protect"):
        reason = "protected: the replacement is refused"
        return ResourceChange(new["urn"], new["type"], "refused", paths, forcing, dbr, reason)
    if dbr and new["type"] == PV_TYPE and not old["options"].get("retainOnDelete"):
        reason = (
            "the old PV cannot be deleted while a claim is bound to it (pv-protection), so "
            "the update hangs; delete the claim first"
        )
        return ResourceChange(new["urn"], new["type"], "refused", paths, forcing, dbr, reason)
    if dbr and old["options"].get("retainOnDelete"):
        # The old one leaves the state but stays where it is, under the same name.
        if _location(old) == _location(new):
            reason = (
                "the old one is retained under the same name and in the same place, so "
                "creating the new one fails half-way"
            )
            return ResourceChange(new["urn"], new["type"], "refused", paths, forcing, dbr, reason)
        reason = f"the old one stays, outside the state, in {_location(old)}"
        return ResourceChange(new["urn"], new["type"], "replace", paths, forcing, dbr, reason)
    return ResourceChange(new["urn"], new["type"], "replace", paths, forcing, dbr)


def _location(resource: dict[str, Any]) -> str:
    """What makes a named resource unique besides its name: its GCE project and zone or region
    (and, for a schedule attachment, its disk), or the cluster."""
    inputs = resource["inputs"]
    place = inputs.get("zone") or inputs.get("region")
    if not place:
        return "the cluster"
    disk = f", disk {inputs['disk']}" if "disk" in inputs else ""
    return f"project {inputs.get('project')}, {place}{disk}"


# --- per slot -------------------------------------------------------------------------------


def _pvs_by_claim(resources: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The PV each claim binds: its slot's own generation, not a retired one."""
    result = {}
    for r in resources:
        # A retired generation's PV is frozen.
        if r["type"] == PV_TYPE and not is_frozen(r["options"]):
            ref = r["inputs"]["spec"].get("claimRef") or {}
            result[f"{ref.get('namespace')}/{ref.get('name')}"] = r
    return result


def _disk_name(pv: dict[str, Any]) -> str:
    return pv["inputs"]["spec"]["csi"]["volumeHandle"].rsplit("/", 1)[-1]


def _disks_by_name(resources: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    result = {}
    for r in resources:
        if r["type"] in DISK_TYPES:
            name = r["inputs"]["id"].rsplit("/", 1)[-1] if r.get("read") else r["inputs"]["name"]
            result[name] = r
    return result


def slot_verdicts(
    previous: list[dict[str, Any]],
    current: list[dict[str, Any]],
    by_previous: dict[str, ResourceChange],
    changes: dict[str, ResourceChange],
) -> list[SlotVerdict]:
    """Per claim: does its pod keep its data, get a new disk, or is the change refused.

    `by_previous` is the step of each previous resource (under its previous URN), `changes`
    the step of each current one.
    """
    before, after = _pvs_by_claim(previous), _pvs_by_claim(current)
    disks_before, disks_after = _disks_by_name(previous), _disks_by_name(current)
    resynced = _turned_into_replicas(previous, current)
    moved = _identity_change(previous, current)
    verdicts = []
    for claim in sorted(set(before) | set(after)):
        old_pv, new_pv = before.get(claim), after.get(claim)
        old_disk = _disk_name(old_pv) if old_pv else None
        new_disk = _disk_name(new_pv) if new_pv else None
        if moved and old_pv is not None:
            verdicts.append(SlotVerdict(claim, "refused", old_disk, new_disk, moved))
            continue
        disk = disks_after.get(new_disk or "")
        involved = [by_previous[old_pv["urn"]]] if old_pv else []
        involved += [changes[r["urn"]] for r in (new_pv, disk) if r is not None]
        # A PV kept while its disk is no longer registered: the disk leaves the stack.
        gone = disks_before.get(old_disk or "") if new_pv is not None and disk is None else None
        if gone is not None:
            involved.append(by_previous[gone["urn"]])
        refused = [c for c in involved if c.action == "refused"]
        if refused:
            reason = refused[0].reason
            if old_pv is not None and refused[0].urn == old_pv["urn"] and new_pv is not None:
                reason = _generation_left(old_pv, disks_before.get(old_disk or ""), disk, reason)
            verdicts.append(SlotVerdict(claim, "refused", old_disk, new_disk, reason))
            continue
        replaced = [c for c in involved if c.action == "replace"]
        if replaced:
            verdicts.append(
                SlotVerdict(claim, "refused", old_disk, new_disk, _replaced_reason(replaced[0]))
            )
            continue
        if any(c.action == "delete" and c.type in DISK_TYPES for c in involved):
            reason = "its disk would be deleted while its PV still points at it"
            verdicts.append(SlotVerdict(claim, "refused", old_disk, new_disk, reason))
            continue
        was, now = _generation(disks_before.get(old_disk or "")), _generation(disk)
        if new_pv is not None and was > now:
            reason = (
                f"storage.slotGenerations: its generation went down ({was} -> {now}): the "
                f"disk and PV of the lower generation were retained or deleted when it was "
                f"raised, so creating them again fails or starts empty; generations only go up"
            )
            verdicts.append(SlotVerdict(claim, "refused", old_disk, new_disk, reason))
            continue
        if new_pv is None:
            kept = old_pv["options"].get("retainOnDelete")
            fate = "disk and PV kept" if kept else "disk and PV deleted"
            verdicts.append(SlotVerdict(claim, f"slot removed, {fate}", old_disk, None))
            continue
        disk_change = changes[disk["urn"]] if disk else None
        new_data = disk_change is not None and disk_change.action in ("create", "replace")
        if old_disk == new_disk and not new_data and claim in resynced:
            verdicts.append(
                SlotVerdict(claim, "keeps its disk, contents replaced", old_disk, new_disk)
            )
        elif old_disk == new_disk and not new_data:
            verdicts.append(SlotVerdict(claim, "keeps its disk", old_disk, new_disk))
        elif disk is not None and disk["inputs"].get("snapshot") and new_data:
            source = disk["inputs"]["snapshot"]
            verdicts.append(
                SlotVerdict(claim, f"new disk from snapshot {source}", old_disk, new_disk)
            )
        elif disk is not None and disk.get("read"):
            verdicts.append(SlotVerdict(claim, "adopts an existing disk", old_disk, new_disk))
        else:
            verdicts.append(SlotVerdict(claim, "new empty disk", old_disk, new_disk))
    return _resynced_from_a_new_primary(verdicts, current)


def _generation_left(
    pv: dict[str, Any], disk: dict[str, Any] | None, new: dict[str, Any] | None, reason: str
) -> str:
    """Why the slot's previous PV cannot leave the stack, and how to keep it where it can be
    kept: a generation the slot raised, of a disk it created, in the same form (the program
    keeps no adopted disk and no generation of the other form as retired)."""
    generation, name = _generation(disk), pv["inputs"]["metadata"]["name"]
    if disk is None or new is None or _generation(new) <= generation:
        return reason
    release = "release it first (`pulumi state unprotect` on its {}, then run again)"
    if disk.get("read"):
        return (
            f"the PV of adopted disk {_disk_name(pv)} would leave the stack ({reason}); an "
            f"adopted disk is not kept as a retired generation: "
            f"{release.format('PV and its -record')}; the disk itself is never deleted"
        )
    release = release.format("disk, PV, schedule attachment and -record")
    if disk["type"] != new["type"]:
        return (
            f"generation {generation} of the slot ({name}) would leave the stack ({reason}); a "
            f"zonal and a regional disk are different resources, so it cannot be kept as a "
            f"retired generation under the new placement: keep the slot's form, or {release} "
            f"(docs/operations.md, 'Moving a slot')"
        )
    return (
        f"storage.retiredGenerations: generation {generation} of the slot ({name}) would "
        f"leave the stack ({reason}); keep it by adding {generation} to the slot's "
        f"retiredGenerations entry, or release it first (docs/operations.md, 'Moving a slot')"
    )


def _resynced_from_a_new_primary(
    verdicts: list[SlotVerdict], current: list[dict[str, Any]]
) -> list[SlotVerdict]:
    """With replication, the first ordinal's pod starts as the primary: when its claim gets a
    new disk (empty, or from a snapshot), every replica resyncs from it and its data is
    replaced, though it keeps its disk."""
    new = _statefulset(current)
    if new is None or not _replicates(new):
        return verdicts
    running = _running_claims(new)
    if not running:  # scaled to zero: no pod starts as anything
        return verdicts
    primary = running[0]
    fresh = [v for v in verdicts if v.pvc == primary and v.verdict.startswith("new ")]
    if not fresh:
        return verdicts
    reason = (
        f"{primary} starts as the primary on its {fresh[0].verdict}, and every replica "
        f"resyncs from it"
    )
    return [
        SlotVerdict(v.pvc, "keeps its disk, contents replaced", v.disk_before, v.disk_after, reason)
        if v.verdict == "keeps its disk"
        else v
        for v in verdicts
    ]


def _identity_change(previous: list[dict[str, Any]], current: list[dict[str, Any]]) -> str:
    """Why the change is refused when the StatefulSet gets another name or namespace (under
    whatever URN): its pods would get new claims, with no disk pinned to them, while the old
    StatefulSet, its claims and perhaps its disks go; empty when it keeps both."""
    old, new = _statefulset(previous), _statefulset(current)
    if old is None or new is None:
        return ""
    before, after = old["inputs"]["metadata"], new["inputs"]["metadata"]
    for key in ("name", "namespace"):
        if before.get(key) != after.get(key):
            return (
                f"{key}: the StatefulSet {before.get('namespace')}/{before.get('name')} would "
                f"become {after.get('namespace')}/{after.get('name')}, a new StatefulSet on "
                f"new claims while the old one and its storage leave the stack; keep {key}, "
                f"or make a new stack restored from snapshots"
            )
    return ""


def _replaced_reason(change: ResourceChange) -> str:
    """Why a replaced disk or PV of a slot is refused, whatever the stack's protection."""
    kind = "PV" if change.type == PV_TYPE else "disk"
    return (
        f"its {kind} would be replaced (for {', '.join(change.forces_replacement)}), so the "
        f"claim would start on an empty disk; the program refuses it: keep those settings, "
        f"or move the slot with a new generation (docs/operations.md, 'Moving a slot')"
    )


def _statefulset(resources: list[dict[str, Any]]) -> dict[str, Any] | None:
    found = [r for r in resources if r["type"] == "kubernetes:apps/v1:StatefulSet"]
    return found[0] if found else None


def _replicates(statefulset: dict[str, Any] | None) -> bool:
    """Whether the pods start as replicas of a primary (their command says `--replicaof`)."""
    if statefulset is None:
        return False
    containers = statefulset["inputs"]["spec"]["template"]["spec"]["containers"]
    return any("--replicaof" in " ".join(c.get("command", [])) for c in containers)


def _turned_into_replicas(
    previous: list[dict[str, Any]], current: list[dict[str, Any]]
) -> set[str]:
    """Claims whose pod ran its own server and now starts as a replica of the first
    ordinal's: Redis replaces a replica's data with the primary's on its first sync."""
    old, new = _statefulset(previous), _statefulset(current)
    if new is None or _replicates(old) or not _replicates(new):
        return set()
    return set(_running_claims(new)[1:])


def _running_claims(statefulset: dict[str, Any]) -> list[str]:
    """The first claim of each running pod, `<ns>/<template>-<name>-<ordinal>`, in ordinal
    order: the first ordinal's is the bootstrap primary's."""
    spec, meta = statefulset["inputs"]["spec"], statefulset["inputs"]["metadata"]
    first = spec.get("ordinals", {}).get("start", 0)
    template = spec["volumeClaimTemplates"][0]["metadata"]["name"]
    ordinals = range(first, first + spec["replicas"])
    return [f"{meta['namespace']}/{template}-{meta['name']}-{i}" for i in ordinals]


def _generation(disk: dict[str, Any] | None) -> int:
    """The generation label the program gives each disk it creates (0 when unknown)."""
    if disk is None or disk.get("read"):
        return 0
    labels = disk["inputs"].get("labels")
    return int(labels.get("generation", 0)) if isinstance(labels, dict) else 0


def _make_urn(stack: str, project: str, parent: str | None, type_: str, name: str) -> str:
    """A URN as the engine builds it (urn.go, NewURN): the parent's type chain, unless the
    parent is the root stack."""
    qualified = type_
    if parent and parent.split("::")[2] != "pulumi:pulumi:Stack":
        qualified = f"{parent.split('::')[2]}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


def alias_urns(resources: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Per URN, every URN the engine would take as the same resource, in the order it tries
    them: the URN itself, its declared aliases (a URN, or a spec whose unset fields are the
    resource's own), then the aliases it inherits from its parent's (the parent's old URN as
    parent; a name that starts with the parent's name takes the parent's old name as prefix),
    as the engine's generateAliases and the SDK's `inherited_child_alias` compute them."""
    by_urn = {r["urn"]: r for r in resources}
    memo: dict[str, list[str]] = {}

    def candidates(urn: str) -> list[str]:
        if urn in memo:
            return memo[urn]
        r = by_urn[urn]
        stack, project = urn.split("::")[0].split(":", 2)[2], urn.split("::")[1]
        parent = r.get("parent")
        own = [urn]
        for alias in r["options"].get("aliases") or []:
            if alias.get("urn"):
                own.append(alias["urn"])
                continue
            spec = alias.get("spec") or {}
            alias_parent = None if spec.get("noParent") else (spec.get("parentUrn") or parent)
            own.append(
                _make_urn(
                    spec.get("stack") or stack,
                    spec.get("project") or project,
                    alias_parent,
                    spec.get("type") or r["type"],
                    spec.get("name") or r["name"],
                )
            )
        result = list(own)
        if parent in by_urn:
            parent_name = by_urn[parent]["name"]
            for parent_alias in candidates(parent)[1:]:
                alias_name = parent_alias.rsplit("::", 1)[-1]
                for child in own:
                    name = child.rsplit("::", 1)[-1]
                    if name.startswith(parent_name):
                        name = alias_name + name[len(parent_name) :]
                    child_type = child.split("::")[2].rsplit("$", 1)[-1]
                    result.append(_make_urn(stack, project, parent_alias, child_type, name))
        memo[urn] = list(dict.fromkeys(result))
        return memo[urn]

    return {urn: candidates(urn) for urn in by_urn}


def match_old(
    previous: list[dict[str, Any]], current: list[dict[str, Any]]
) -> tuple[dict[str, dict[str, Any] | None], dict[str, str]]:
    """Each current resource's previous one, and the resources the engine would refuse, as
    its step generator matches them (pulumi pkg/resource/deploy/step_generator.go,
    getOldResource), in registration order: its own URN first, then its aliases, the first
    found in the old state winning; a URN that an earlier resource took as an alias cannot be
    another's own (error 2016), and an alias that an earlier resource has as its own URN or
    took as an alias cannot be taken again (error 2008). Either stops the whole update."""
    before = {r["urn"]: r for r in previous}
    aliases = alias_urns(current)
    registered: set[str] = set()
    aliased: dict[str, str] = {}
    old_of: dict[str, dict[str, Any] | None] = {}
    invalid: dict[str, str] = {}
    for r in current:
        urn = r["urn"]
        registered.add(urn)
        if urn in aliased:
            invalid[urn] = f"its URN is the old URN that {_short_urn(aliased[urn])} takes by alias"
        found = next((u for u in aliases[urn] if u in before), None)
        if found is not None and found != urn:
            taker = aliased.get(found) or (found if found in registered else None)
            if taker is not None:
                invalid[urn] = (
                    f"its alias {_short_urn(found)} is already {_short_urn(taker)}'s, so it "
                    f"cannot move the stack"
                )
            else:
                aliased[found] = urn
        old_of[urn] = before[found] if found is not None else None
    return old_of, invalid


def _short_urn(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def compare(previous: list[dict[str, Any]], current: list[dict[str, Any]]) -> ChangeReport:
    """Every resource's step and every slot's verdict, from the earlier plan to this one.

    A previous resource is the current one whose URN or aliases name it, as the engine
    matches them (`match_old`); a resource the engine would refuse to match is refused.
    """
    before = {r["urn"]: r for r in previous}
    old_of, invalid = match_old(previous, current)
    counterpart = {old["urn"]: r for r in current if (old := old_of[r["urn"]]) is not None}
    changes = {}
    for r in current:
        if r["urn"] in invalid:
            reason = (
                f"the engine stops the update: {invalid[r['urn']]} (pulumi step_generator.go, "
                f"getOldResource); a stack deployed by v0.1.0 with rollout.ordinalsStart above "
                f"0 keeps its volumes' names with storage.legacyVolumeNames: true"
            )
            changes[r["urn"]] = ResourceChange(r["urn"], r["type"], "refused", reason=reason)
        else:
            changes[r["urn"]] = resource_change(old_of[r["urn"]], r)
    by_previous = {urn: changes[new["urn"]] for urn, new in counterpart.items()}
    for urn, old in before.items():
        if urn not in counterpart:
            changes[urn] = by_previous[urn] = resource_change(old, None)
    return ChangeReport(
        list(changes.values()), slot_verdicts(previous, current, by_previous, changes)
    )


def report_text(report: ChangeReport) -> str:
    """The preview as a person reads it: the resources that change, then each slot."""
    lines = ["changes:"]
    shown = [r for r in report.resources if r.action != "same"]
    for r in shown:
        line = f"  {r.action:8s} {r.urn.rsplit('::', 1)[-1]} ({r.type})"
        if r.forces_replacement:
            order = "delete first" if r.delete_before_replace else "create first"
            line += f"; replaced for {', '.join(r.forces_replacement)} ({order})"
        elif r.changed:
            line += f"; {', '.join(r.changed)}"
        if r.reason:
            line += f"; {r.reason}"
        lines.append(line)
    if not shown:
        lines.append("  none")
    lines.append("data, per claim:")
    for s in report.slots:
        line = f"  {s.pvc}: {s.verdict}"
        if s.disk_before != s.disk_after:
            line += f" ({s.disk_before or '-'} -> {s.disk_after or '-'})"
        if s.reason:
            line += f"; {s.reason}"
        lines.append(line)
    return "\n".join(lines)
