"""The StatefulSet whose claim templates bind, ordinal by ordinal, to the pre-made PVs."""

from __future__ import annotations

from typing import Any

from components.core.labels import app_labels, metadata, selector_labels
from components.core.pod import config_checksum, pod_spec
from components.core.storage import CLAIM_TEMPLATE_REQUEST
from components.settings import AppSettings


def claim_templates(settings: AppSettings, class_name: str) -> list[dict[str, Any]]:
    """One claim template per claim: its class and access modes match its PVs.

    The request is a fixed floor every PV satisfies: templates are immutable, so a size in
    them would turn every disk growth into a StatefulSet replacement.
    """
    return [
        {
            "metadata": {"name": claim.name, "labels": selector_labels(settings)},
            "spec": {
                "accessModes": [settings.access_mode],
                "storageClassName": class_name,
                "resources": {"requests": {"storage": CLAIM_TEMPLATE_REQUEST}},
            },
        }
        for claim in settings.claims
    ]


# A replacement (forced by an immutable field) orphans pods and claims for the new StatefulSet
# to adopt: it never deletes them, and never takes the data with it.
ORPHAN_ON_DELETE = {"pulumi.com/deletionPropagationPolicy": "orphan"}


def update_strategy(settings: AppSettings) -> dict[str, Any]:
    if settings.update_strategy == "OnDelete":
        return {"type": "OnDelete"}
    return {"type": "RollingUpdate", "rollingUpdate": {"partition": settings.partition}}


def statefulset(settings: AppSettings, service_name: str, class_name: str) -> dict[str, Any]:
    """The StatefulSet, governed by `service_name`, claiming from `class_name`."""
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {
            **metadata(settings, settings.name, "server"),
            "annotations": {
                **ORPHAN_ON_DELETE,
                "pulumi.com/timeoutSeconds": str(settings.await_timeout_seconds),
            },
        },
        "spec": {
            "serviceName": service_name,
            "replicas": settings.replicas,
            "selector": {"matchLabels": selector_labels(settings)},
            "podManagementPolicy": settings.pod_management_policy,
            "updateStrategy": update_strategy(settings),
            "minReadySeconds": settings.min_ready_seconds,
            # GA in Kubernetes 1.31; left out at 0 so that older clusters take the manifest.
            **({"ordinals": {"start": settings.ordinals_start}} if settings.ordinals_start else {}),
            "persistentVolumeClaimRetentionPolicy": {
                "whenDeleted": "Retain",
                "whenScaled": "Retain",
            },
            "template": {
                "metadata": {
                    "labels": app_labels(settings, "server"),
                    "annotations": {"checksum/config": config_checksum(settings)},
                },
                "spec": pod_spec(settings),
            },
            "volumeClaimTemplates": claim_templates(settings, class_name),
        },
    }
