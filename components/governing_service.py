"""The GoverningService component: the headless Service that names every pod."""

from __future__ import annotations

from typing import Any

import pulumi

from .kubernetes_objects import register_manifest

TYPE_TOKEN = "gke-stateful:index:GoverningService"


class GoverningService(pulumi.ComponentResource):
    """Registers the core's headless Service (the StatefulSet takes its name from here) and
    the optional client Service."""

    service_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        manifest: dict[str, Any],
        client: dict[str, Any] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        protect: bool = False,
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        # Known from the settings, so the StatefulSet's serviceName is no unknown in previews.
        self.name_value: str = manifest["metadata"]["name"]
        # Protected with the data: a destroy without a preview keeps the pods' DNS names.
        self.service = register_manifest(
            name, manifest, pulumi.ResourceOptions(parent=self, protect=protect)
        )
        # An optional ClusterIP Service beside it, for clients that want any ready pod.
        self.client = (
            register_manifest(f"{name}-client", client, pulumi.ResourceOptions(parent=self))
            if client is not None
            else None
        )
        self.service_name = pulumi.Output.from_input(self.name_value)
        self.register_outputs({"serviceName": self.service_name})
