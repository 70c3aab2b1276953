"""The DiskVolumes component: per claim and ordinal a GCE disk and the PV bound to it."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from components.core.blueprint import AppBlueprint
from components.kubernetes_objects import register_manifest

TYPE_TOKEN = "gke-stateful:index:DiskVolumes"


class DiskVolumes(pulumi.ComponentResource):
    """The app's StorageClass, its disks and their PVs (disk -> PV)."""

    storage_class_name: pulumi.Output[str]
    disk_names: pulumi.Output[list[str]]
    disk_self_links: pulumi.Output[list[str]]
    pv_names: pulumi.Output[list[str]]

    def __init__(
        self, name: str, blueprint: AppBlueprint, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.storage_class = register_manifest(f"{name}-class", blueprint.storage_class, child)
        self.disks: list[gcp.compute.Disk] = []
        self.pvs: list[pulumi.CustomResource] = []
        for volume in blueprint.volumes:
            logical = f"{name}-{volume.template}-{volume.ordinal}"
            spec = volume.disk
            disk = gcp.compute.Disk(
                logical,
                name=spec.name,
                project=spec.project,
                zone=spec.zone,
                type=spec.type,
                size=spec.size,
                labels=spec.labels,
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            )
            pv = register_manifest(
                logical,
                volume.pv,
                pulumi.ResourceOptions(
                    parent=self, retain_on_delete=True, depends_on=[disk, self.storage_class]
                ),
            )
            self.disks.append(disk)
            self.pvs.append(pv)
        self.storage_class_name = pulumi.Output.from_input(
            blueprint.storage_class["metadata"]["name"]
        )
        self.disk_names = pulumi.Output.all(*[d.name for d in self.disks])
        self.disk_self_links = pulumi.Output.all(*[d.self_link for d in self.disks])
        self.pv_names = pulumi.Output.from_input([v.pv_name for v in blueprint.volumes])
        self.register_outputs(
            {
                "storageClassName": self.storage_class_name,
                "diskNames": self.disk_names,
                "diskSelfLinks": self.disk_self_links,
                "pvNames": self.pv_names,
            }
        )
