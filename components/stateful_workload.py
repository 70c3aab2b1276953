"""The StatefulWorkload component: the StatefulSet and what its pods need and are kept by."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from components.core.blueprint import AppBlueprint
from components.core.pod import PASSWORD_CONFIG_KEY, PASSWORD_KEY
from components.governing_service import GoverningService
from components.kubernetes_objects import register_manifest

TYPE_TOKEN = "gke-stateful:index:StatefulWorkload"


CHECKSUM_ROUNDS = 200_000


def quoted(value: str) -> str:
    """`value` as one double-quoted config argument (Redis' syntax): any space, quote,
    backslash or newline in a password stays inside it."""
    escaped = "".join(
        {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(c, c)
        if c.isprintable() or c in "\n\r\t"
        else f"\\x{ord(c):02x}"
        for c in value
    )
    return f'"{escaped}"'


def secret_checksum(password: pulumi.Input[str], salt: str) -> pulumi.Output[str]:
    """A digest that changes with the password, so pods roll.

    It is shown in the pod template, so it must not give the password away: a slow, salted
    key derivation (PBKDF2-SHA256) makes guessing even a weak one expensive. The digest is
    then not secret, which keeps the pod template readable in previews.
    """
    digest = pulumi.Output.from_input(password).apply(
        lambda value: hashlib.pbkdf2_hmac(
            "sha256", value.encode(), salt.encode(), CHECKSUM_ROUNDS
        ).hex()
    )
    return pulumi.Output.unsecret(digest)


def secret_data(blueprint: AppBlueprint, password: pulumi.Input[str]) -> dict[str, Any]:
    """The Secret's data: the password, and the app's config line holding it when it has one."""
    data: dict[str, pulumi.Input[str]] = {PASSWORD_KEY: password}
    line = blueprint.settings.password_config_line
    if line:
        data[PASSWORD_CONFIG_KEY] = pulumi.Output.from_input(password).apply(
            lambda value: line.replace("{password}", quoted(value)) + "\n"
        )
    return data


def with_secret_checksum(blueprint: AppBlueprint, password: pulumi.Input[str]) -> dict[str, Any]:
    """The StatefulSet manifest with the secret's checksum on its pod template."""
    manifest = blueprint.statefulset
    settings = blueprint.settings
    template = manifest["spec"]["template"]
    annotations = {
        **template["metadata"]["annotations"],
        "checksum/secret": secret_checksum(password, f"{settings.namespace}/{settings.name}"),
    }
    template = {**template, "metadata": {**template["metadata"], "annotations": annotations}}
    return {**manifest, "spec": {**manifest["spec"], "template": template}}


class StatefulWorkload(pulumi.ComponentResource):
    """Registers the ServiceAccount, config, Secret, NetworkPolicy, the StatefulSet (after its
    Service and every PV, so no pod starts before its volume), its disruption budget, and the
    claims' size patches."""

    statefulset_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        blueprint: AppBlueprint,
        service: GoverningService,
        volumes: Sequence[pulumi.Resource],
        claim_requests: Mapping[str, pulumi.Input[str]] | None = None,
        password: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        manifest = blueprint.statefulset
        if manifest["spec"]["serviceName"] != service.name_value:
            raise ValueError(
                f"StatefulSet {name}: serviceName {manifest['spec']['serviceName']!r} "
                f"is not the governing Service {service.name_value!r}"
            )
        child = pulumi.ResourceOptions(parent=self)
        needed: list[pulumi.Resource] = [
            register_manifest(f"{name}-account", blueprint.service_account, child)
        ]
        if blueprint.config_map is not None:
            needed.append(register_manifest(f"{name}-config", blueprint.config_map, child))
        if blueprint.secret is not None:
            if password is None:
                raise ValueError(f"StatefulWorkload {name}: the app needs a password")
            secret = {**blueprint.secret, "stringData": secret_data(blueprint, password)}
            needed.append(register_manifest(f"{name}-auth", secret, child))
            manifest = with_secret_checksum(blueprint, password)
        if blueprint.network_policy is not None:
            register_manifest(f"{name}-network", blueprint.network_policy, child)
        self.statefulset = register_manifest(
            name,
            manifest,
            pulumi.ResourceOptions(parent=self, depends_on=[service.service, *volumes, *needed]),
        )
        # Selects the pods by label: it needs no StatefulSet to exist first.
        register_manifest(f"{name}-budget", blueprint.disruption_budget, child)
        # Growth: each running claim's request follows its disk; the CSI resizer does the rest.
        self.claim_patches = []
        for patch in blueprint.claim_patches:
            pvc = patch["metadata"]["name"]
            request = (claim_requests or {}).get(pvc)
            if request is not None:
                patch = {**patch, "spec": {"resources": {"requests": {"storage": request}}}}
            self.claim_patches.append(
                register_manifest(
                    f"{name}-{pvc}",
                    patch,
                    # Retained: deleting a patch (scale-down, destroy) would hand back the
                    # claim's request, a required field, and fail.
                    pulumi.ResourceOptions(
                        parent=self, depends_on=[self.statefulset], retain_on_delete=True
                    ),
                    patch=True,
                )
            )
        self.statefulset_name = pulumi.Output.from_input(manifest["metadata"]["name"])
        self.register_outputs({"statefulSetName": self.statefulset_name})
