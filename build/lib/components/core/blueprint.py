"""The whole app as plain data: what the components register and what the outputs report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components import naming
from components.core.service import governing_service
from components.core.statefulset import statefulset
from components.core.storage import Volume, storage_class, volumes
from components.settings import AppSettings


@dataclass(frozen=True)
class AppBlueprint:
    """Every object of one app, computed once from its settings and its naming scope."""

    settings: AppSettings
    scope: str
    storage_class: dict[str, Any]
    volumes: list[Volume]
    service: dict[str, Any]
    statefulset: dict[str, Any]

    @property
    def manifests(self) -> list[dict[str, Any]]:
        """All Kubernetes objects, in the order they must exist."""
        return [
            self.storage_class,
            *(volume.pv for volume in self.volumes),
            self.service,
            self.statefulset,
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
                        "zone": v.disk.zone,
                    }
                    for v in self.volumes
                    if v.ordinal == ordinal
                ],
            }
            for ordinal in range(s.replicas)
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
            "podDnsNames": [
                naming.pod_dns(s.name, i, service, s.namespace) for i in range(s.replicas)
            ],
            "storageClassName": self.storage_class["metadata"]["name"],
            "pvcNames": [v.pvc_name for v in self.volumes],
            "pvNames": [v.pv_name for v in self.volumes],
            "diskNames": [v.disk.name for v in self.volumes],
        }


def build_blueprint(settings: AppSettings, project: str, stack: str) -> AppBlueprint:
    """Compute every object of the app deployed by Pulumi `project` in `stack`.

    The naming scope (settings.volume_scope, else `<project>-<stack>`) makes the
    cluster-scoped names (PVs, StorageClass) and the GCE disk names unique per stack.
    """
    scope = settings.volume_scope or naming.volume_scope(project, stack)
    klass = storage_class(settings, scope)
    service = governing_service(settings)
    return AppBlueprint(
        settings=settings,
        scope=scope,
        storage_class=klass,
        volumes=volumes(settings, scope),
        service=service,
        statefulset=statefulset(settings, service["metadata"]["name"], klass["metadata"]["name"]),
    )
