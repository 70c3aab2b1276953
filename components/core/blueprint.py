"""The whole app as plain data: what the components register and what the outputs report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..settings import naming
from ..settings.app_settings import SENTINEL_PORT, AppSettings
from .availability import (
    client_service,
    disruption_budget,
    network_policy,
    service_account,
)
from .pod import config_map, secret
from .redis_metrics import pod_monitoring
from .redis_replication import master_name, primary_dns, replicates
from .service import governing_service
from .statefulset import statefulset
from .storage import (
    SnapshotPolicySpec,
    Volume,
    claim_size_patches,
    retired_volumes,
    snapshot_policy,
    storage_class,
    volumes,
)


@dataclass(frozen=True)
class AppBlueprint:
    """Every object of one app, computed once from its settings and its naming scope."""

    settings: AppSettings
    storage_class: dict[str, Any]
    volumes: list[Volume]
    # Older generations of slots, kept as they were created (`retiredGenerations`).
    retired_volumes: list[Volume]
    service: dict[str, Any]
    statefulset: dict[str, Any]
    claim_patches: list[dict[str, Any]]
    snapshot_policy: SnapshotPolicySpec | None
    service_account: dict[str, Any]
    config_map: dict[str, Any] | None
    secret: dict[str, Any] | None
    disruption_budget: dict[str, Any]
    network_policy: dict[str, Any] | None
    client_service: dict[str, Any] | None
    pod_monitoring: dict[str, Any] | None

    @property
    def manifests(self) -> list[dict[str, Any]]:
        """All Kubernetes objects, in the order they must exist (the Secret without data)."""
        optional = [self.config_map, self.secret, self.network_policy, self.client_service]
        return [
            self.storage_class,
            *(volume.pv for volume in self.volumes),
            self.service_account,
            *(m for m in optional if m is not None),
            self.service,
            self.statefulset,
            self.disruption_budget,
            *([self.pod_monitoring] if self.pod_monitoring else []),
        ]

    def pods(self) -> list[dict[str, Any]]:
        """Per ordinal: its pod, DNS name and, per claim, its PVC, PV, disk and zone."""
        s = self.settings
        service = self.service["metadata"]["name"]
        return [
            {
                "pod": naming.pod_name(s.name, ordinal),
                "dns": naming.pod_dns(s.name, ordinal, service, s.namespace),
                "volumes": [
                    {
                        "pvc": v.pvc_name,
                        "pv": v.pv_name,
                        "disk": v.disk.name,
                        "zone": "+".join(v.disk.zones),
                    }
                    for v in self.volumes
                    if v.ordinal == ordinal
                ],
            }
            for ordinal in s.running_ordinals
        ]

    def names(self) -> dict[str, Any]:
        """The outputs that are plain names (disk self links come from the cloud)."""
        s = self.settings
        service = self.service["metadata"]["name"]
        return {
            "statefulSetName": s.name,
            "namespace": s.namespace,
            "serviceName": service,
            "serviceDns": naming.service_dns(service, s.namespace),
            "srvNames": [
                naming.srv_name(port.name, service, s.namespace, port.protocol) for port in s.ports
            ],
            "podDnsNames": naming.pod_dns_names(s.name, s.running_ordinals, service, s.namespace),
            "storageClassName": self.storage_class["metadata"]["name"],
            "pvcNames": [v.pvc_name for v in self.volumes],
            "pvNames": [v.pv_name for v in self.volumes],
            "diskNames": [v.disk.name for v in self.volumes],
            "storageSlots": s.storage.storage_slots,
            "placement": s.storage.placements,
            "retiredSlots": [
                {"slot": v.ordinal, "pvc": v.pvc_name, "pv": v.pv_name, "disk": v.disk.name}
                for v in self.volumes
                if not s.runs(v.ordinal)
            ],
            "adoptedDisks": [v.disk.name for v in self.volumes if v.disk.adopted],
            # Where clients ask for the current primary, with Sentinel.
            "sentinelAddresses": [
                f"{dns}:{SENTINEL_PORT}"
                for dns in naming.pod_dns_names(s.name, s.running_ordinals, service, s.namespace)
            ]
            if s.runs_sentinel
            else [],
            "masterName": master_name(s) if s.runs_sentinel else "",
            # With replication, the pod that starts as the primary when no Sentinel names one.
            "bootstrapPrimary": primary_dns(s) if replicates(s) else "",
        }


def build_blueprint(settings: AppSettings) -> AppBlueprint:
    """Compute every object of the app from its settings."""
    klass = storage_class(settings)
    service = governing_service(settings)
    volumes_ = volumes(settings)
    return AppBlueprint(
        settings=settings,
        storage_class=klass,
        volumes=volumes_,
        retired_volumes=retired_volumes(settings),
        service=service,
        statefulset=statefulset(settings, service["metadata"]["name"], klass["metadata"]["name"]),
        claim_patches=claim_size_patches(settings, volumes_),
        snapshot_policy=snapshot_policy(settings),
        service_account=service_account(settings),
        config_map=config_map(settings),
        secret=secret(settings),
        disruption_budget=disruption_budget(settings),
        network_policy=network_policy(settings),
        client_service=client_service(settings),
        pod_monitoring=pod_monitoring(settings),
    )
