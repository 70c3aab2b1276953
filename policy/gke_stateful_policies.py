"""CrossGuard policies for stateful apps on GKE: the data-safety rules of the static-PV
pattern and the restricted pod security profile.

Each rule is a plain function over resource properties that returns its violations, so it is
tested in-process; the Policy objects below wrap them for the policy pack.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

DISK_TYPES = ("gcp:compute/disk:Disk", "gcp:compute/regionDisk:RegionDisk")
PV = "kubernetes:core/v1:PersistentVolume"
STATEFULSET = "kubernetes:apps/v1:StatefulSet"
ZONE_KEY = "topology.gke.io/zone"
HANDLE = re.compile(r"^projects/[^/]+/(zones|regions)/([^/]+)/disks/([^/]+)$")

# --- data safety ---------------------------------------------------------------------------


def disk_protection_problems(protect: bool, prod_like: bool) -> list[str]:
    """In prod-like stacks every disk is protected, so no plan can delete or replace it.

    (CrossGuard does not see `retainOnDelete`, so protection is what the rule can require.)
    """
    if prod_like and not protect:
        return ["disks of a prod-like stack must be protected (protect: true)"]
    return []


def pv_reclaim_problems(props: Mapping[str, Any]) -> list[str]:
    policy = props.get("spec", {}).get("persistentVolumeReclaimPolicy")
    if policy != "Retain":
        return [f"PV reclaim policy must be Retain, not {policy!r}: the disk outlives its claim"]
    return []


def pv_claim_ref_problems(props: Mapping[str, Any]) -> list[str]:
    ref = props.get("spec", {}).get("claimRef") or {}
    if not ref.get("name") or not ref.get("namespace"):
        return ["PV must be pinned by claimRef (namespace and name) to exactly one claim"]
    return []


def _claims_of(sts: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    """Claim-name prefix `<template>-<sts>-` (and namespace) -> the template's spec."""
    name = sts.get("metadata", {}).get("name", "")
    namespace = sts.get("metadata", {}).get("namespace", "default")
    return {
        (namespace, f"{t['metadata']['name']}-{name}-"): t.get("spec", {})
        for t in sts.get("spec", {}).get("volumeClaimTemplates", [])
    }


def class_match_problems(
    statefulsets: list[Mapping[str, Any]], pvs: list[Mapping[str, Any]]
) -> list[str]:
    """A PV pinned to a StatefulSet's claim has the claim template's storageClassName."""
    problems = []
    templates: dict[tuple[str, str], Mapping[str, Any]] = {}
    for sts in statefulsets:
        templates |= _claims_of(sts)
    for pv in pvs:
        ref = pv.get("spec", {}).get("claimRef") or {}
        for (namespace, prefix), template in templates.items():
            claim = str(ref.get("name", ""))
            ordinal = claim[len(prefix) :]
            if ref.get("namespace") != namespace or not claim.startswith(prefix):
                continue
            wanted = template.get("storageClassName")
            given = pv.get("spec", {}).get("storageClassName")
            if ordinal.isdigit() and given != wanted:
                problems.append(
                    f"PV {pv.get('metadata', {}).get('name')}: class {given!r} differs "
                    f"from claim template's {wanted!r}, so {claim} never binds"
                )
    return problems


def zone_match_problems(pvs: list[Mapping[str, Any]], disks: Mapping[str, list[str]]) -> list[str]:
    """A PV's zone affinity names its disk's zone(s) (`disks`: disk name -> zones)."""
    problems = []
    for pv in pvs:
        spec = pv.get("spec", {})
        match = HANDLE.match(str(spec.get("csi", {}).get("volumeHandle", "")))
        if not match or match.group(3) not in disks:
            continue  # not a disk of this stack (adopted disks are checked where they live)
        terms = spec.get("nodeAffinity", {}).get("required", {}).get("nodeSelectorTerms", [])
        affinity = sorted(
            value
            for term in terms
            for expression in term.get("matchExpressions", [])
            if expression.get("key") == ZONE_KEY and expression.get("operator") == "In"
            for value in expression.get("values", [])
        )
        if affinity != sorted(disks[match.group(3)]):
            problems.append(
                f"PV {pv.get('metadata', {}).get('name')}: zone affinity {affinity} but disk "
                f"{match.group(3)} is in {sorted(disks[match.group(3)])}"
            )
    return problems


# --- pod security --------------------------------------------------------------------------


def restricted_problems(pod_spec: Mapping[str, Any]) -> list[str]:
    """The restricted Pod Security Standard, as far as a pod template shows it."""
    problems = []
    pod = pod_spec.get("securityContext", {}) or {}
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod_spec.get(field):
            problems.append(f"{field} must not be set")
    for volume in pod_spec.get("volumes", []) or []:
        if "hostPath" in volume:
            problems.append(f"volume {volume.get('name')}: hostPath is not allowed")
    containers = [
        *(pod_spec.get("initContainers") or []),
        *(pod_spec.get("containers") or []),
    ]
    for container in containers:
        name = container.get("name")
        sc = container.get("securityContext", {}) or {}
        if sc.get("privileged"):
            problems.append(f"container {name}: privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"container {name}: allowPrivilegeEscalation must be false")
        if "ALL" not in (sc.get("capabilities", {}) or {}).get("drop", []):
            problems.append(f"container {name}: capabilities must drop ALL")
        if (sc.get("capabilities", {}) or {}).get("add", []) not in ([], ["NET_BIND_SERVICE"]):
            problems.append(f"container {name}: only NET_BIND_SERVICE may be added")
        # A container's own setting wins over the pod's.
        if not sc.get("runAsNonRoot", pod.get("runAsNonRoot")):
            problems.append(f"container {name}: runAsNonRoot must be true")
        if sc.get("runAsUser", pod.get("runAsUser")) == 0:
            problems.append(f"container {name}: runAsUser 0 (root)")
        seccomp = (sc.get("seccompProfile") or pod.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problems.append(f"container {name}: seccompProfile must be RuntimeDefault")
    return problems


# --- the policies ------------------------------------------------------------------------


def _report_all(problems: list[str], report: Callable[[str, str | None], None], urn=None) -> None:
    for problem in problems:
        report(problem, urn)


def _validate_disk(args: ResourceValidationArgs, report) -> None:
    if args.resource_type in DISK_TYPES:
        prod_like = bool((args.get_config() or {}).get("prodLike", False))
        _report_all(disk_protection_problems(args.opts.protect, prod_like), report)


def _validate_pv(args: ResourceValidationArgs, report) -> None:
    if args.resource_type == PV:
        _report_all(pv_reclaim_problems(args.props) + pv_claim_ref_problems(args.props), report)


def _validate_pods(args: ResourceValidationArgs, report) -> None:
    if args.resource_type == STATEFULSET:
        template = args.props.get("spec", {}).get("template", {}).get("spec", {})
        _report_all(restricted_problems(template), report)


def _validate_stack(args: StackValidationArgs, report) -> None:
    statefulsets = [r.props for r in args.resources if r.resource_type == STATEFULSET]
    pvs = [r for r in args.resources if r.resource_type == PV]
    disks: dict[str, list[str]] = {}
    for r in args.resources:
        if r.resource_type in DISK_TYPES and r.props.get("name"):
            zones = r.props.get("replicaZones") or [r.props.get("zone")]
            disks[r.props["name"]] = [z.rsplit("/", 1)[-1] for z in zones if z]
    for pv in pvs:
        _report_all(class_match_problems(statefulsets, [pv.props]), report, pv.urn)
        _report_all(zone_match_problems([pv.props], disks), report, pv.urn)


disks_protected = ResourceValidationPolicy(
    name="disks-protected-in-prod",
    description="Disks of prod-like stacks are protected, so no plan deletes or replaces them.",
    validate=_validate_disk,
    config_schema=PolicyConfigSchema(
        properties={"prodLike": {"type": "boolean", "default": False}}
    ),
)
pv_retained_and_pinned = ResourceValidationPolicy(
    name="pv-retained-and-pinned",
    description="PersistentVolumes use reclaim policy Retain and are pinned by claimRef.",
    validate=_validate_pv,
)
pods_restricted = ResourceValidationPolicy(
    name="pods-restricted",
    description="StatefulSet pods meet the restricted Pod Security Standard.",
    validate=_validate_pods,
)
volumes_bind_where_disks_are = StackValidationPolicy(
    name="pv-class-and-zone-match",
    description="Each PV has its claim template's class, and its zone affinity is its disk's.",
    validate=_validate_stack,
)

POLICIES = [disks_protected, pv_retained_and_pinned, pods_restricted, volumes_bind_where_disks_are]
