"""The StatefulSet whose claim templates bind, ordinal by ordinal, to the pre-made PVs."""

from __future__ import annotations

from typing import Any

from components.core.labels import app_labels, selector_labels
from components.core.storage import ACCESS_MODES
from components.settings import AppSettings


def container(settings: AppSettings) -> dict[str, Any]:
    """The app's container: its image, named ports and one mount per claim template."""
    spec: dict[str, Any] = {
        "name": settings.name,
        "image": settings.image,
        "ports": [
            {"name": port.name, "containerPort": port.container_port, "protocol": port.protocol}
            for port in settings.ports
        ],
        "volumeMounts": [
            {"name": claim.name, "mountPath": claim.mount_path} for claim in settings.claims
        ],
    }
    if settings.args:
        spec["args"] = list(settings.args)
    return spec


def claim_templates(settings: AppSettings, class_name: str) -> list[dict[str, Any]]:
    """One claim template per claim: class, access modes and request match its PVs."""
    return [
        {
            "metadata": {"name": claim.name, "labels": selector_labels(settings)},
            "spec": {
                "accessModes": list(ACCESS_MODES),
                "storageClassName": class_name,
                "resources": {"requests": {"storage": f"{claim.size_gb}Gi"}},
            },
        }
        for claim in settings.claims
    ]


def statefulset(settings: AppSettings, service_name: str, class_name: str) -> dict[str, Any]:
    """The StatefulSet, governed by `service_name`, claiming from `class_name`."""
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {
            "name": settings.name,
            "namespace": settings.namespace,
            "labels": app_labels(settings, "server"),
        },
        "spec": {
            "serviceName": service_name,
            "replicas": settings.replicas,
            "selector": {"matchLabels": selector_labels(settings)},
            "podManagementPolicy": "OrderedReady",
            "persistentVolumeClaimRetentionPolicy": {
                "whenDeleted": "Retain",
                "whenScaled": "Retain",
            },
            "template": {
                "metadata": {"labels": app_labels(settings, "server")},
                "spec": {"containers": [container(settings)]},
            },
            "volumeClaimTemplates": claim_templates(settings, class_name),
        },
    }
