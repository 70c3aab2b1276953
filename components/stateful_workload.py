"""The StatefulWorkload component: the StatefulSet and what its pods need and are kept by."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from .core.blueprint import AppBlueprint
from .core.replacement import replacement_identity, replacement_problems
from .core.statefulset import RETENTION, retention_policy
from .governing_service import GoverningService
from .kubernetes_objects import register_manifest
from .password_secret import checksum_key, secret_data, with_secret_checksum
from .settings import naming
from .settings.app_settings import AppSettings
from .stash_guard import guarded, refused_unless_clear

TYPE_TOKEN = "gke-stateful:index:StatefulWorkload"


def refuse_replacement(
    name: str, manifest: dict[str, Any], blueprint: AppBlueprint, child: pulumi.ResourceOptions
) -> dict[str, Any]:
    """The StatefulSet manifest, held back until its replacing fields are checked against
    what a `pulumi.Stash` recorded when it was first created.

    A Stash keeps the value it was created with (pulumi/stash.py: `output`); replacing it
    (`allowStatefulSetReplacement`, or `pulumi up --replace`) records the current one.
    """
    identity = replacement_identity(blueprint.statefulset)
    allowed = blueprint.settings.protection.allow_stateful_set_replacement
    stash = pulumi.Stash(
        name,
        input=identity,
        opts=pulumi.ResourceOptions.merge(
            child, pulumi.ResourceOptions(replace_on_changes=["input"] if allowed else None)
        ),
    )

    problems = stash.output.apply(
        lambda recorded: replacement_problems(recorded, identity, allowed, name)
    )
    return {**manifest, "spec": guarded(manifest["spec"], refused_unless_clear([problems]))}


def with_retention(
    manifest: dict[str, Any], settings: AppSettings, armed: pulumi.Output[bool]
) -> dict[str, Any]:
    """The StatefulSet manifest with its claims' retention as the record of
    `allowDataDeletion` allows (`deletion_arming`)."""
    policy = armed.apply(lambda earlier: retention_policy(settings, earlier))
    return {**manifest, "spec": {**manifest["spec"], RETENTION: policy}}


def protects_app(settings: AppSettings) -> bool:
    """Whether the StatefulSet is protected: in every stack that protects its data, so that a
    destroy run without a preview (`--skip-preview`), which carries on past a protected
    delete, cannot take the pods down first (pulumi step_executor.go, cancelDueToError) and
    skips everything the StatefulSet depends on (its Service, Secret, PVs and disks). Not when
    the stack allows the StatefulSet's replacement, which the engine refuses for a resource
    protected before and after (step_generator.go)."""
    return (
        settings.protection.protects_data and not settings.protection.allow_stateful_set_replacement
    )


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
        armed: pulumi.Input[bool] = False,
    ) -> None:
        """`armed`: whether an earlier update recorded `allowDataDeletion`
        (`deletion_arming`); a scale-down's claims go with their pods only then."""
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
            key = checksum_key(naming.checksum_key_resource(name), child)
            manifest = with_secret_checksum(blueprint, password, pulumi.Output.secret(key.hex))
        if blueprint.network_policy is not None:
            # A dependency of the StatefulSet: it exists before the first pod starts and is
            # deleted only after the StatefulSet, whose foreground deletion outlasts its pods.
            needed.append(register_manifest(f"{name}-network", blueprint.network_policy, child))
        manifest = with_retention(manifest, blueprint.settings, pulumi.Output.from_input(armed))
        manifest = refuse_replacement(f"{name}-replacement-guard", manifest, blueprint, child)
        self.statefulset = register_manifest(
            name,
            manifest,
            pulumi.ResourceOptions(
                parent=self,
                depends_on=[service.service, *volumes, *needed],
                protect=protects_app(blueprint.settings),
            ),
        )
        # Selects the pods by label: it needs no StatefulSet to exist first.
        register_manifest(f"{name}-budget", blueprint.disruption_budget, child)
        if blueprint.pod_monitoring is not None:
            # Selects the pods by label, as the budget does.
            register_manifest(f"{name}-metrics", blueprint.pod_monitoring, child)
        # Growth: each running claim's request follows its disk; the CSI resizer does the rest.
        self.claim_patches = []
        slots = {v.pvc_name: (v.template, v.slot.index) for v in blueprint.volumes}
        for patch in blueprint.claim_patches:
            pvc = patch["metadata"]["name"]
            request = (claim_requests or {}).get(pvc)
            if request is not None:
                patch = {**patch, "spec": {"resources": {"requests": {"storage": request}}}}
            template, index = slots[pvc]
            self.claim_patches.append(
                register_manifest(
                    # Named by claim and slot index, which no setting moves; v0.1.0 named
                    # it after the claim (the StatefulSet's name and the ordinal).
                    f"{name}-{template}-{index}-size",
                    patch,
                    # Retained: deleting a patch (scale-down, destroy) would hand back the
                    # claim's request, a required field, and fail.
                    pulumi.ResourceOptions(
                        parent=self,
                        depends_on=[self.statefulset],
                        retain_on_delete=True,
                        aliases=[pulumi.Alias(name=f"{name}-{pvc}")],
                    ),
                    patch=True,
                )
            )
        self.statefulset_name = pulumi.Output.from_input(manifest["metadata"]["name"])
        self.register_outputs({"statefulSetName": self.statefulset_name})
