"""The StatefulApp component: disks and PVs, governing Service and StatefulSet, as one app.

Pulumi's component analyzer reads this class (its `args` annotation and its typed outputs)
to write the package schema, so the module keeps real annotations (no
`from __future__ import annotations`).
"""

from typing import Any, TypedDict

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s
from pydantic.alias_generators import to_snake

from .app_args import StatefulAppArgs
from .core.blueprint import AppBlueprint, build_blueprint
from .deletion_arming import deletion_arming
from .disk_volumes import DiskVolumes
from .governing_service import GoverningService
from .settings import naming
from .settings.app_settings import AppSettings
from .settings.arg_paths import parse_args
from .settings.password_rules import password_problems
from .settings.validation import SettingsError
from .stack.config import InvalidConfigError
from .stack.config_values import takes_password
from .stateful_workload import StatefulWorkload

TYPE_TOKEN = "gke-stateful:index:StatefulApp"


class RetiredSlot(TypedDict):
    """A storage slot above the replica count: its claim, PV and disk are kept."""

    slot: int
    """The slot's ordinal."""
    pvc: str
    """Name of its PersistentVolumeClaim."""
    pv: str
    """Name of its PersistentVolume."""
    disk: str
    """Name of its GCE disk."""


class StatefulApp(pulumi.ComponentResource):
    """A StatefulSet whose every replica owns a pre-provisioned GCE persistent disk: stable
    pod and DNS names, its own disk in its own zone, and no way to lose that disk by a config
    change, a scale-down or a destroy."""

    stateful_set_name: pulumi.Output[str]
    """Name of the StatefulSet."""
    namespace: pulumi.Output[str]
    """Namespace of the app."""
    service_name: pulumi.Output[str]
    """Name of the headless governing Service."""
    service_dns: pulumi.Output[str]
    """DNS name of the governing Service."""
    srv_names: pulumi.Output[list[str]]
    """SRV record names of the app's ports."""
    pod_dns_names: pulumi.Output[list[str]]
    """Stable DNS name of every running pod, in ordinal order."""
    storage_class_name: pulumi.Output[str]
    """Name of the app's StorageClass (no provisioner: every PV is made in advance)."""
    pvc_names: pulumi.Output[list[str]]
    """Names of the claims, one per storage slot and claim template."""
    pv_names: pulumi.Output[list[str]]
    """Names of the PersistentVolumes, in the same order."""
    disk_names: pulumi.Output[list[str]]
    """Names of the GCE disks, in the same order."""
    disk_self_links: pulumi.Output[list[str]]
    """Self links of the GCE disks, in the same order."""
    storage_slots: pulumi.Output[int]
    """Number of storage slots."""
    placement: pulumi.Output[list[str]]
    """Where each slot's disk lives (a zone, or two joined by '+'); copy it into
    storage.placement before changing zones."""
    retired_slots: pulumi.Output[list[RetiredSlot]]
    """Slots above the replica count, whose storage is kept for a scale-up."""
    adopted_disks: pulumi.Output[list[str]]
    """Existing disks the app binds and never deletes."""
    sentinel_addresses: pulumi.Output[list[str]]
    """With Sentinel, each Sentinel's host:port: clients ask one for the primary by
    masterName (empty without Sentinel)."""
    master_name: pulumi.Output[str]
    """With Sentinel, the name it knows the primary by (empty without Sentinel)."""
    bootstrap_primary: pulumi.Output[str]
    """With replication, the DNS name of the pod that starts as the primary when no Sentinel
    names one: the first ordinal's (empty without replication)."""
    stateful_set: pulumi.Output[k8s.apps.v1.StatefulSet]
    """The StatefulSet."""
    zonal_disks: pulumi.Output[list[gcp.compute.Disk]]
    """The zonal GCE disks, managed and adopted, in slot order."""
    regional_disks: pulumi.Output[list[gcp.compute.RegionDisk]]
    """The regional GCE disks, in slot order."""

    def __init__(
        self,
        name: str,
        args: StatefulAppArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # Validated before anything is registered: a bad input creates nothing.
        settings = settings_of(args)
        # Children are named after the component, so an alias given to it (a rename) carries
        # over to every disk and PV, which then move in the state instead of being replaced.
        super().__init__(TYPE_TOKEN, name, None, opts)
        password = args.get("password")
        if password is not None:
            password = pulumi.Output.secret(password)
        self.blueprint: AppBlueprint = build_blueprint(settings)
        child = pulumi.ResourceOptions(parent=self)
        workload = naming.workload_component(name)
        # First: the disks and PVs wait on it, so no update changes their protection
        # without turning the record with `allowDataDeletion`.
        arming = deletion_arming(naming.deletion_record(workload), settings, child)
        self.storage = DiskVolumes(f"{name}-storage", self.blueprint, child, after=[arming.record])
        self.service = GoverningService(
            f"{name}-service",
            self.blueprint.service,
            self.blueprint.client_service,
            child,
            protect=settings.protection.protects_data,
        )
        self.workload = StatefulWorkload(
            workload,
            self.blueprint,
            self.service,
            self.storage.pvs,
            self.storage.claim_requests,
            password,
            child,
            armed=arming.armed,
        )
        names = self.blueprint.names()
        self.outputs: dict[str, pulumi.Input[Any]] = {
            **names,
            "diskSelfLinks": self.storage.disk_self_links,
        }
        # Every plain name is the output of the same name (snake_case here).
        annotated = type(self).__annotations__
        for key, value in names.items():
            if to_snake(key) in annotated:
                setattr(self, to_snake(key), pulumi.Output.from_input(value))
        self.disk_self_links = self.storage.disk_self_links
        self.stateful_set = pulumi.Output.from_input(self.workload.statefulset)
        disks = self.storage.disks
        self.zonal_disks = pulumi.Output.from_input(
            [d for d in disks if isinstance(d, gcp.compute.Disk)]
        )
        self.regional_disks = pulumi.Output.from_input(
            [d for d in disks if isinstance(d, gcp.compute.RegionDisk)]
        )
        self.register_outputs(self.outputs)


def validated(args: StatefulAppArgs) -> AppSettings:
    """The settings `args` give, or SettingsError with one problem per bad input, each
    starting with the input's path (`storage.diskSizeGb: ...`)."""
    given = args.get("password") is not None
    try:
        settings = parse_args(args, "", pulumi.Config("gcp").get("region"))
    except SettingsError as error:
        # Every problem at once: a missing password too, when the inputs show it is needed.
        missing = ["password: required by this app, but not set"]
        raise SettingsError(
            [*error.problems, *(missing if takes_password(args) and not given else [])]
        ) from None
    if settings.security.takes_password and not given:
        raise SettingsError(
            ["password: required by this app (it mounts or reads a password), but not set"]
        )
    password = args.get("password")
    if isinstance(password, str) and settings.security.takes_password:
        problems = password_problems(password)
        if problems:
            raise SettingsError([f"password: {p}" for p in problems])
    if given and not settings.security.takes_password:
        raise SettingsError(
            [
                "password: set, but this app takes no password (security.passwordEnv and "
                "security.passwordMount are empty)"
            ]
        )
    return settings


def settings_of(args: StatefulAppArgs) -> AppSettings:
    """The validated settings of `args`, or an error naming every bad input (Pulumi prints
    it without a traceback)."""
    try:
        return validated(args)
    except SettingsError as error:
        raise InvalidConfigError(str(error)) from None
