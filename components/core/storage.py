"""Disks and the PersistentVolumes bound to them: the static-PV pattern as plain data.

Per claim template and storage slot: one GCE disk (zonal or regional, created, restored from a
snapshot, or adopted) and one PV that points at it through the GKE PD CSI driver, is pinned by
claimRef to the PVC the StatefulSet creates for that ordinal, and is placed by node affinity
in the disk's zone(s). The app's StorageClass provisions nothing, so a missing PV can never
become a silently provisioned empty disk.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..settings import naming
from ..settings.app_settings import AppSettings, SlotSpec
from ..settings.groups.storage import ClaimSpec
from .labels import app_labels

CSI_DRIVER = "pd.csi.storage.gke.io"
ZONE_TOPOLOGY_KEY = "topology.gke.io/zone"
NO_PROVISIONER = "kubernetes.io/no-provisioner"
ACCESS_MODES = ["ReadWriteOnce"]
# The claim template's request never changes (templates are immutable): any PV binds to it,
# and growth is a patch of each claim, never a new StatefulSet.
CLAIM_TEMPLATE_REQUEST = "1Gi"
# What the PV of an adopted disk states: no GCE disk is smaller. A claim binds at its PV's
# stated capacity (kubernetes pv_controller.go, updateClaimStatus), and the external resizer
# expands only when the claim's request exceeds its status.capacity (external-resizer
# controller.go, pvcNeedResize). Stating the disk as larger than it is would hide an adopted
# disk below diskSizeGb from the resizer; stating this floor lets the claim patch raise the
# request, and the PD CSI driver's ControllerExpandVolume returns at once when the disk is
# already that large (gce-compute.go, ResizeDisk).
ADOPTED_PV_CAPACITY = "1Gi"
PATCH_FORCE = {"pulumi.com/patchForce": "true"}


@dataclass(frozen=True)
class DiskSpec:
    """One GCE disk: zonal (`gcp.compute.Disk`) or regional (`gcp.compute.RegionDisk`)."""

    name: str
    project: str
    zones: tuple[str, ...]
    region: str
    type: str
    size: int
    labels: dict[str, str]
    adopted: bool = False
    snapshot: str | None = None
    provisioned_iops: int | None = None
    provisioned_throughput: int | None = None
    kms_key: str | None = None

    @property
    def regional(self) -> bool:
        return len(self.zones) == 2

    @property
    def resource_id(self) -> str:
        """The disk's id in GCE, which is also its CSI volume handle."""
        if self.regional:
            return naming.regional_volume_handle(self.project, self.region, self.name)
        return naming.zonal_volume_handle(self.project, self.zones[0], self.name)

    def arguments(self) -> dict[str, Any]:
        """The arguments of `gcp.compute.Disk` / `RegionDisk` that create this disk."""
        args: dict[str, Any] = {"name": self.name, "project": self.project}
        if self.regional:
            args |= {"region": self.region, "replica_zones": list(self.zones)}
        else:
            args["zone"] = self.zones[0]
        args |= {"type": self.type, "size": self.size, "labels": self.labels}
        optional = {
            "snapshot": self.snapshot,
            "provisioned_iops": self.provisioned_iops,
            "provisioned_throughput": self.provisioned_throughput,
        }
        args |= {k: v for k, v in optional.items() if v is not None}
        if self.kms_key:
            # The field names differ between the two resources.
            field = "kms_key_name" if self.regional else "kms_key_self_link"
            args["disk_encryption_key"] = {field: self.kms_key}
        return args


@dataclass(frozen=True)
class Volume:
    """One (claim template, storage slot): its disk, its PV and the claim that binds them."""

    template: str
    slot: SlotSpec
    disk: DiskSpec
    pv: dict[str, Any]
    pvc_name: str

    @property
    def ordinal(self) -> int:
        return self.slot.ordinal

    @property
    def pv_name(self) -> str:
        return self.pv["metadata"]["name"]


def storage_class(settings: AppSettings) -> dict[str, Any]:
    """The app's StorageClass: no provisioner, expansion allowed, a name unique per stack."""
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": naming.storage_class_name(
                settings.volume_scope, settings.namespace, settings.name
            ),
            "labels": app_labels(settings, "storage"),
        },
        "provisioner": NO_PROVISIONER,
        "allowVolumeExpansion": True,
        "reclaimPolicy": "Retain",
        "volumeBindingMode": "WaitForFirstConsumer",
    }


def disk_labels(settings: AppSettings, claim: ClaimSpec, slot: SlotSpec) -> dict[str, str]:
    """GCE labels that tell, from the cloud console, whose disk this is."""
    return {
        "app": naming.gce_label_value(settings.name),
        "scope": naming.gce_label_value(settings.volume_scope),
        "namespace": naming.gce_label_value(settings.namespace),
        "claim": naming.gce_label_value(claim.name),
        "slot": str(slot.ordinal),
        "generation": str(slot.generation),
        "managed-by": "pulumi",
    }


def disk_spec(settings: AppSettings, claim: ClaimSpec, slot: SlotSpec) -> DiskSpec:
    """The disk of one slot: adopted as it is, or created (empty or from a snapshot).

    Adoption and restores apply to the main claim; extra claims (logs, caches) get new disks.
    """
    if claim.name != settings.storage.claims[0].name:
        slot = SlotSpec(slot.ordinal, slot.zones, slot.generation, index=slot.index)
    return DiskSpec(
        name=slot.adopt or settings.derived_disk_name(claim.name, slot),
        project=settings.gcp_project,
        zones=slot.zones,
        region=slot.region,
        type=claim.disk_type,
        size=claim.size_gb,
        labels=disk_labels(settings, claim, slot),
        adopted=slot.adopt is not None,
        snapshot=None if slot.adopt else slot.snapshot,
        provisioned_iops=claim.provisioned_iops,
        provisioned_throughput=claim.provisioned_throughput,
        kms_key=settings.storage.kms_key,
    )


def pv_capacity(disk: DiskSpec) -> str:
    """The capacity a PV states: its disk's size when the stack creates the disk, and a floor
    for an adopted disk, whose real size the program cannot know when it writes the PV."""
    return ADOPTED_PV_CAPACITY if disk.adopted else f"{disk.size}Gi"


def persistent_volume(
    settings: AppSettings, claim: ClaimSpec, slot: SlotSpec, disk: DiskSpec, class_name: str
) -> dict[str, Any]:
    """The PV of one disk, pinned to the PVC of one ordinal, in the disk's zone(s)."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {
            "name": naming.pv_name(
                settings.volume_scope,
                settings.namespace,
                settings.name,
                claim.name,
                slot.ordinal,
                slot.generation,
            ),
            "labels": {
                **app_labels(settings, "storage"),
                "statefulset.kubernetes.io/pod-name": naming.pod_name(settings.name, slot.ordinal),
            },
        },
        "spec": {
            "capacity": {"storage": pv_capacity(disk)},
            "accessModes": [settings.storage.access_mode],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": class_name,
            "volumeMode": "Filesystem",
            "claimRef": {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "namespace": settings.namespace,
                "name": naming.pvc_name(claim.name, settings.name, slot.ordinal),
            },
            "csi": {
                "driver": CSI_DRIVER,
                "volumeHandle": disk.resource_id,
                "fsType": claim.fs_type,
            },
            "nodeAffinity": {
                "required": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {
                                    "key": ZONE_TOPOLOGY_KEY,
                                    "operator": "In",
                                    "values": list(disk.zones),
                                }
                            ]
                        }
                    ]
                }
            },
        },
    }


def _volume(settings: AppSettings, claim: ClaimSpec, slot: SlotSpec) -> Volume:
    disk = disk_spec(settings, claim, slot)
    class_name = storage_class(settings)["metadata"]["name"]
    return Volume(
        template=claim.name,
        slot=slot,
        disk=disk,
        pv=persistent_volume(settings, claim, slot, disk, class_name),
        pvc_name=naming.pvc_name(claim.name, settings.name, slot.ordinal),
    )


def volumes(settings: AppSettings) -> list[Volume]:
    """Every (claim template, storage slot) of the app, with its disk and PV."""
    return [
        _volume(settings, claim, slot)
        for claim in settings.storage.claims
        for slot in settings.slots
    ]


def retired_volumes(settings: AppSettings) -> list[Volume]:
    """Every (claim template, retired generation of a slot): the older disks and PVs the stack
    keeps after a slot moved on (`retiredGenerations`). Their names are those of that
    generation; their other inputs are whatever they were created with, which the component
    never changes again."""
    return [
        _volume(settings, claim, slot)
        for claim in settings.storage.claims
        for slot in settings.retired_generation_slots
    ]


def claim_size_patches(settings: AppSettings, volumes_: list[Volume]) -> list[dict[str, Any]]:
    """Per running ordinal's claim: a patch of its request to the disk size (online growth).

    The CSI resizer grows the disk and the filesystem when the request rises; the claim
    template stays as it is.
    """
    return [
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {
                "name": v.pvc_name,
                "namespace": settings.namespace,
                "annotations": dict(PATCH_FORCE),
            },
            "spec": {"resources": {"requests": {"storage": f"{v.disk.size}Gi"}}},
        }
        for v in volumes_
        if settings.runs(v.ordinal)
    ]


@dataclass(frozen=True)
class SnapshotPolicySpec:
    """The snapshot schedule as `gcp.compute.ResourcePolicy` arguments."""

    name: str
    project: str
    region: str
    snapshot_schedule_policy: dict[str, Any]

    def arguments(self) -> dict[str, Any]:
        return asdict(self)


def snapshot_policy(settings: AppSettings) -> SnapshotPolicySpec | None:
    """The stack's snapshot schedule, or None when it has none."""
    schedule = settings.snapshots.schedule
    if schedule is None:
        return None
    if schedule.frequency == "hourly":
        when = {
            "hourly_schedule": {
                "hours_in_cycle": schedule.hours_in_cycle,
                "start_time": schedule.start_time,
            }
        }
    elif schedule.frequency == "daily":
        when = {"daily_schedule": {"days_in_cycle": 1, "start_time": schedule.start_time}}
    else:
        when = {
            "weekly_schedule": {
                "day_of_weeks": [{"day": schedule.week_day, "start_time": schedule.start_time}]
            }
        }
    return SnapshotPolicySpec(
        name=naming.resource_policy_name(settings.volume_scope, settings.namespace, settings.name),
        project=settings.gcp_project,
        region=settings.storage.region,
        snapshot_schedule_policy={
            "schedule": when,
            "retention_policy": {
                "max_retention_days": schedule.retention_days,
                "on_source_disk_delete": (
                    "KEEP_AUTO_SNAPSHOTS"
                    if schedule.keep_on_source_delete
                    else "APPLY_RETENTION_POLICY"
                ),
            },
            "snapshot_properties": {"labels": {"app": naming.gce_label_value(settings.name)}},
        },
    )
