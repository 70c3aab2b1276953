"""The StatefulSet whose claim templates bind, ordinal by ordinal, to the pre-made PVs."""

from __future__ import annotations

from typing import Any

from components.core.labels import app_labels, selector_labels
from components.core.storage import ACCESS_MODES, CLAIM_TEMPLATE_REQUEST
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
    """One claim template per claim: its class and access modes match its PVs.

    The request is a fixed floor every PV satisfies: templates are immutable, so a size in
    them would turn every disk growth into a StatefulSet replacement.
    """
    return [
        {
            "metadata": {"name": claim.name, "labels": selector_labels(settings)},
            "spec": {
                "accessModes": list(ACCESS_MODES),
                "storageClassName": class_name,
                "resources": {"requests": {"storage": CLAIM_TEMPLATE_REQUEST}},
            },
        }
        for claim in settings.claims
    ]


ZONE_LABEL = "topology.kubernetes.io/zone"


def pod_spec(settings: AppSettings) -> dict[str, Any]:
    """The pod spec; pods spread over zones when their disks are in more than one."""
    spec: dict[str, Any] = {"containers": [container(settings)]}
    zones = {zone for slot in settings.slots for zone in slot.zones}
    if len(zones) > 1:
        # Soft: each pod must follow its disk (the PV's node affinity), which wins.
        spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": ZONE_LABEL,
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector_labels(settings)},
            }
        ]
    return spec


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
                "spec": pod_spec(settings),
            },
            "volumeClaimTemplates": claim_templates(settings, class_name),
        },
    }
