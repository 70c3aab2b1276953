"""The StatefulApp component: disks and PVs, governing Service and StatefulSet, as one app."""

from __future__ import annotations

import pulumi

from .core.blueprint import AppBlueprint, build_blueprint
from .disk_volumes import DiskVolumes
from .governing_service import GoverningService
from .settings import AppSettings
from .stateful_workload import StatefulWorkload

TYPE_TOKEN = "gke-stateful:index:StatefulApp"


class StatefulApp(pulumi.ComponentResource):
    """A StatefulSet whose every replica owns a pre-provisioned GCE persistent disk.

    `password` (a Pulumi secret) is required when the settings name a `password_env`.
    """

    pod_dns_names: pulumi.Output[list[str]]
    service_dns: pulumi.Output[str]
    srv_names: pulumi.Output[list[str]]
    pvc_names: pulumi.Output[list[str]]
    pv_names: pulumi.Output[list[str]]
    disk_names: pulumi.Output[list[str]]
    disk_self_links: pulumi.Output[list[str]]

    def __init__(
        self,
        name: str,
        settings: AppSettings,
        opts: pulumi.ResourceOptions | None = None,
        password: pulumi.Input[str] | None = None,
    ) -> None:
        # Children are named after the component, so an alias given to it (a rename) carries
        # over to every disk and PV, which then move in the state instead of being replaced.
        super().__init__(TYPE_TOKEN, name, None, opts)
        self.blueprint: AppBlueprint = build_blueprint(settings)
        child = pulumi.ResourceOptions(parent=self)
        self.storage = DiskVolumes(f"{name}-storage", self.blueprint, child)
        self.service = GoverningService(
            f"{name}-service", self.blueprint.service, self.blueprint.client_service, child
        )
        self.workload = StatefulWorkload(
            f"{name}-workload",
            self.blueprint,
            self.service,
            self.storage.pvs,
            self.storage.claim_requests,
            password,
            child,
        )
        names = self.blueprint.names()
        self.pod_dns_names = pulumi.Output.from_input(names["podDnsNames"])
        self.service_dns = pulumi.Output.from_input(names["serviceDns"])
        self.srv_names = pulumi.Output.from_input(names["srvNames"])
        self.pvc_names = pulumi.Output.from_input(names["pvcNames"])
        self.pv_names = self.storage.pv_names
        self.disk_names = self.storage.disk_names
        self.disk_self_links = self.storage.disk_self_links
        self.outputs: dict[str, pulumi.Input[object]] = {
            **names,
            "diskNames": self.disk_names,
            "diskSelfLinks": self.disk_self_links,
        }
        self.register_outputs(self.outputs)
