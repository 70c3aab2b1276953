"""Register a plain Kubernetes manifest from the core as its typed pulumi-kubernetes resource."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pydantic.alias_generators import to_snake

RESOURCE_CLASSES: dict[tuple[str, str], type[pulumi.CustomResource]] = {
    ("v1", "ConfigMap"): k8s.core.v1.ConfigMap,
    ("v1", "PersistentVolume"): k8s.core.v1.PersistentVolume,
    ("v1", "Secret"): k8s.core.v1.Secret,
    ("v1", "ServiceAccount"): k8s.core.v1.ServiceAccount,
    ("networking.k8s.io/v1", "NetworkPolicy"): k8s.networking.v1.NetworkPolicy,
    ("policy/v1", "PodDisruptionBudget"): k8s.policy.v1.PodDisruptionBudget,
    ("v1", "Service"): k8s.core.v1.Service,
    ("apps/v1", "StatefulSet"): k8s.apps.v1.StatefulSet,
    ("storage.k8s.io/v1", "StorageClass"): k8s.storage.v1.StorageClass,
}
# Resources of other APIs (their CRDs installed by the cluster's add-ons), registered as
# pulumi-kubernetes' generic CustomResource.
CUSTOM_KINDS: frozenset[tuple[str, str]] = frozenset(
    {("monitoring.googleapis.com/v1", "PodMonitoring")}
)
PATCH_CLASSES: dict[tuple[str, str], type[pulumi.CustomResource]] = {
    ("v1", "PersistentVolumeClaim"): k8s.core.v1.PersistentVolumeClaimPatch,
}


def register_manifest(
    resource_name: str,
    manifest: dict[str, Any],
    opts: pulumi.ResourceOptions,
    patch: bool = False,
) -> pulumi.CustomResource:
    """Register `manifest` unchanged: its top-level fields become the resource's arguments.

    Nested keys stay camelCase, as the provider expects them; a test checks that they reach
    the engine unchanged. With `patch`, the manifest is a server-side-apply patch of an object
    someone else created.
    """
    head = (manifest["apiVersion"], manifest["kind"])
    if not patch and head in CUSTOM_KINDS:
        return k8s.apiextensions.CustomResource(
            resource_name,
            api_version=head[0],
            kind=head[1],
            metadata=manifest["metadata"],
            spec=manifest["spec"],
            opts=opts,
        )
    classes = PATCH_CLASSES if patch else RESOURCE_CLASSES
    cls = classes[(manifest["apiVersion"], manifest["kind"])]
    args = {to_snake(k): v for k, v in manifest.items() if k not in ("apiVersion", "kind")}
    return cls(resource_name, opts=opts, **args)
