"""A small model of what GKE, GCE and the Pulumi engine do with a rendered plan, over time.

Independent of the code under test: it reads only a `plan.json` (types, options, dependencies,
inputs) and applies the rules read in the deciding sources:

- Pulumi engine: `destroy` refuses a stack holding protected resources; `retainOnDelete`
  drops a resource from the state without deleting it; dependents are deleted before what
  they depend on, children before their parent; resources an update no longer declares are
  deleted after its creates and updates.
- pulumi-kubernetes (provider/pkg/metadata/overrides.go, DeletionPropagation; await/await.go,
  Deletion): the propagation policy comes from the old inputs' annotation
  `pulumi.com/deletionPropagationPolicy` (`orphan`, `background`, anything else foreground);
  the delete then waits until the object is gone, 10 minutes or `pulumi.com/timeoutSeconds`.
- StatefulSet controller (stateful_set_utils.go, updateClaimOwnerRefForSetAndPod;
  stateful_set_control.go): one pod and one claim per template and ordinal; claim owners per
  retention policy; nothing but status while the StatefulSet is being deleted.
- Garbage collector: foreground deletion waits for the dependents, orphan removes the owner
  references, background deletes dependents whose owners are gone.
- pvc-protection: a deleted claim goes once no scheduled pod uses it; pv-protection: a deleted
  PV goes once it is not Bound; PV controller: a claim binds at its PV's stated capacity
  (pv_controller.go, updateClaimStatus), a PV whose claim is gone is Released and, with
  `Retain`, stays so (its claimRef keeps the old claim's uid, so no new claim binds it).
- external-resizer (controller.go, pvcNeedResize) and the PD CSI driver (gce-compute.go,
  ResizeDisk): a Bound claim whose request exceeds its status.capacity is expanded; a disk
  already that large is left as it is; the PV and the claim then show the disk's size.
- GCE: a disk still attached (its pod has not stopped) cannot be deleted.

One step stands for 5 seconds; a pod takes its grace period to stop.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

STEP_SECONDS = 5
DEFAULT_DELETE_TIMEOUT = 600
POD_STOP_STEPS = 30 // STEP_SECONDS
DISK_TYPES = ("gcp:compute/disk:Disk", "gcp:compute/regionDisk:RegionDisk")
FOREGROUND = "foregroundDeletion"
PV_PROTECTION = "kubernetes.io/pv-protection"
PVC_PROTECTION = "kubernetes.io/pvc-protection"
_uids = itertools.count(1)


class DestroyRefusedError(Exception):
    """The engine refuses the operation before deleting anything."""


class DeleteTimedOutError(Exception):
    """A delete was issued and did not complete within the await's timeout."""


@dataclass
class Obj:
    kind: str
    namespace: str
    name: str
    body: dict[str, Any]
    uid: int = field(default_factory=lambda: next(_uids))
    owners: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, ns, name)
    finalizers: set[str] = field(default_factory=set)
    deleting: bool = False
    phase: str = ""
    claim_uid: int | None = None  # PV: the uid of the claim it was bound to
    capacity: int = 0  # PV: spec.capacity; claim: status.capacity (GiB)
    request: int = 0  # claim: spec.resources.requests (GiB)
    stop_in: int = 0  # pod: steps left before a deleted pod is gone
    running: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.namespace, self.name)


def gib(quantity: str) -> int:
    assert quantity.endswith("Gi"), quantity
    return int(quantity[:-2])


def handle_disk(pv: Obj) -> str:
    return pv.body["spec"]["csi"]["volumeHandle"].rsplit("/", 1)[-1]


@dataclass
class Cluster:
    """The cluster's objects and the project's GCE disks (name -> GiB)."""

    objects: dict[tuple[str, str, str], Obj] = field(default_factory=dict)
    disks: dict[str, int] = field(default_factory=dict)
    seconds: int = 0
    events: list[str] = field(default_factory=list)

    # --- queries -----------------------------------------------------------------------

    def of_kind(self, kind: str) -> list[Obj]:
        return [o for o in self.objects.values() if o.kind == kind]

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self.objects.get((kind, namespace, name))

    def pods(self) -> list[Obj]:
        return self.of_kind("Pod")

    def running_pods(self) -> list[Obj]:
        return [p for p in self.pods() if p.running]

    def attached_disks(self) -> set[str]:
        """Disks attached to a node: a present pod uses a claim bound to their PV."""
        attached = set()
        for pod in self.pods():
            for claim_name in pod.body["claims"]:
                claim = self.get("PersistentVolumeClaim", pod.namespace, claim_name)
                if claim and claim.phase == "Bound":
                    pv = self.get("PersistentVolume", "", claim.body["volumeName"])
                    if pv is not None:
                        attached.add(handle_disk(pv))
        return attached

    # --- the API -------------------------------------------------------------------------

    def apply(self, kind: str, namespace: str, name: str, body: dict[str, Any]) -> Obj:
        """Create, or update in place (the spec of an existing object)."""
        existing = self.get(kind, namespace, name)
        if existing is not None:
            existing.body = body
            return existing
        obj = Obj(kind, namespace, name, body)
        if kind == "PersistentVolume":
            obj.finalizers.add(PV_PROTECTION)
            obj.phase = "Available"
            obj.capacity = gib(body["spec"]["capacity"]["storage"])
        if kind == "PersistentVolumeClaim":
            obj.finalizers.add(PVC_PROTECTION)
            obj.phase = "Pending"
        self.objects[obj.key] = obj
        return obj

    def delete(self, kind: str, namespace: str, name: str, propagation: str = "background"):
        obj = self.get(kind, namespace, name)
        if obj is None or obj.deleting:
            return
        obj.deleting = True
        if propagation == "orphan":
            for dependent in self.objects.values():
                dependent.owners = [o for o in dependent.owners if o != obj.key]
        elif propagation == "foreground":
            obj.finalizers.add(FOREGROUND)
        if kind == "Pod":
            obj.stop_in = POD_STOP_STEPS

    # --- the controllers -------------------------------------------------------------------

    def step(self) -> None:
        self.seconds += STEP_SECONDS
        for sts in self.of_kind("StatefulSet"):
            if not sts.deleting:
                self._statefulset_controller(sts)
        self._garbage_collector()
        self._pods()
        self._pv_controller()
        self._resizer()
        self._protection()
        for key in [k for k, o in self.objects.items() if o.deleting and not o.finalizers]:
            del self.objects[key]

    def settle(self, steps: int = 200) -> None:
        for _ in range(steps):
            self.step()

    def _statefulset_controller(self, sts: Obj) -> None:
        spec = sts.body["spec"]
        namespace, name = sts.namespace, sts.name
        start = spec.get("ordinals", {}).get("start", 0)
        wanted = range(start, start + spec["replicas"])
        policy = spec.get("persistentVolumeClaimRetentionPolicy") or {}
        when_deleted = policy.get("whenDeleted", "Retain")
        when_scaled = policy.get("whenScaled", "Retain")
        templates = spec["volumeClaimTemplates"]
        for pod in [p for p in self.pods() if p.owners == [sts.key]]:
            ordinal = pod.body["ordinal"]
            scaled_down = ordinal not in wanted
            for claim_name in pod.body["claims"]:
                claim = self.get("PersistentVolumeClaim", namespace, claim_name)
                if claim is None:
                    continue
                # updateClaimOwnerRefForSetAndPod
                owners = [o for o in claim.owners if o not in (sts.key, pod.key)]
                if when_deleted == "Delete" and (when_scaled == "Retain" or not scaled_down):
                    owners.append(sts.key)
                elif when_scaled == "Delete" and scaled_down:
                    owners.append(pod.key)
                claim.owners = owners
            if scaled_down:
                self.delete("Pod", namespace, pod.name)
        for ordinal in wanted:
            claims = []
            for template in templates:
                claim_name = f"{template['metadata']['name']}-{name}-{ordinal}"
                claims.append(claim_name)
                if self.get("PersistentVolumeClaim", namespace, claim_name) is None:
                    claim = self.apply(
                        "PersistentVolumeClaim",
                        namespace,
                        claim_name,
                        {"template": template["metadata"]["name"], "volumeName": None},
                    )
                    claim.request = gib(template["spec"]["resources"]["requests"]["storage"])
            pod_name = f"{name}-{ordinal}"
            if self.get("Pod", namespace, pod_name) is None:
                pod = self.apply("Pod", namespace, pod_name, {"ordinal": ordinal, "claims": claims})
                pod.owners = [sts.key]

    def _garbage_collector(self) -> None:
        for owner in [o for o in self.objects.values() if o.deleting]:
            dependents = [d for d in self.objects.values() if owner.key in d.owners]
            if FOREGROUND in owner.finalizers:
                for dependent in dependents:
                    self.delete(*dependent.key)
                if not dependents:
                    owner.finalizers.discard(FOREGROUND)
        for obj in list(self.objects.values()):
            if obj.owners and not obj.deleting and all(o not in self.objects for o in obj.owners):
                self.delete(*obj.key)

    def _pods(self) -> None:
        for pod in self.pods():
            if pod.deleting:
                pod.running = False
                pod.stop_in -= 1
                if pod.stop_in <= 0:
                    del self.objects[pod.key]
                continue
            claims = [
                self.get("PersistentVolumeClaim", pod.namespace, c) for c in pod.body["claims"]
            ]
            pod.running = all(c is not None and c.phase == "Bound" for c in claims)

    def _pv_controller(self) -> None:
        for pv in self.of_kind("PersistentVolume"):
            ref = pv.body["spec"].get("claimRef") or {}
            claim = self.get("PersistentVolumeClaim", ref.get("namespace", ""), ref.get("name"))
            if pv.phase == "Bound" and (claim is None or claim.uid != pv.claim_uid):
                pv.phase = "Released"  # Retain: it stays so
            elif pv.phase == "Available" and claim is not None and claim.phase == "Pending":
                template_class = self._claim_class(claim)
                if template_class == pv.body["spec"]["storageClassName"]:
                    pv.phase, pv.claim_uid = "Bound", claim.uid
                    claim.phase, claim.capacity = "Bound", pv.capacity
                    claim.body["volumeName"] = pv.name

    def _claim_class(self, claim: Obj) -> str | None:
        for sts in self.of_kind("StatefulSet"):
            for template in sts.body["spec"]["volumeClaimTemplates"]:
                if template["metadata"]["name"] == claim.body["template"]:
                    return template["spec"]["storageClassName"]
        return None

    def _resizer(self) -> None:
        for claim in self.of_kind("PersistentVolumeClaim"):
            if claim.phase != "Bound" or claim.request <= claim.capacity:
                continue
            pv = self.get("PersistentVolume", "", claim.body["volumeName"])
            disk = handle_disk(pv)
            self.disks[disk] = max(self.disks[disk], claim.request)
            pv.capacity = claim.capacity = self.disks[disk]

    def _protection(self) -> None:
        users = defaultdict(int)
        for pod in self.pods():
            for claim_name in pod.body["claims"]:
                users[(pod.namespace, claim_name)] += 1
        for claim in self.of_kind("PersistentVolumeClaim"):
            if claim.deleting and not users[(claim.namespace, claim.name)]:
                claim.finalizers.discard(PVC_PROTECTION)
        for pv in self.of_kind("PersistentVolume"):
            if pv.deleting and pv.phase != "Bound":
                pv.finalizers.discard(PV_PROTECTION)


# --- the Pulumi engine ----------------------------------------------------------------------


def _k8s(resource: dict[str, Any]) -> tuple[str, str, str, dict[str, Any]] | None:
    inputs = resource["inputs"]
    if not resource["type"].startswith("kubernetes:") or "kind" not in inputs:
        return None
    meta = inputs.get("metadata", {})
    return inputs["kind"], meta.get("namespace", ""), meta["name"], inputs


def _is_patch(resource: dict[str, Any]) -> bool:
    return resource["type"].endswith("Patch")


def up(cluster: Cluster, plan: dict[str, Any], settle_steps: int = 200) -> None:
    """Create or update every resource of the plan, as `pulumi up` would, then settle."""
    for resource in plan["resources"]:
        if resource["type"] in DISK_TYPES and not resource["read"]:
            name = resource["inputs"]["name"]
            cluster.disks.setdefault(name, resource["inputs"]["size"])
        elif resource["type"] in DISK_TYPES:
            name = resource["inputs"]["id"].rsplit("/", 1)[-1]
            assert name in cluster.disks, f"adopted disk {name} does not exist"
        elif (k8s := _k8s(resource)) and not _is_patch(resource):
            kind, namespace, name, inputs = k8s
            cluster.apply(kind, namespace, name, inputs)
    cluster.settle(settle_steps)
    for resource in plan["resources"]:
        if _is_patch(resource) and (k8s := _k8s(resource)):
            _, namespace, name, inputs = k8s
            claim = cluster.get("PersistentVolumeClaim", namespace, name)
            assert claim is not None, f"patch of a missing claim {name}"
            claim.request = gib(inputs["spec"]["resources"]["requests"]["storage"])
    cluster.settle(settle_steps)


def dependents_of(resources: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Per URN, the resources that must be deleted before it: its dependents and children."""
    urns = {r["urn"] for r in resources}
    needed_by: dict[str, set[str]] = defaultdict(set)
    for r in resources:
        for prerequisite in [*r["dependencies"], r["parent"]]:
            if prerequisite in urns:
                needed_by[prerequisite].add(r["urn"])
    return needed_by


@dataclass
class Deletion:
    """What one delete did: the pods still present when it was issued, how long it took."""

    urn: str
    kind: str
    pods_present: int
    seconds: int


@dataclass
class _InFlight:
    resource: dict[str, Any]
    key: tuple[str, str, str]
    started: int
    timeout: int
    pods_present: int


def _issue(cluster: Cluster, resource: dict[str, Any]) -> _InFlight | None:
    """Send one delete; None when nothing is left to wait for."""
    if not resource["custom"] or resource["options"]["retainOnDelete"]:
        return None
    if resource["type"] in DISK_TYPES:
        if resource["read"]:
            return None
        name = resource["inputs"]["name"]
        if name in cluster.attached_disks():
            raise DeleteTimedOutError(f"disk {name} is still attached to a node")
        cluster.disks.pop(name, None)
        return None
    k8s = _k8s(resource)
    if k8s is None or _is_patch(resource):
        return None
    kind, namespace, name, inputs = k8s
    annotations = inputs.get("metadata", {}).get("annotations", {})
    policy = annotations.get("pulumi.com/deletionPropagationPolicy", "").lower()
    policy = policy if policy in ("orphan", "background") else "foreground"
    timeout = int(annotations.get("pulumi.com/timeoutSeconds", DEFAULT_DELETE_TIMEOUT))
    pods_present = len(cluster.pods())
    cluster.delete(kind, namespace, name, policy)
    return _InFlight(resource, (kind, namespace, name), cluster.seconds, timeout, pods_present)


def delete_resources(
    cluster: Cluster, resources: list[dict[str, Any]], log: list[Deletion]
) -> None:
    """Delete `resources` as the engine does: every resource whose dependents are gone, all
    at once, each awaited until gone; raise DeleteTimedOutError on a hang."""
    needed_by = dependents_of(resources)
    done: set[str] = set()
    waiting = {r["urn"]: r for r in resources}
    in_flight: dict[str, _InFlight] = {}
    while waiting or in_flight:
        for urn, resource in sorted(waiting.items()):
            if needed_by[urn] <= done:
                del waiting[urn]
                flight = _issue(cluster, resource)
                if flight is None:
                    done.add(urn)
                    if resource["type"] in DISK_TYPES and not resource["read"]:
                        log.append(Deletion(urn, "Disk", len(cluster.pods()), 0))
                else:
                    in_flight[urn] = flight
        if not in_flight:
            assert not waiting or any(needed_by[u] <= done for u in waiting), "cycle"
            continue
        cluster.step()
        for urn, flight in list(in_flight.items()):
            elapsed = cluster.seconds - flight.started
            if cluster.get(*flight.key) is None:
                del in_flight[urn]
                done.add(urn)
                log.append(Deletion(urn, flight.key[0], flight.pods_present, elapsed))
            elif elapsed >= flight.timeout:
                obj = cluster.get(*flight.key)
                raise DeleteTimedOutError(
                    f"{flight.key[0]} {flight.key[2]} still present after {flight.timeout} s "
                    f"(finalizers: {sorted(obj.finalizers)})"
                )


def destroy(cluster: Cluster, plan: dict[str, Any]) -> list[Deletion]:
    """`pulumi destroy`: refused when anything is protected, else every delete in order."""
    protected = [r["urn"] for r in plan["resources"] if r["options"]["protect"]]
    if protected:
        raise DestroyRefusedError(f"{len(protected)} protected resources, e.g. {protected[0]}")
    log: list[Deletion] = []
    delete_resources(cluster, plan["resources"], log)
    return log


def destroy_without_preview(cluster: Cluster, plan: dict[str, Any]) -> list[Deletion]:
    """`pulumi destroy --skip-preview`: the engine carries on past a protected delete's error
    (pulumi step_executor.go, cancelDueToError), deleting every resource it can; a protected
    resource stays, and so does everything it depends on (a delete waits for its dependents
    to be gone)."""
    by_urn = {r["urn"]: r for r in plan["resources"]}
    kept = {r["urn"] for r in plan["resources"] if r["options"]["protect"]}
    todo = list(kept)
    while todo:
        for dependency in by_urn[todo.pop()].get("dependencies") or []:
            if dependency in by_urn and dependency not in kept:
                kept.add(dependency)
                todo.append(dependency)
    log: list[Deletion] = []
    delete_resources(cluster, [r for r in plan["resources"] if r["urn"] not in kept], log)
    return log


# pulumi-kubernetes replaces a StatefulSet when one of these changes (provider/pkg/provider/
# diff.go, `statefulSet`), deleting the old one first when the name stays (provider.go, Diff).
STATEFULSET_FORCE_NEW = (
    "podManagementPolicy",
    "revisionHistoryLimit",
    "selector",
    "serviceName",
    "volumeClaimTemplates",
)


def replaced_statefulsets(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """The old StatefulSets the update replaces (same URN, a field it cannot update changed)."""
    before = {r["urn"]: r for r in old["resources"] if r["type"].endswith(":StatefulSet")}
    replaced = []
    for r in new["resources"]:
        previous = before.get(r["urn"])
        if previous and any(
            previous["inputs"]["spec"].get(f) != r["inputs"]["spec"].get(f)
            for f in STATEFULSET_FORCE_NEW
        ):
            replaced.append(previous)
    return replaced


def update(cluster: Cluster, old: dict[str, Any], new: dict[str, Any]) -> list[Deletion]:
    """`pulumi up` from `old` to `new`: replacements (delete first), creates and updates, then
    the deletes of what is gone."""
    log: list[Deletion] = []
    delete_resources(cluster, replaced_statefulsets(old, new), log)
    up(cluster, new)
    kept = {r["urn"] for r in new["resources"]}
    gone = [r for r in old["resources"] if r["urn"] not in kept]
    protected = [r["urn"] for r in gone if r["options"]["protect"]]
    if protected:
        raise DestroyRefusedError(f"the update would delete protected {protected[0]}")
    delete_resources(cluster, gone, log)
    return log
