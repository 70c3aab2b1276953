"""What keeps the app reachable and available: its identity, budget, network policy, clients."""

from __future__ import annotations

from typing import Any

from ..settings.app_settings import AppSettings
from .labels import metadata, selector_labels
from .redis_metrics import scraper_ingress
from .service import service_ports

WORKLOAD_IDENTITY_ANNOTATION = "iam.gke.io/gcp-service-account"


def service_account(settings: AppSettings) -> dict[str, Any]:
    """The pods' own ServiceAccount; its token is mounted only when asked for."""
    account = metadata(settings, settings.name, "identity")
    if settings.security.workload_identity:
        account["annotations"] = {WORKLOAD_IDENTITY_ANNOTATION: settings.security.workload_identity}
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": account,
        "automountServiceAccountToken": settings.security.automount_service_account_token,
    }


def disruption_budget(settings: AppSettings) -> dict[str, Any]:
    """At most `maxUnavailable` pods evicted at once (node upgrades, drains)."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(settings, settings.name, "availability"),
        "spec": {
            "maxUnavailable": settings.rollout.max_unavailable,
            "selector": {"matchLabels": selector_labels(settings)},
        },
    }


def network_policy(settings: AppSettings) -> dict[str, Any] | None:
    """Ingress to the app's ports only from its peers and from pods with the client label."""
    if not settings.network.network_policy:
        return None
    sources: list[dict[str, Any]] = [{"podSelector": {"matchLabels": selector_labels(settings)}}]
    # Each client label admits its pods on its own (the entries are alternatives), in the
    # app's namespace or, with clientNamespaces, in those namespaces.
    for labels in settings.network.client_label:
        source: dict[str, Any] = {"podSelector": {"matchLabels": dict(labels)}}
        if settings.network.client_namespaces:
            source["namespaceSelector"] = {
                "matchExpressions": [
                    {
                        "key": "kubernetes.io/metadata.name",
                        "operator": "In",
                        "values": list(settings.network.client_namespaces),
                    }
                ]
            }
        sources.append(source)
    ingress: list[dict[str, Any]] = [
        {
            "from": sources,
            "ports": [
                {"port": port.container_port, "protocol": port.protocol} for port in settings.ports
            ],
        }
    ]
    scraper = scraper_ingress(settings)
    if scraper:
        ingress.append(scraper)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(settings, settings.name, "network"),
        "spec": {
            "podSelector": {"matchLabels": selector_labels(settings)},
            "policyTypes": ["Ingress"],
            "ingress": ingress,
        },
    }


def client_service(settings: AppSettings) -> dict[str, Any] | None:
    """An optional ClusterIP Service beside the headless one, for clients of any pod."""
    if not settings.network.client_service:
        return None
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(settings, f"{settings.name}-client", "client-service"),
        "spec": {
            "type": "ClusterIP",
            "selector": selector_labels(settings),
            "ports": service_ports(settings),
        },
    }
