"""Turn a recorded program run into what would be deployed: manifests, a plan, a summary."""

from __future__ import annotations

import heapq
import re
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

import yaml

from ..settings import naming

if TYPE_CHECKING:  # the fast render uses this module without the engine's SDK
    from .mock_engine import ProgramRun, Registration

MANIFEST_HEAD = ("apiVersion", "kind", "metadata", "spec")


class ManifestDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """libyaml's emitter when PyYAML has it (many times faster than PyYAML's own), writing a
    text of several lines (a start script, a config file) as a literal block, as it reads."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value.rstrip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


ManifestDumper.add_representer(str, _text)
DUMPER = ManifestDumper
LINE_WIDTH = 1 << 30
# The order in which kubectl applies kinds safely (as Helm installs them).
KIND_ORDER = (
    "Namespace",
    "NetworkPolicy",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "Service",
    "StatefulSet",
    "PodDisruptionBudget",
    "PodMonitoring",
)


def natural_key(text: str) -> list[Any]:
    """Sort `data-10` after `data-9`."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def ordered(registrations: list[Registration]) -> list[Registration]:
    """Registrations in a stable order: parents and dependencies first, then by name.

    The engine receives registrations concurrently, in no fixed order; written files must
    not change from one run to the next.
    """
    by_urn = {r.urn: r for r in registrations}
    waits = {
        r.urn: {d for d in (r.parent, *r.dependencies) if d in by_urn and d != r.urn}
        for r in registrations
    }
    dependents: dict[str, list[str]] = defaultdict(list)
    for urn, prerequisites in waits.items():
        for prerequisite in prerequisites:
            dependents[prerequisite].append(urn)

    def key(urn: str) -> tuple[Any, ...]:
        return (natural_key(by_urn[urn].name), by_urn[urn].type, urn)

    ready = [key(urn) for urn, prerequisites in waits.items() if not prerequisites]
    heapq.heapify(ready)
    result = []
    while ready:
        urn = heapq.heappop(ready)[-1]
        result.append(by_urn[urn])
        for dependent in dependents[urn]:
            waits[dependent].discard(urn)
            if not waits[dependent]:
                heapq.heappush(ready, key(dependent))
    placed = {r.urn for r in result}
    return result + sorted(
        (r for r in registrations if r.urn not in placed), key=lambda r: key(r.urn)
    )


def is_kubernetes_object(registration: Registration) -> bool:
    """A whole object of the Kubernetes provider that the update writes: no provider, no read,
    no patch, and not frozen (a retired generation's PV keeps what the state holds, so the
    program's inputs for it are never applied)."""
    # Here, not at the top: the fast render writes manifests without registrations, and
    # without the rules table's import.
    from ..core.replace_rules import is_frozen

    return (
        registration.custom
        and not registration.read
        and registration.type.startswith("kubernetes:")
        and not registration.type.endswith("Patch")
        and "kind" in registration.inputs
        and not is_frozen(registration.options)
    )


def manifest(registration: Registration) -> dict[str, Any]:
    """The object as kubectl would apply it: apiVersion, kind, metadata, spec first."""
    return head_first(registration.inputs)


def head_first(obj: dict[str, Any]) -> dict[str, Any]:
    """`obj` with apiVersion, kind, metadata and spec first, the rest in its order."""
    head = {key: obj[key] for key in MANIFEST_HEAD if key in obj}
    return {**head, **{k: v for k, v in obj.items() if k not in MANIFEST_HEAD}}


def manifests(run: ProgramRun) -> list[dict[str, Any]]:
    """Every Kubernetes object, in the order kubectl should apply them."""
    return in_apply_order([manifest(r) for r in run.registrations if is_kubernetes_object(r)])


def in_apply_order(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Kubernetes objects sorted as kubectl should apply them: by kind, namespace, name."""

    def key(obj: dict[str, Any]) -> tuple[Any, ...]:
        kind = obj["kind"]
        rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
        meta = obj.get("metadata", {})
        return (rank, kind, meta.get("namespace", ""), natural_key(meta.get("name", "")))

    return sorted(objects, key=key)


def secret_note(secrets: list[dict[str, Any]]) -> str:
    """The comment that stands in the file for the Secrets left out of it."""
    lines = []
    for obj in secrets:
        meta = obj.get("metadata", {})
        keys = sorted({*obj.get("stringData", {}), *obj.get("data", {})})
        lines += [
            f"# Not in this file: Secret {meta.get('namespace', 'default')}/{meta.get('name')}"
            f" (keys: {', '.join(keys)}).",
            "# `pulumi up` creates it from the stack's secret config. To apply this file with",
            "# kubectl instead, create it first",
            "# (docs/renderer.md, 'Applying manifests.yaml without Pulumi'):",
            f"#   kubectl -n {meta.get('namespace', 'default')} create secret generic "
            f"{meta.get('name')} " + " ".join(f"--from-file={key}=<file>" for key in keys),
        ]
    return "".join(f"{line}\n" for line in lines)


def manifests_yaml(run: ProgramRun) -> str:
    """The run's objects as `manifests_text` writes them."""
    return manifests_text(manifests(run))


def manifests_text(objects: list[dict[str, Any]]) -> str:
    """Multi-document YAML that `kubectl apply -f` takes, without Secrets.

    A Secret's values are never known offline; a stand-in value that kubectl would apply is
    worse than none (it would set a known password), so each Secret is named in a comment.
    """
    secrets = [o for o in objects if o["kind"] == "Secret"]
    rest = [o for o in objects if o["kind"] != "Secret"]
    # No folding of long lines: a folded scalar is hard to read and to grep, and the two
    # emitters fold differently.
    body = yaml.dump_all(
        rest, Dumper=DUMPER, sort_keys=False, default_flow_style=False, width=LINE_WIDTH
    )
    return secret_note(secrets) + body


def plan(run: ProgramRun) -> dict[str, Any]:
    """Every registered resource with its parent, dependencies, options and inputs."""
    return {
        "project": run.project,
        "stack": run.stack,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "custom": r.custom,
                "read": r.read,
                "parent": r.parent,
                "dependencies": sorted(r.dependencies, key=natural_key),
                "options": r.options,
                "inputs": r.inputs,
                **({} if r.outputs is None else {"outputs": r.outputs}),
            }
            for r in ordered(run.registrations)
        ],
        "outputs": run.outputs,
    }


def _zones(pv: dict[str, Any]) -> list[str]:
    terms = pv["spec"].get("nodeAffinity", {}).get("required", {}).get("nodeSelectorTerms", [])
    return [
        zone
        for term in terms
        for expression in term.get("matchExpressions", [])
        for zone in expression.get("values", [])
    ]


def pod_table(objects: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Per pod and claim: DNS name, PVC, the PV whose claimRef pins it, its disk and zone."""
    pvs = {
        (pv["spec"]["claimRef"]["namespace"], pv["spec"]["claimRef"]["name"]): pv
        for pv in objects
        if pv["kind"] == "PersistentVolume" and "claimRef" in pv.get("spec", {})
    }
    rows = []
    for sts in (o for o in objects if o["kind"] == "StatefulSet"):
        name = sts["metadata"]["name"]
        namespace = sts["metadata"].get("namespace", "default")
        spec = sts["spec"]
        templates = [t["metadata"]["name"] for t in spec.get("volumeClaimTemplates", [])]
        start = spec.get("ordinals", {}).get("start", 0)
        end = start + spec.get("replicas", 1)
        ordinal = start
        # Running pods, then retired slots: ordinals whose storage is kept without a pod.
        while ordinal < end or any(
            (namespace, naming.pvc_name(t, name, ordinal)) in pvs for t in templates
        ):
            retired = ordinal >= end
            for template in templates:
                claim = naming.pvc_name(template, name, ordinal)
                pv = pvs.get((namespace, claim))
                handle = pv["spec"].get("csi", {}).get("volumeHandle", "") if pv else ""
                rows.append(
                    {
                        "pod": naming.pod_name(name, ordinal) + (" (retired)" if retired else ""),
                        "dns": "-"
                        if retired
                        else naming.pod_dns(name, ordinal, spec["serviceName"], namespace),
                        "pvc": claim,
                        "pv": pv["metadata"]["name"] if pv else "MISSING",
                        "disk": handle.rsplit("/", 1)[-1] if handle else "MISSING",
                        "zone": "+".join(_zones(pv)) if pv else "MISSING",
                    }
                )
            ordinal += 1
    return rows


def summary(run: ProgramRun) -> str:
    """Resources by type, then each pod with its DNS name, PVC, PV, disk and zone, then the
    app's outputs a user asked for by a setting."""
    lines = [f"{run.project}/{run.stack}: {len(run.registrations)} resources"]
    for type_, count in sorted(Counter(r.type for r in run.registrations).items()):
        lines.append(f"  {count:4d}  {type_}")
    return "\n".join([*lines, *pod_lines(manifests(run)), *output_lines(run.outputs)])


# The outputs the summary shows (the pod table shows the per-pod names), in this order.
SUMMARY_OUTPUTS = (
    "serviceDns",
    "srvNames",
    "storageClassName",
    "bootstrapPrimary",
    "sentinelAddresses",
    "masterName",
    "adoptedDisks",
)


def output_lines(outputs: dict[str, Any]) -> list[str]:
    """The app's outputs worth reading at a glance, empty ones left out; lists joined."""
    lines = []
    for key in SUMMARY_OUTPUTS:
        value = outputs.get(key)
        if value in (None, "", []):
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        lines.append(f"  {key}: {shown}")
    retired = [str(slot["pvc"]) for slot in outputs.get("retiredSlots") or []]
    if retired:
        lines.append(f"  retiredSlots: {', '.join(retired)}")
    return ["", "outputs:", *lines] if lines else []


def pod_lines(objects: list[dict[str, Any]]) -> list[str]:
    """The pod table as text: a blank line, the header, a row per pod and claim."""
    lines: list[str] = []
    rows = pod_table(objects)
    if rows:
        columns = ("pod", "dns", "pvc", "pv", "disk", "zone")
        widths = {c: max(len(c), *(len(row[c]) for row in rows)) for c in columns}
        lines.append("")
        lines.append("  ".join(c.upper().ljust(widths[c]) for c in columns).rstrip())
        for row in rows:
            lines.append("  ".join(row[c].ljust(widths[c]) for c in columns).rstrip())
    return lines
