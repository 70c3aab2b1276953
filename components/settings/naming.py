"""Every derived name of the product, and the rules names must follow.

One module of pure functions, shared by the core, the components, the tests and the
renderer, so that a PV's claimRef, the PVC the StatefulSet creates and the names the
outputs report can never disagree.
"""

from __future__ import annotations

import hashlib
import re

CLUSTER_DOMAIN = "cluster.local"

# RFC 1123 label (namespaces, volume names) and RFC 1035 label (Service names).
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DNS_LABEL_MAX = 63
DNS_SUBDOMAIN_MAX = 253
# GCE resource names: https://cloud.google.com/compute/docs/naming-resources
GCE_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
GCE_NAME_MAX = 63
# The StatefulSet controller labels each pod with `<sts>-<10-char revision hash>`, a label
# value limited to 63 characters (kubernetes/kubernetes#64023): 63 - 1 - 10 = 52.
STATEFULSET_NAME_MAX = 52
# IANA service names, as Kubernetes checks container port names (IsValidPortName).
PORT_NAME = re.compile(r"^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
PORT_NAME_MAX = 15
# GCE label keys and values: https://cloud.google.com/compute/docs/labeling-resources
GCE_LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
GCE_LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")


def pod_name(statefulset: str, ordinal: int) -> str:
    """The stable name of the pod with this ordinal: `<sts>-<ordinal>`."""
    return f"{statefulset}-{ordinal}"


def pvc_name(template: str, statefulset: str, ordinal: int) -> str:
    """The claim the StatefulSet controller creates: `<template>-<sts>-<ordinal>`."""
    return f"{template}-{statefulset}-{ordinal}"


def service_dns(service: str, namespace: str) -> str:
    """The governing Service's DNS name."""
    return f"{service}.{namespace}.svc.{CLUSTER_DOMAIN}"


def pod_dns(statefulset: str, ordinal: int, service: str, namespace: str) -> str:
    """A pod's stable DNS name, published by the headless governing Service."""
    return f"{pod_name(statefulset, ordinal)}.{service_dns(service, namespace)}"


def pod_dns_names(statefulset: str, ordinals: range, service: str, namespace: str) -> list[str]:
    """The stable DNS name of each pod the ordinals give, in order."""
    return [pod_dns(statefulset, ordinal, service, namespace) for ordinal in ordinals]


def srv_name(port_name: str, service: str, namespace: str, protocol: str = "TCP") -> str:
    """The SRV record a named port of the governing Service publishes."""
    return f"_{port_name}._{protocol.lower()}.{service_dns(service, namespace)}"


def _short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _slug(text: str) -> str:
    """Lower-case `text` and turn every run of characters GCE refuses into one dash."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def bounded_name(parts: list[str], suffix: str = "", limit: int = GCE_NAME_MAX) -> str:
    """Join `parts` into a GCE-valid name of at most `limit` characters, deterministically.

    The readable join of the parts is followed by a 6-character hash of the exact parts, so
    that parts which join to the same text (`kubia` + `prod-db` and `kubia-prod` + `db`)
    still give different names, and a cut or cleaned-up readable part loses nothing.
    `suffix` (an ordinal) always survives at the end.
    """
    digest = _short_hash("\0".join(parts), 6)
    tail = f"-{digest}" + (f"-{suffix}" if suffix != "" else "")
    head = _slug("-".join(parts))[: limit - len(tail)].rstrip("-")
    if not head or not head[0].isalpha():
        head = ("v-" + head)[: limit - len(tail)].rstrip("-")
    return head + tail


def storage_class_name(scope: str, namespace: str, statefulset: str) -> str:
    """The app's own StorageClass: unique across namespaces and stacks."""
    return bounded_name([scope, namespace, statefulset])


def disk_name(
    scope: str, namespace: str, statefulset: str, template: str, ordinal: int, generation: int = 0
) -> str:
    """The GCE disk of one (claim template, storage slot, generation); also its PV's name.

    Generation 0 is the slot's first disk; a higher generation is a new, separate disk
    (a fresh start or a restore), so the old one is never overwritten.
    """
    suffix = str(ordinal) if generation == 0 else f"{ordinal}-g{generation}"
    return bounded_name([scope, namespace, statefulset, template], suffix)


# The tail `disk_name` ends a name with: the parts' hash, the ordinal, the generation.
DISK_NAME_TAIL = re.compile(r"-[0-9a-f]{6}-(\d+)(?:-g(\d+))?$")


def disk_of(
    name: str, scope: str, namespace: str, statefulset: str, templates: list[str]
) -> tuple[str, int, int] | None:
    """The (claim template, ordinal, generation) whose disk `disk_name` names `name`, for
    these scope, namespace and StatefulSet; None for a name it never gives."""
    tail = DISK_NAME_TAIL.search(name)
    if tail is None:
        return None
    ordinal, generation = int(tail.group(1)), int(tail.group(2) or 0)
    for template in templates:
        if disk_name(scope, namespace, statefulset, template, ordinal, generation) == name:
            return template, ordinal, generation
    return None


def pv_name(
    scope: str, namespace: str, statefulset: str, template: str, ordinal: int, generation: int = 0
) -> str:
    """The PersistentVolume of that slot: the managed disk's name, so one finds the other.

    An adopted disk keeps its own name; its PV still takes this one, unique per cluster.
    """
    return disk_name(scope, namespace, statefulset, template, ordinal, generation)


def zonal_volume_handle(project: str, zone: str, disk: str) -> str:
    """The CSI volume handle of a zonal persistent disk."""
    return f"projects/{project}/zones/{zone}/disks/{disk}"


def regional_volume_handle(project: str, region: str, disk: str) -> str:
    """The CSI volume handle of a regional (two-zone) persistent disk."""
    return f"projects/{project}/regions/{region}/disks/{disk}"


def resource_policy_name(scope: str, namespace: str, statefulset: str) -> str:
    """The app's snapshot schedule (a regional GCE resource policy)."""
    return bounded_name([scope, namespace, statefulset, "snapshots"])


def gce_label_value(text: str) -> str:
    """`text` made into a valid GCE label value (lower case, at most 63 characters)."""
    value = re.sub(r"[^a-z0-9_-]+", "-", text.lower())
    return value if len(value) <= 63 else value[:54] + "-" + _short_hash(text)


def workload_component(app: str) -> str:
    """The StatefulApp's child that registers the StatefulSet and what its pods need."""
    return f"{app}-workload"


def checksum_key_resource(workload: str) -> str:
    """The stack's random key for the Secret's checksum, a child of the workload."""
    return f"{workload}-checksum-key"


def deletion_record(workload: str) -> str:
    """The record that `allowDataDeletion` was on in an earlier update, named after the
    workload (a child of the app, registered before the disks)."""
    return f"{workload}-deletion-armed"
