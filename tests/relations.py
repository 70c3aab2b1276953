"""The relations that make the static-PV pattern bind, as checks over manifests.

Each returns the list of violations it finds (empty when the relation holds), so a test can
show both that the real objects satisfy it and that a broken object is caught.
"""

from __future__ import annotations

from typing import Any

from components.settings import naming

ZONE_KEY = "topology.gke.io/zone"


def _by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def _claim_names(sts: dict[str, Any]) -> list[tuple[str, str]]:
    """(template, PVC name) per template and ordinal, named as the StatefulSet controller does."""
    name = sts["metadata"]["name"]
    return [
        (t["metadata"]["name"], naming.pvc_name(t["metadata"]["name"], name, ordinal))
        for t in sts["spec"]["volumeClaimTemplates"]
        for ordinal in range(
            sts["spec"].get("ordinals", {}).get("start", 0),
            sts["spec"].get("ordinals", {}).get("start", 0) + sts["spec"]["replicas"],
        )
    ]


def _pvs_by_claim(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (pv["spec"]["claimRef"].get("namespace"), pv["spec"]["claimRef"].get("name")): pv
        for pv in _by_kind(objects, "PersistentVolume")
        if "claimRef" in pv["spec"]
    }


def claimrefs_match_pvcs(objects: list[dict[str, Any]]) -> list[str]:
    """Every PVC the StatefulSet will create has exactly one PV pinned to it, and no PV is loose."""
    problems = []
    pvs = _pvs_by_claim(objects)
    expected = set()
    for sts in _by_kind(objects, "StatefulSet"):
        namespace = sts["metadata"]["namespace"]
        for _, claim in _claim_names(sts):
            expected.add((namespace, claim))
            if (namespace, claim) not in pvs:
                problems.append(f"no PV has claimRef {namespace}/{claim}")
    claims_of_app = {
        (sts["metadata"]["namespace"], t["metadata"]["name"], sts["metadata"]["name"])
        for sts in _by_kind(objects, "StatefulSet")
        for t in sts["spec"]["volumeClaimTemplates"]
    }
    for pv in _by_kind(objects, "PersistentVolume"):
        ref = pv["spec"].get("claimRef") or {}
        # A claim of a running ordinal, or of a retired slot (any ordinal of a template).

        pinned = any(
            ref.get("namespace") == namespace
            and str(ref.get("name", "")).startswith(f"{t}-{sts}-")
            and str(ref.get("name", ""))[len(f"{t}-{sts}-") :].isdigit()
            for namespace, t, sts in claims_of_app
        )
        if not pinned:
            problems.append(f"PV {pv['metadata']['name']} is not pinned to a claim of the app")
    if len(pvs) != len(_by_kind(objects, "PersistentVolume")):
        problems.append("two PVs claim the same PVC")
    return problems


def pvs_fit_claim_templates(objects: list[dict[str, Any]]) -> list[str]:
    """Class equal, access modes equal, capacity at least the request."""
    problems = []
    pvs = _pvs_by_claim(objects)
    for sts in _by_kind(objects, "StatefulSet"):
        namespace = sts["metadata"]["namespace"]
        templates = {t["metadata"]["name"]: t for t in sts["spec"]["volumeClaimTemplates"]}
        for template_name, claim in _claim_names(sts):
            pv = pvs.get((namespace, claim))
            if pv is None:
                continue
            template = templates[template_name]["spec"]
            if pv["spec"].get("storageClassName") != template.get("storageClassName"):
                problems.append(f"{claim}: PV class differs from the claim template's")
            if pv["spec"].get("accessModes") != template.get("accessModes"):
                problems.append(f"{claim}: PV access modes differ from the claim template's")
            # Both default to Filesystem; a Block PV never binds a Filesystem claim.
            pv_mode = pv["spec"].get("volumeMode", "Filesystem")
            if pv_mode != template.get("volumeMode", "Filesystem"):
                problems.append(f"{claim}: PV volume mode {pv_mode} differs from the claim's")
            capacity = _gib(pv["spec"]["capacity"]["storage"])
            request = _gib(template["resources"]["requests"]["storage"])
            if capacity < request:
                problems.append(f"{claim}: PV capacity {capacity}Gi below request {request}Gi")
    return problems


def _gib(quantity: str) -> int:
    assert quantity.endswith("Gi"), quantity
    return int(quantity[:-2])


def zone_affinity_matches_disk(
    objects: list[dict[str, Any]], disks: dict[str, list[str]]
) -> list[str]:
    """Each PV's zone affinity and volume handle name the zone(s) of its disk.

    `disks` maps a disk name to its zone, or its two replica zones for a regional disk.
    """
    problems = []
    for pv in _by_kind(objects, "PersistentVolume"):
        handle = pv["spec"]["csi"]["volumeHandle"]
        disk = handle.rsplit("/", 1)[-1]
        zones = disks.get(disk)
        if zones is None:
            problems.append(f"PV {pv['metadata']['name']}: no disk {disk}")
            continue
        location = (
            f"/zones/{zones[0]}/" if len(zones) == 1 else f"/regions/{zones[0].rsplit('-', 1)[0]}/"
        )
        if location not in handle:
            problems.append(f"PV {pv['metadata']['name']}: handle not at {location}")
        terms = pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
        affinity = [
            v
            for t in terms
            for e in t["matchExpressions"]
            if e["key"] == ZONE_KEY and e["operator"] == "In"
            for v in e["values"]
        ]
        if sorted(affinity) != sorted(zones):
            problems.append(f"PV {pv['metadata']['name']}: affinity {affinity} but disk in {zones}")
    return problems


def service_governs_statefulset(objects: list[dict[str, Any]]) -> list[str]:
    """serviceName names a headless Service of the same namespace that selects the pods."""
    problems = []
    services = {
        (s["metadata"]["namespace"], s["metadata"]["name"]): s for s in _by_kind(objects, "Service")
    }
    for sts in _by_kind(objects, "StatefulSet"):
        key = (sts["metadata"]["namespace"], sts["spec"]["serviceName"])
        service = services.get(key)
        if service is None:
            problems.append(f"serviceName {key[1]} names no Service in {key[0]}")
            continue
        if service["spec"].get("clusterIP") != "None":
            problems.append(f"Service {key[1]} is not headless")
        pod_labels = sts["spec"]["template"]["metadata"]["labels"]
        if not service["spec"]["selector"].items() <= pod_labels.items():
            problems.append(f"Service {key[1]} selector does not select the pods")
        if any("name" not in p for p in service["spec"]["ports"]):
            problems.append(f"Service {key[1]} has an unnamed port (no SRV record)")
    return problems


def selector_in_pod_labels(objects: list[dict[str, Any]]) -> list[str]:
    """The StatefulSet's selector is contained in its pod template's labels."""
    problems = []
    for sts in _by_kind(objects, "StatefulSet"):
        selector = sts["spec"]["selector"]["matchLabels"]
        labels = sts["spec"]["template"]["metadata"]["labels"]
        if not selector or not selector.items() <= labels.items():
            problems.append(f"StatefulSet {sts['metadata']['name']}: selector not in pod labels")
    return problems


ALL_MANIFEST_RELATIONS = (
    claimrefs_match_pvcs,
    pvs_fit_claim_templates,
    service_governs_statefulset,
    selector_in_pod_labels,
)
