"""The StatefulWorkload component: the StatefulSet, created only after its service and PVs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from components.governing_service import GoverningService
from components.kubernetes_objects import register_manifest

TYPE_TOKEN = "gke-stateful:index:StatefulWorkload"


class StatefulWorkload(pulumi.ComponentResource):
    """Registers the StatefulSet, after its Service and every PV, then the claims' size patches.

    Depending on every PV means no pod starts before its volume exists.
    """

    statefulset_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        manifest: dict[str, Any],
        service: GoverningService,
        volumes: Sequence[pulumi.Resource],
        claim_patches: Sequence[dict[str, Any]] = (),
        claim_requests: Mapping[str, pulumi.Input[str]] | None = None,
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
        # Growth: each running claim's request follows its disk; the CSI resizer does the rest.
        self.claim_patches = []
        for patch in claim_patches:
            pvc = patch["metadata"]["name"]
            request = (claim_requests or {}).get(pvc)
            if request is not None:
                patch = {**patch, "spec": {"resources": {"requests": {"storage": request}}}}
            self.claim_patches.append(
                register_manifest(
                    f"{name}-{pvc}",
                    patch,
                    pulumi.ResourceOptions(parent=self, depends_on=[self.statefulset]),
                    patch=True,
                )
            )
        self.statefulset_name = pulumi.Output.from_input(manifest["metadata"]["name"])
        self.register_outputs({"statefulSetName": self.statefulset_name})
