"""Disks and the PersistentVolumes bound to them: the static-PV pattern as plain data.

Per claim template and ordinal: one GCE zonal disk and one PV that points at it through the
GKE PD CSI driver, is pinned by claimRef to the PVC the StatefulSet will create for that
ordinal, and is placed by node affinity in the disk's zone. The app's StorageClass
provisions nothing, so a missing PV can never become a silently provisioned empty disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components import naming
from components.core.labels import app_labels
from components.settings import AppSettings, ClaimSpec

CSI_DRIVER = "pd.csi.storage.gke.io"
ZONE_TOPOLOGY_KEY = "topology.gke.io/zone"
NO_PROVISIONER = "kubernetes.io/no-provisioner"
ACCESS_MODES = ["ReadWriteOnce"]


@dataclass(frozen=True)
class DiskSpec:
    """One GCE zonal disk, with the arguments `gcp.compute.Disk` takes."""

    name: str
    project: str
    zone: str
    type: str
    size: int
    labels: dict[str, str]


@dataclass(frozen=True)
class Volume:
    """One (claim template, ordinal): its disk, its PV and the claim that binds them."""

    template: str
    ordinal: int
    disk: DiskSpec
    pv: dict[str, Any]
    pvc_name: str

    @property
    def pv_name(self) -> str:
        return self.pv["metadata"]["name"]


def storage_class(settings: AppSettings, scope: str) -> dict[str, Any]:
    """The app's StorageClass: no provisioner, expansion allowed, a name unique per stack."""
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": naming.storage_class_name(scope, settings.namespace, settings.name),
            "labels": app_labels(settings, "storage"),
        },
        "provisioner": NO_PROVISIONER,
        "allowVolumeExpansion": True,
        "reclaimPolicy": "Retain",
        "volumeBindingMode": "WaitForFirstConsumer",
    }


def disk_labels(
    settings: AppSettings, scope: str, claim: ClaimSpec, ordinal: int
) -> dict[str, str]:
    """GCE labels that tell, from the cloud console, whose disk this is."""
    return {
        "app": naming.gce_label_value(settings.name),
        "scope": naming.gce_label_value(scope),
        "namespace": naming.gce_label_value(settings.namespace),
        "claim": naming.gce_label_value(claim.name),
        "ordinal": str(ordinal),
        "managed-by": "pulumi",
    }


def persistent_volume(
    settings: AppSettings, claim: ClaimSpec, ordinal: int, disk: DiskSpec, class_name: str
) -> dict[str, Any]:
    """The PV of one disk, pinned to the PVC of one ordinal, in the disk's zone."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {
            "name": disk.name,
            "labels": {
                **app_labels(settings, "storage"),
                "statefulset.kubernetes.io/pod-name": naming.pod_name(settings.name, ordinal),
            },
        },
        "spec": {
            "capacity": {"storage": f"{disk.size}Gi"},
            "accessModes": list(ACCESS_MODES),
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": class_name,
            "volumeMode": "Filesystem",
            "claimRef": {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "namespace": settings.namespace,
                "name": naming.pvc_name(claim.name, settings.name, ordinal),
            },
            "csi": {
                "driver": CSI_DRIVER,
                "volumeHandle": naming.zonal_volume_handle(disk.project, disk.zone, disk.name),
                "fsType": claim.fs_type,
            },
            "nodeAffinity": {
                "required": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {"key": ZONE_TOPOLOGY_KEY, "operator": "In", "values": [disk.zone]}
                            ]
                        }
                    ]
                }
            },
        },
    }


def volumes(settings: AppSettings, scope: str) -> list[Volume]:
    """Every (claim template, ordinal) of the app, with its disk and PV."""
    class_name = naming.storage_class_name(scope, settings.namespace, settings.name)
    result = []
    for claim in settings.claims:
        for ordinal in range(settings.replicas):
            disk = DiskSpec(
                name=naming.disk_name(
                    scope, settings.namespace, settings.name, claim.name, ordinal
                ),
                project=settings.gcp_project,
                zone=settings.zone,
                type=claim.disk_type,
                size=claim.size_gb,
                labels=disk_labels(settings, scope, claim, ordinal),
            )
            result.append(
                Volume(
                    template=claim.name,
                    ordinal=ordinal,
                    disk=disk,
                    pv=persistent_volume(settings, claim, ordinal, disk, class_name),
                    pvc_name=naming.pvc_name(claim.name, settings.name, ordinal),
                )
            )
    return result
