"""Preflight: before the first `pulumi up`, is the cluster ready for what the stack will create?

    python -m components.live.verify --stack <name> --preflight [--context CONTEXT]

Checks, from the rendered stack and the cluster's API (and GCE's disk list when `gcloud` is
on the PATH):
- the Compute Engine PD CSI driver is installed (the CSIDriver `pd.csi.storage.gke.io`);
- every zone a slot uses has a Ready node the pods may run on (the stack's node selector);
- those nodes' machine series can attach the stack's disk type (and regional disks);
- no PV and no GCE disk already exists under a name the stack will create (an adopted disk
  must exist);
- the namespace exists, and its Pod Security label admits the pods (restricted as built, or
  the weaker level the stack declares).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..settings import disk_types
from ..settings.app_settings import AppSettings

CSI_DRIVER = "pd.csi.storage.gke.io"
ZONE_LABEL = "topology.kubernetes.io/zone"
INSTANCE_TYPE_LABEL = "node.kubernetes.io/instance-type"
ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
LEVELS = ("privileged", "baseline", "restricted")  # weakest first


class PreflightCluster(Protocol):
    """What the preflight reads (a real cluster, or recorded responses in tests)."""

    def csi_driver(self, name: str) -> Any | None: ...
    def nodes(self) -> list[Any]: ...
    def namespace(self, name: str) -> Any | None: ...
    def persistent_volume(self, name: str) -> Any | None: ...


class DiskLister(Protocol):
    def disks(self, project: str) -> set[str] | str:
        """The project's disk names, or why they could not be listed."""
        ...


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _labels(obj: Any) -> Mapping[str, str]:
    return (obj.metadata.labels or {}) if obj is not None and obj.metadata else {}


def _ready(node: Any) -> bool:
    conditions = (node.status.conditions or []) if node.status else []
    return any(c.type == "Ready" and c.status == "True" for c in conditions)


def _series(node: Any) -> str:
    return _labels(node).get(INSTANCE_TYPE_LABEL, "").split("-", 1)[0]


def _eligible(node: Any, settings: AppSettings) -> bool:
    labels = _labels(node)
    selector = {k: v for k, v in settings.pods.node_selector.items() if isinstance(v, str)}
    return _ready(node) and all(labels.get(k) == v for k, v in selector.items())


def node_checks(settings: AppSettings, nodes: list[Any]) -> list[Check]:
    eligible = [n for n in nodes if _eligible(n, settings)]
    by_zone: dict[str, list[Any]] = {}
    for node in eligible:
        by_zone.setdefault(_labels(node).get(ZONE_LABEL, ""), []).append(node)
    checks = []
    for slot in settings.slots:
        places = [zone for zone in slot.zones if by_zone.get(zone)]
        if places:
            detail = f"{len(by_zone[places[0]])} Ready node(s) in {places[0]}"
        else:
            detail = f"no Ready node the pods may use in {' or '.join(slot.zones)}"
            if settings.pods.node_selector:
                detail += f" (node selector {dict(settings.pods.node_selector)})"
        checks.append(Check(f"nodes for slot {slot.index}", bool(places), detail))
    regional = any(slot.regional for slot in settings.slots)
    series = sorted(
        {_series(n) for zone in settings.storage.zones for n in by_zone.get(zone, [])} - {""}
    )
    for one in series:
        problems = disk_types.machine_problems(one, settings.storage.disk_type, regional)
        checks.append(
            Check(
                f"machine series {one}",
                not problems,
                "; ".join(p.partition(": ")[2] for p in problems)
                or f"attaches {settings.storage.disk_type}",
            )
        )
    return checks


def namespace_check(settings: AppSettings, namespace: Any | None) -> Check:
    if namespace is None:
        return Check(
            "namespace",
            False,
            f"{settings.namespace} does not exist (kubectl create namespace {settings.namespace})",
        )
    enforced = _labels(namespace).get(ENFORCE_LABEL, "privileged")
    needed = settings.security.pod_security_level
    if enforced in LEVELS and LEVELS.index(enforced) > LEVELS.index(needed):
        return Check(
            "namespace",
            False,
            f"{settings.namespace} enforces Pod Security {enforced}, but the pods need "
            f"{needed} (security.podSecurityLevel); label it "
            f"{ENFORCE_LABEL}={needed} or remove what needs it",
        )
    return Check("namespace", True, f"{settings.namespace} enforces {enforced}; the pods meet it")


def name_checks(
    pvs: list[str],
    disks: list[tuple[str, bool]],
    cluster: PreflightCluster,
    existing_disks: set[str] | str,
) -> list[Check]:
    """`disks`: (name, adopted) of every disk the stack uses."""
    taken = [name for name in pvs if cluster.persistent_volume(name) is not None]
    checks = [
        Check(
            "persistent volumes",
            not taken,
            f"already exist: {', '.join(taken)} (a PV of another stack, or of this one under "
            f"another state)"
            if taken
            else f"none of the {len(pvs)} names is taken",
        )
    ]
    if isinstance(existing_disks, str):
        checks.append(Check("disks", True, f"NOT CHECKED: {existing_disks}"))
        return checks
    clashing = [name for name, adopted in disks if not adopted and name in existing_disks]
    missing = [name for name, adopted in disks if adopted and name not in existing_disks]
    detail = []
    if clashing:
        detail.append(f"already exist: {', '.join(clashing)} (adopt them instead)")
    if missing:
        detail.append(f"adopted but not found: {', '.join(missing)}")
    checks.append(
        Check(
            "disks", not detail, "; ".join(detail) or f"{len(disks)} disk name(s) free or adopted"
        )
    )
    return checks


def preflight(
    settings: AppSettings,
    pvs: list[str],
    disks: list[tuple[str, bool]],
    cluster: PreflightCluster,
    lister: DiskLister | None = None,
) -> list[Check]:
    """Every preflight check, in order."""
    driver = cluster.csi_driver(CSI_DRIVER)
    checks = [
        Check(
            "PD CSI driver",
            driver is not None,
            "installed"
            if driver
            else f"CSIDriver {CSI_DRIVER} not found: enable the "
            "Compute Engine persistent disk CSI driver add-on",
        ),
        *node_checks(settings, cluster.nodes()),
        namespace_check(settings, cluster.namespace(settings.namespace)),
    ]
    existing = lister.disks(settings.gcp_project) if lister else "no way to list GCE disks"
    return [*checks, *name_checks(pvs, disks, cluster, existing)]


def report(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    return "\n".join(
        f"{'ok  ' if c.ok else 'FAIL'}  {c.name.ljust(width)}  {c.detail}" for c in checks
    )


class GcloudDisks:
    """GCE's disk names of a project, through `gcloud` (or why they could not be listed)."""

    def disks(self, project: str) -> set[str] | str:
        if shutil.which("gcloud") is None:
            return "gcloud is not on the PATH"
        command = ["gcloud", "compute", "disks", "list", f"--project={project}"]
        result = subprocess.run(
            [*command, "--format=json(name)"], capture_output=True, text=True, timeout=120
        )
        if result.returncode:
            reason = (result.stderr.strip().splitlines() or ["no message"])[-1]
            return f"gcloud compute disks list failed: {reason}"
        return {disk["name"] for disk in json.loads(result.stdout or "[]")}
