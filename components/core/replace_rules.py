"""Which input of which resource replaces it when it changes: one table, each row with its source.

The providers decide, not the program: the Google provider's schema (`ForceNew`, its
`CustomizeDiff` functions) for GCE resources, pulumi-kubernetes' `forceNew` lists for
Kubernetes objects, the engine for Pulumi's own resources. This table drives the change
predictor (`change_preview`) and the facts the program records per slot (`slot_record`), so a
rule added here is both predicted and guarded. `tools/replace_rules_extract.py` re-reads the
GCE rows from the provider's source; `tests/test_replace_rules.py` holds this table to the
last extract (`tests/fixtures/replace_rules_extract.json`).

Fields are the resource's inputs as the engine sees them (camelCase, dotted for nested).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Rule(StrEnum):
    """What a change of one input does to its resource."""

    UPDATE = "update in place"
    REPLACE = "replace"
    REPLACE_ON_SHRINK = "replace on shrink"
    REPLACE_UNLESS_HYPERDISK = "replace unless Hyperdisk"


@dataclass(frozen=True)
class FieldRule:
    """One row: the provider's rule for a field, whether the program keeps the field out of
    every diff (`ignoreChanges`, so no change of it is ever planned), and where it is decided."""

    rule: Rule
    source: str
    ignored: bool = False


# pulumi-gcp bridges terraform-provider-google-beta (pulumi-gcp provider/go.mod); read at
# v7.45.0 (3dc173a3), the same five files as its later HEADs.
GOOGLE = "hashicorp/terraform-provider-google-beta v7.45.0, google-beta/services/compute/"
DISK_GO = f"{GOOGLE}resource_compute_disk.go, ResourceComputeDisk"
REGION_DISK_GO = f"{GOOGLE}resource_compute_region_disk.go, ResourceComputeRegionDisk"
POLICY_GO = (
    f"{GOOGLE}resource_compute_resource_policy.go, ResourceComputeResourcePolicy (an Update "
    "through PATCH since 'Make ResourcePolicy updatable', #11091, July 2024)"
)
ATTACHMENT_GO = (
    f"{GOOGLE}resource_compute_(region_)disk_resource_policy_attachment.go: every field "
    "ForceNew, its Update only reads"
)
K8S_DIFF = "pulumi/pulumi-kubernetes v4, provider/pkg/provider/diff.go, forceNewProperties"
ENGINE_STASH = "pulumi/pulumi, pkg/resource/deploy/builtins.go, Stash (Update keeps the output)"

DISK = "gcp:compute/disk:Disk"
REGION_DISK = "gcp:compute/regionDisk:RegionDisk"
RESOURCE_POLICY = "gcp:compute/resourcePolicy:ResourcePolicy"
DISK_ATTACHMENT = "gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment"
REGION_DISK_ATTACHMENT = (
    "gcp:compute/regionDiskResourcePolicyAttachment:RegionDiskResourcePolicyAttachment"
)
STASH = "pulumi:index:Stash"
PV = "kubernetes:core/v1:PersistentVolume"

FORCE_NEW = "ForceNew"
CLIENT_SIDE = "only changes what the provider does on delete (clientSideFields)"
# The disk inputs the program sets, and the rest of each schema: every field not listed here
# takes its resource's default rule (`DEFAULT_RULE`, replace for GCE), as ForceNew does.
_DISK_COMMON: dict[str, FieldRule] = {
    "name": FieldRule(Rule.REPLACE, FORCE_NEW),
    "project": FieldRule(Rule.REPLACE, FORCE_NEW),
    "type": FieldRule(Rule.REPLACE, FORCE_NEW),
    "size": FieldRule(
        Rule.REPLACE_ON_SHRINK,
        'CustomizeDiff customdiff.ForceNewIfChange("size", IsDiskShrinkage), a resize '
        "otherwise; the CSI resizer grows the disk, so the program ignores size and grows it "
        "through the claim",
        ignored=True,
    ),
    "provisionedIops": FieldRule(
        Rule.REPLACE_UNLESS_HYPERDISK,
        "CustomizeDiff hyperDiskIopsUpdateDiffSuppress: d.ForceNew when the type does not "
        "contain 'hyperdisk', a PATCH otherwise",
    ),
    "snapshot": FieldRule(
        Rule.REPLACE, "ForceNew; it only shapes a new disk, so the program ignores it", True
    ),
    "diskEncryptionKey": FieldRule(
        Rule.REPLACE,
        "ForceNew; re-encrypting is a snapshot-and-restore migration, so the program ignores "
        "it and a new key applies to new disks",
        ignored=True,
    ),
    "labels": FieldRule(Rule.UPDATE, "updated through setLabels"),
    "provisionedThroughput": FieldRule(Rule.UPDATE, "updated through PATCH"),
    "accessMode": FieldRule(Rule.UPDATE, "updated through PATCH"),
    "deletionPolicy": FieldRule(Rule.UPDATE, CLIENT_SIDE),
    "createSnapshotBeforeDestroy": FieldRule(Rule.UPDATE, CLIENT_SIDE),
    "createSnapshotBeforeDestroyPrefix": FieldRule(Rule.UPDATE, CLIENT_SIDE),
}
DISK_RULES: dict[str, FieldRule] = {**_DISK_COMMON, "zone": FieldRule(Rule.REPLACE, FORCE_NEW)}
REGION_DISK_RULES: dict[str, FieldRule] = {
    **_DISK_COMMON,
    "region": FieldRule(Rule.REPLACE, FORCE_NEW),
    "replicaZones": FieldRule(Rule.REPLACE, FORCE_NEW),
}
POLICY_RULES: dict[str, FieldRule] = {
    "project": FieldRule(Rule.REPLACE, FORCE_NEW),
    "region": FieldRule(Rule.REPLACE, FORCE_NEW),
    "snapshotSchedulePolicy": FieldRule(Rule.UPDATE, "updated through PATCH"),
    "instanceSchedulePolicy": FieldRule(Rule.UPDATE, "updated through PATCH"),
    "description": FieldRule(Rule.UPDATE, "updated through PATCH"),
    # Not ForceNew, so a rename is planned in place (the PATCH then names the new policy);
    # the program never renames it without renaming the app, which is refused.
    "name": FieldRule(Rule.UPDATE, "not ForceNew: planned as an update"),
    "deletionPolicy": FieldRule(Rule.UPDATE, CLIENT_SIDE),
}


def _cited(rows: dict[str, FieldRule], source: str) -> dict[str, FieldRule]:
    return {k: FieldRule(r.rule, f"{source}: {r.source}", r.ignored) for k, r in rows.items()}


RULES: dict[str, dict[str, FieldRule]] = {
    DISK: _cited(DISK_RULES, DISK_GO),
    REGION_DISK: _cited(REGION_DISK_RULES, REGION_DISK_GO),
    RESOURCE_POLICY: _cited(POLICY_RULES, POLICY_GO),
    DISK_ATTACHMENT: _cited({"deletionPolicy": FieldRule(Rule.UPDATE, CLIENT_SIDE)}, ATTACHMENT_GO),
    REGION_DISK_ATTACHMENT: _cited(
        {"deletionPolicy": FieldRule(Rule.UPDATE, CLIENT_SIDE)}, ATTACHMENT_GO
    ),
    PV: {
        "metadata.name": FieldRule(Rule.REPLACE, f"{K8S_DIFF}: .metadata.name, every kind"),
        "metadata.namespace": FieldRule(Rule.REPLACE, f"{K8S_DIFF}: .metadata.namespace"),
        "spec.csi": FieldRule(Rule.REPLACE, f"{K8S_DIFF}: PersistentVolume volume sources"),
        "spec.capacity": FieldRule(
            Rule.UPDATE,
            f"{K8S_DIFF}: not listed; the program ignores it (the CSI resizer owns it)",
            ignored=True,
        ),
    },
    STASH: {"input": FieldRule(Rule.UPDATE, f"{ENGINE_STASH}: an input change keeps the value")},
}
# Where a field is not listed: GCE resources are replaced (every field of theirs that is not
# listed above is ForceNew, or ForceNew in a nested field; the extract test holds this);
# Kubernetes objects follow their kind's list in `KUBERNETES_FORCE_NEW`.
DEFAULT_RULE: dict[str, Rule] = {
    DISK: Rule.REPLACE,
    REGION_DISK: Rule.REPLACE,
    RESOURCE_POLICY: Rule.REPLACE,
    DISK_ATTACHMENT: Rule.REPLACE,
    REGION_DISK_ATTACHMENT: Rule.REPLACE,
    STASH: Rule.UPDATE,
}

# pulumi-kubernetes' replace rules (provider/pkg/provider/diff.go, forceNewProperties) for the
# kinds the app registers; every kind is also replaced when metadata.name or
# metadata.namespace changes. Kinds not listed (NetworkPolicy, policy/v1 PodDisruptionBudget,
# custom resources) are replaced for their name only.
KUBERNETES_NAME = ("metadata.name", "metadata.namespace")
KUBERNETES_FORCE_NEW: dict[str, tuple[str, ...]] = {
    # Only its volume sources (22 fields under .spec); of those the program sets csi.
    "PersistentVolume": ("spec.csi",),
    "StatefulSet": (
        "spec.podManagementPolicy",
        "spec.revisionHistoryLimit",
        "spec.selector",
        "spec.serviceName",
        "spec.volumeClaimTemplates",
    ),
    # reclaimPolicy and volumeBindingMode are sent as updates, which the API server refuses.
    "StorageClass": ("parameters", "provisioner"),
    "Service": ("spec.clusterIP",),
    # Immutable unless the provider enables mutation (enableSecretMutable /
    # enableConfigMapMutable, both off by default).
    "Secret": ("type", "data", "stringData"),
    "ConfigMap": ("data", "binaryData"),
}

# hyperDiskIopsUpdateDiffSuppress: strings.Contains(type, "hyperdisk").
HYPERDISK = "hyperdisk"


def _under(path: str, root: str) -> bool:
    """`path` is `root`, inside it, or holds it."""
    return path == root or path.startswith(root + ".") or root.startswith(path + ".")


def field_rule(resource_type: str, path: str) -> FieldRule | None:
    """The row for `path` (dotted) of `resource_type`, the most specific that covers it."""
    rows = RULES.get(resource_type, {})
    matches = [field for field in rows if _under(path, field)]
    if not matches:
        return None
    return rows[max(matches, key=len)]


def rule_of(resource_type: str, path: str) -> Rule | None:
    """The rule for `path` of a non-Kubernetes `resource_type`: its row, else the type's
    default; None for a type the table does not know."""
    row = field_rule(resource_type, path)
    return row.rule if row else DEFAULT_RULE.get(resource_type)


def forces_replacement(
    resource_type: str, path: str, old: dict[str, Any], new: dict[str, Any]
) -> bool:
    """Whether a change of `path` from the `old` inputs to the `new` ones replaces the
    resource, as its provider decides."""
    if resource_type.startswith("kubernetes:"):
        if resource_type.endswith("Patch"):
            return False
        kind = new.get("kind", "")
        roots = (*KUBERNETES_NAME, *KUBERNETES_FORCE_NEW.get(kind, ()))
        return any(_under(path, root) for root in roots)
    rule = rule_of(resource_type, path)
    if rule is None:
        return resource_type.startswith("random:")
    if rule is Rule.REPLACE_ON_SHRINK:
        before, after = _number(old.get(path)), _number(new.get(path))
        return before is not None and after is not None and after < before
    if rule is Rule.REPLACE_UNLESS_HYPERDISK:
        return HYPERDISK not in str(new.get("type", ""))
    return rule is Rule.REPLACE


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


# Every input of a resource kept as the state holds it (a retired generation's): "*" resets
# each top-level input to the state's value (pulumi sdk/go/common/resource/properties_path.go,
# PropertyPath.reset on "*", applied by step_generator.go processIgnoreChanges whenever the
# resource is already in the state).
FROZEN = ["*"]


def is_frozen(options: dict[str, Any]) -> bool:
    """Whether a registration's options (as the engine records them) freeze every input."""
    return FROZEN[0] in (options.get("ignoreChanges") or [])


def ignored_fields(resource_type: str) -> list[str]:
    """The fields the program keeps out of every diff of `resource_type` (its
    `ignoreChanges`)."""
    return [field for field, row in RULES.get(resource_type, {}).items() if row.ignored]


def recorded_fields(resource_type: str, disk_type: str) -> list[str]:
    """The fields of a slot's `resource_type` whose change would replace it and that the
    program does not ignore for its own reasons: every one of them is recorded with the slot
    and guarded, and a disk keeps its deployed value (`kept_fields`)."""
    fields = []
    for field, row in RULES.get(resource_type, {}).items():
        if row.ignored:
            continue
        if row.rule is Rule.REPLACE or (
            row.rule is Rule.REPLACE_UNLESS_HYPERDISK and HYPERDISK not in disk_type
        ):
            fields.append(field)
    return fields


def held_fields(resource_type: str) -> list[str]:
    """The fields of `resource_type` that the program keeps as deployed, whatever the disk's
    type: each one whose change can replace it, IOPS included even on Hyperdisk. The rule
    for IOPS reads the type the engine hands the provider, which is the deployed one once
    `type` is kept (hyperDiskIopsUpdateDiffSuppress reads d.Get("type")), so a change from
    pd-extreme to Hyperdisk with new IOPS would replace the disk unless IOPS is kept too, and
    a replacement's inputs are the config's (step_generator.go: a replacement is checked
    from the program's inputs, without the ignored ones' reset), hiding the deployed disk."""
    return [
        field
        for field, row in RULES.get(resource_type, {}).items()
        if not row.ignored and row.rule in (Rule.REPLACE, Rule.REPLACE_UNLESS_HYPERDISK)
    ]


def kept_fields(resource_type: str) -> list[str]:
    """A slot's disk's `ignoreChanges`: the fields ignored for their own reasons, then every
    field held as deployed (`held_fields`). The engine keeps the deployed value of each
    (step_generator.go, processIgnoreChanges), so no config change replaces the disk and the
    disk's outputs say what is deployed (`deployed_disk`)."""
    return [*ignored_fields(resource_type), *held_fields(resource_type)]
