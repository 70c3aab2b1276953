"""Live verification of a deployed stack: seed 004's walkthrough, automated.

    python -m components.live.verify --stack <name> [--config KEY=VALUE ...] [--dns]

Renders the stack offline to know what the plan pinned, then asks the cluster (through the
current kubeconfig, with the official `kubernetes` client) whether:
- each pod `<sts>-<i>` is Ready;
- each claim `<template>-<sts>-<i>` is Bound to the PV the plan pinned;
- each pod runs in its disk's zone (its node's `topology.kubernetes.io/zone`);
- with `--dns`, each pod's DNS name resolves from inside the first pod;
- for a Redis app that replicates, `INFO replication` in each pod: one primary, every other
  pod its replica and in sync; and every Sentinel naming that primary.
Prints a table; exits 1 when any check fails, 2 on invalid configuration.

With `--preflight`, before the first `pulumi up` instead: is the cluster ready for the stack
(`components/live/preflight.py`)?
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pulumi

from ..offline import plan
from ..offline.render import render
from ..stack.stack_config import StackConfigError
from .replication_check import info_command, replication_problems, sentinel_command

ZONE_LABEL = "topology.kubernetes.io/zone"
EXIT_FAILED = 1
EXIT_INVALID = 2


class Cluster(Protocol):
    """What verification reads from a cluster (a real one, or recorded responses in tests)."""

    def pod(self, namespace: str, name: str) -> Any | None: ...
    def claim(self, namespace: str, name: str) -> Any | None: ...
    def node(self, name: str) -> Any | None: ...
    def persistent_volumes(self) -> list[Any]: ...
    def resolves(self, namespace: str, pod: str, host: str) -> bool: ...
    def exec(self, namespace: str, pod: str, container: str, command: str) -> str: ...


@dataclass
class Expected:
    """One pod and one of its claims, as the plan pinned them."""

    namespace: str
    pod: str
    dns: str
    pvc: str
    pv: str
    zones: list[str]


@dataclass
class Row:
    expected: Expected
    ready: str = "-"
    bound_to: str = "-"
    node_zone: str = "-"
    dns: str = "-"
    failures: list[str] = field(default_factory=list)


def _pod_rows(run: plan.ProgramRun) -> list[tuple[str, dict[str, str]]]:
    """Each row of the plan's pod table (retired slots' too, marked so) with the namespace
    of its StatefulSet."""
    manifests = plan.manifests(run)
    namespaces = {
        m["metadata"]["name"]: m["metadata"].get("namespace", "default")
        for m in manifests
        if m["kind"] == "StatefulSet"
    }
    return [
        (namespaces[row["pod"].split(" ")[0].rsplit("-", 1)[0]], row)
        for row in plan.pod_table(manifests)
    ]


def expectations(run: plan.ProgramRun) -> list[Expected]:
    """Every running pod's claims from the rendered plan (retired slots have no pod)."""
    return [
        Expected(
            namespace=namespace,
            pod=row["pod"],
            dns=row["dns"],
            pvc=row["pvc"],
            pv=row["pv"],
            zones=row["zone"].split("+"),
        )
        for namespace, row in _pod_rows(run)
        if "(retired)" not in row["pod"]
    ]


def _is_ready(pod: Any) -> bool:
    conditions = (pod.status.conditions if pod.status else None) or []
    return any(c.type == "Ready" and c.status == "True" for c in conditions)


def check(cluster: Cluster, expected: list[Expected], dns: bool = False) -> list[Row]:
    """Compare the cluster with the plan, one row per pod and claim."""
    rows = []
    for item in expected:
        row = Row(item)
        pod = cluster.pod(item.namespace, item.pod)
        if pod is None:
            row.ready = "missing"
            row.failures.append(f"pod {item.pod} does not exist")
        else:
            ready = _is_ready(pod)
            row.ready = "yes" if ready else "no"
            if not ready:
                row.failures.append(f"pod {item.pod} is not Ready")
            node_name = pod.spec.node_name if pod.spec else None
            node = cluster.node(node_name) if node_name else None
            zone = ((node.metadata.labels or {}) if node else {}).get(ZONE_LABEL)
            row.node_zone = zone or "-"
            if zone not in item.zones:
                row.failures.append(
                    f"pod {item.pod} runs in zone {zone or 'unknown'}, its disk in "
                    f"{'+'.join(item.zones)}"
                )
        claim = cluster.claim(item.namespace, item.pvc)
        if claim is None:
            row.failures.append(f"claim {item.pvc} does not exist")
        else:
            phase = claim.status.phase if claim.status else None
            row.bound_to = (claim.spec.volume_name if claim.spec else None) or "-"
            if phase != "Bound" or row.bound_to != item.pv:
                row.failures.append(
                    f"claim {item.pvc} is {phase or 'unknown'} to {row.bound_to}, "
                    f"expected Bound to {item.pv}"
                )
        rows.append(row)
    ready = [row.expected for row in rows if row.ready == "yes"]
    if dns and rows:
        if not ready:
            for row in rows:
                row.failures.append("no Ready pod to resolve DNS names from")
            return rows
        probe = ready[0]
        for row in rows:
            try:
                ok = cluster.resolves(probe.namespace, probe.pod, row.expected.dns)
            except Exception as error:
                ok = False
                row.failures.append(f"could not run a lookup in {probe.pod}: {error}")
            row.dns = "yes" if ok else "no"
            if not ok:
                row.failures.append(f"{row.expected.dns} does not resolve from {probe.pod}")
    return rows


def reserved_twice(cluster: Cluster, run: plan.ProgramRun) -> list[str]:
    """Each PV other than the plan's that is reserved for one of the app's claims (retired
    slots' too) by name alone, with no claim uid: it has never bound one, and the claim made
    when the pod starts can bind it instead, an empty or old disk. The PV controller and the
    scheduler take the first PV reserved for the claim that they find, and a reservation
    without a uid matches any claim of that name (k8s.io/component-helpers
    storage/volume/pv_helpers.go, `FindMatchingVolume`, `IsVolumeBoundToClaim`); a PV that
    once bound holds the old claim's uid and is not a candidate. A retired generation of a
    slot whose pod never ran, or one never created (docs/operations.md, "Limits of retired
    generations"), leaves such a PV."""
    pinned = {(namespace, row["pvc"]): row["pv"] for namespace, row in _pod_rows(run)}
    problems = []
    for pv in cluster.persistent_volumes():
        ref = pv.spec.claim_ref if pv.spec else None
        claim = (ref.namespace, ref.name) if ref else None
        name = pv.metadata.name
        if claim in pinned and name != pinned[claim] and not ref.uid:
            problems.append(
                f"PV {name} is also reserved for claim {claim[1]}, by name alone (it has "
                f"never bound): the claim can bind it instead of {pinned[claim]}; delete it "
                f"before the pod starts (`kubectl delete pv {name}`: its reclaim policy "
                f"Retain keeps the disk)"
            )
    return problems


def replication(cluster: Cluster, run: plan.ProgramRun) -> list[str] | None:
    """Replication problems of a Redis app that replicates (None for any other app)."""
    (sts,) = [m for m in plan.manifests(run) if m["kind"] == "StatefulSet"]
    pod_spec = sts["spec"]["template"]["spec"]
    redis, *sidecars = pod_spec["containers"]
    if "--replicaof" not in " ".join(redis.get("command", [])):
        return None
    namespace = sts["metadata"].get("namespace", "default")
    mount = next(m["mountPath"] for m in redis["volumeMounts"] if m["name"] == "auth")
    rows = [row for row in plan.pod_table(plan.manifests(run)) if "(retired)" not in row["pod"]]
    names = {row["pod"]: row["dns"] for row in rows}
    master = sts["metadata"]["name"]
    infos, answers, problems = {}, {}, []
    for pod in names:
        try:
            infos[pod] = cluster.exec(namespace, pod, redis["name"], info_command(mount))
            if any(c["name"] == "sentinel" for c in sidecars):
                answers[pod] = cluster.exec(namespace, pod, "sentinel", sentinel_command(master))
        except Exception as error:
            problems.append(f"could not ask {pod}: {error}")
    return problems or replication_problems(infos, answers, names)


def table(rows: list[Row]) -> str:
    columns = ("POD", "READY", "PVC", "BOUND TO", "EXPECTED PV", "NODE ZONE", "DISK ZONE", "DNS")
    data = [
        (
            r.expected.pod,
            r.ready,
            r.expected.pvc,
            r.bound_to,
            r.expected.pv,
            r.node_zone,
            "+".join(r.expected.zones),
            r.dns,
            "ok" if not r.failures else "FAIL",
        )
        for r in rows
    ]
    header = (*columns, "RESULT")
    widths = [max(len(str(x)) for x in col) for col in zip(header, *data, strict=False)]
    lines = [
        "  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)).rstrip()
        for line in (header, *data)
    ]
    problems = [f"  - {f}" for r in rows for f in r.failures]
    extra = ["", *problems] if problems else []
    return "\n".join([*lines, *extra])


class KubeCluster:
    """A real cluster, through the official client and the current kubeconfig."""

    def __init__(self, context: str | None = None) -> None:
        from kubernetes import client, config

        config.load_kube_config(context=context)
        self.api = client.CoreV1Api()

    def _read(self, call, *args):
        from kubernetes.client.exceptions import ApiException

        try:
            return call(*args)
        except ApiException as error:
            if error.status == 404:
                return None
            raise

    def pod(self, namespace: str, name: str) -> Any | None:
        return self._read(self.api.read_namespaced_pod, name, namespace)

    def claim(self, namespace: str, name: str) -> Any | None:
        return self._read(self.api.read_namespaced_persistent_volume_claim, name, namespace)

    def node(self, name: str) -> Any | None:
        return self._read(self.api.read_node, name)

    def nodes(self) -> list[Any]:
        return list(self.api.list_node().items)

    def namespace(self, name: str) -> Any | None:
        return self._read(self.api.read_namespace, name)

    def persistent_volume(self, name: str) -> Any | None:
        return self._read(self.api.read_persistent_volume, name)

    def persistent_volumes(self) -> list[Any]:
        return list(self.api.list_persistent_volume().items)

    def csi_driver(self, name: str) -> Any | None:
        from kubernetes import client

        return self._read(client.StorageV1Api().read_csi_driver, name)

    def exec(self, namespace: str, pod: str, container: str, command: str) -> str:
        from kubernetes.stream import stream

        return stream(
            self.api.connect_get_namespaced_pod_exec,
            pod,
            namespace,
            container=container,
            command=["sh", "-c", command],
            stderr=True,
            stdin=False,
            stdout=True,
            tty=False,
        )

    def resolves(self, namespace: str, pod: str, host: str) -> bool:
        from kubernetes.stream import stream

        output = stream(
            self.api.connect_get_namespaced_pod_exec,
            pod,
            namespace,
            command=["sh", "-c", f"getent hosts {host} >/dev/null && echo resolved"],
            stderr=True,
            stdin=False,
            stdout=True,
            tty=False,
        )
        return "resolved" in output


def connect(context: str | None) -> KubeCluster | None:
    """The cluster of the kubeconfig's context, or None (said on stderr) when unreachable."""
    try:
        return KubeCluster(context)
    except Exception as error:
        print(f"error: cannot reach the cluster: {error}", file=sys.stderr)
        return None


def run_preflight(args: argparse.Namespace, cluster: Any | None, lister: Any = None) -> int:
    """The preflight checks of the stack against the cluster; exit 1 when one fails."""
    from ..core.blueprint import build_blueprint
    from ..offline.core_render import stack_settings
    from ..settings.validation import SettingsError
    from .preflight import GcloudDisks, preflight, report

    try:
        settings = stack_settings(args.program, args.stack, args.config)
    except (StackConfigError, SettingsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    blueprint = build_blueprint(settings)
    pvs = [volume.pv_name for volume in blueprint.volumes]
    disks = [(volume.disk.name, volume.disk.adopted) for volume in blueprint.volumes]
    cluster = cluster or connect(args.context)
    if cluster is None:
        return EXIT_FAILED
    try:
        checks = preflight(settings, pvs, disks, cluster, lister or GcloudDisks())
    except Exception as error:
        print(f"error: the cluster did not answer: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(report(checks))
    return 0 if all(c.ok for c in checks) else EXIT_FAILED


def main(argv: list[str] | None = None, cluster: Cluster | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m components.live.verify",
        description="Check a deployed stack against its plan: pods, claims, zones, DNS.",
    )
    parser.add_argument("--stack", required=True)
    parser.add_argument("--config", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--program", type=Path, default=Path.cwd())
    parser.add_argument("--context", help="kubeconfig context (default: the current one)")
    parser.add_argument("--dns", action="store_true", help="also resolve every pod's DNS name")
    parser.add_argument(
        "--preflight",
        action="store_true",
        help="before the first deploy: is the cluster ready for the stack (CSI driver, nodes "
        "per zone, machine series, free names, namespace and its Pod Security level)?",
    )
    args = parser.parse_args(argv)
    if args.preflight:
        return run_preflight(args, cluster)
    try:
        run = render(args.program, args.stack, args.config)
    except (StackConfigError, pulumi.RunError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    cluster = cluster or connect(args.context)
    if cluster is None:
        return EXIT_FAILED
    try:
        rows = check(cluster, expectations(run), dns=args.dns)
        reserved = reserved_twice(cluster, run)
    except Exception as error:
        print(f"error: the cluster did not answer: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(table(rows))
    print("\nclaims reserved once: " + ("ok" if not reserved else "FAIL"))
    print("\n".join(f"  - {p}" for p in reserved))
    failed = any(r.failures for r in rows) or bool(reserved)
    problems = replication(cluster, run)
    if problems is not None:
        print("\nreplication: " + ("ok" if not problems else "FAIL"))
        print("\n".join(f"  - {p}" for p in problems))
        failed = failed or bool(problems)
    return EXIT_FAILED if failed else 0


if __name__ == "__main__":
    sys.exit(main())
