"""The headless governing Service that gives every pod its stable DNS name."""

from __future__ import annotations

from typing import Any

from ..settings.app_settings import AppSettings
from .labels import metadata, selector_labels
from .redis_replication import replicates


def service_ports(settings: AppSettings) -> list[dict[str, Any]]:
    """The app's named ports, as every Service of the app publishes them."""
    return [
        {
            "name": port.name,
            "port": port.service_port,
            "targetPort": port.name,
            "protocol": port.protocol,
        }
        for port in settings.ports
    ]


def governing_service(settings: AppSettings) -> dict[str, Any]:
    """Headless (`clusterIP: None`), selecting the pods, with named ports for SRV records."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(settings, settings.governing_service_name, "governing-service"),
        "spec": {
            "clusterIP": "None",
            # Replicas find the primary by its DNS name before it is Ready.
            "publishNotReadyAddresses": settings.network.publish_not_ready_addresses
            or replicates(settings),
            "selector": selector_labels(settings),
            "ports": service_ports(settings),
        },
    }
