"""The StatefulWorkload component: the StatefulSet, created only after its service and PVs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from components.governing_service import GoverningService
from components.kubernetes_objects import register_manifest

TYPE_TOKEN = "gke-stateful:index:StatefulWorkload"


class StatefulWorkload(pulumi.ComponentResource):
    """Registers the StatefulSet; it depends on every PV so no pod starts before its volume."""

    statefulset_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        manifest: dict[str, Any],
        service: GoverningService,
        volumes: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        if manifest["spec"]["serviceName"] != service.name_value:
            raise ValueError(
                f"StatefulSet {name}: serviceName {manifest['spec']['serviceName']!r} "
                f"is not the governing Service {service.name_value!r}"
            )
        self.statefulset = register_manifest(
            name,
            manifest,
            pulumi.ResourceOptions(parent=self, depends_on=[service.service, *volumes]),
        )
        self.statefulset_name = pulumi.Output.from_input(manifest["metadata"]["name"])
        self.register_outputs({"statefulSetName": self.statefulset_name})
