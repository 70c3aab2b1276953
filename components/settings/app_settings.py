"""The settings of one stateful app, grouped as the inputs are: each group's fields, defaults,
own rules and views in its module under `groups/`; here the everyday settings, the groups,
and the views derived across groups (the slots, the ports, the ordinals that run).

Pure (pydantic only), so the core, the program and the renderer share one definition of
what a valid stack is. Field aliases are the camelCase config keys of `Pulumi.yaml`. Rules
across groups are in `cross_rules`; `validation` runs them all.
"""

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field

from . import naming, placement
from .groups.container import ContainerSettings
from .groups.network import NetworkSettings
from .groups.pods import PodSettings
from .groups.protection import ProtectionSettings
from .groups.redis import RedisSettings
from .groups.rollout import RolloutSettings
from .groups.security import SecuritySettings
from .groups.snapshots import SnapshotSettings
from .groups.storage import StorageSettings
from .setting_types import (
    GcpProjectId,
    Namespace,
    ScopeName,
    SettingsModel,
    StatefulSetName,
    deferred,
    image_reference,
    sparse_entry,
)


@dataclass(frozen=True)
class PortSpec:
    """A named container port, published by the governing Service."""

    name: str
    container_port: int
    service_port: int
    protocol: str = "TCP"


@dataclass(frozen=True)
class SlotSpec:
    """One storage slot (an ordinal's storage): where its disk lives and where it comes from."""

    ordinal: int
    zones: tuple[str, ...]
    generation: int = 0
    adopt: str | None = None
    snapshot: str | None = None
    # Its position among the slots (entry i of the per-slot lists): unlike the ordinal, it
    # does not move with ordinalsStart, so resource identities are built from it.
    index: int = 0

    @property
    def regional(self) -> bool:
        return len(self.zones) == 2

    @property
    def region(self) -> str:
        return placement.region_of(self.zones[0])


SENTINEL_PORT = 26379
SENTINEL_PORT_NAME = "sentinel"
# The Redis metrics exporter's port (its image: groups.redis.DEFAULT_EXPORTER_IMAGE).
METRICS_PORT = 9121
METRICS_PORT_NAME = "metrics"


class AppSettings(SettingsModel):
    """Everything one stack says about its app, grouped and ordered exactly as the inputs are:
    the everyday settings at the top, and one group per concern (`settings.storage.zones`)."""

    name: StatefulSetName = Field(description="StatefulSet name.")
    gcp_project: GcpProjectId = Field(description="GCP project that owns the disks.")
    volume_scope: ScopeName = Field(
        description="Prefix of disk, PV and StorageClass names, fixed for the life of the stack."
    )
    storage: StorageSettings
    preset: Literal["none", "kubia", "redis"] = "none"
    namespace: Namespace = "default"
    replicas: int = Field(1, ge=0, le=1000)
    image: Annotated[Any, deferred(image_reference)]
    snapshots: SnapshotSettings = Field(default_factory=SnapshotSettings)
    protection: ProtectionSettings = Field(default_factory=ProtectionSettings)
    container: ContainerSettings = Field(default_factory=ContainerSettings)
    pods: PodSettings = Field(default_factory=PodSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    rollout: RolloutSettings = Field(default_factory=RolloutSettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)

    @property
    def governing_service_name(self) -> str:
        return self.network.service_name or self.name

    @property
    def ports(self) -> tuple[PortSpec, ...]:
        """The app's port, and Sentinel's when it runs (its own container's)."""
        app = PortSpec(
            self.container.port_name, self.container.container_port, self.network.service_port
        )
        if self.runs_sentinel:
            return (app, PortSpec(SENTINEL_PORT_NAME, SENTINEL_PORT, SENTINEL_PORT))
        return (app,)

    @property
    def runs_sentinel(self) -> bool:
        """Sentinel beside every Redis pod: asked for, or by default with replication and
        three pods or more (quorum 2 needs three voters)."""
        if self.preset != "redis" or not self.redis.replication:
            return False
        return self.redis.sentinel if self.redis.sentinel is not None else self.replicas >= 3

    @property
    def slots(self) -> tuple[SlotSpec, ...]:
        return tuple(
            SlotSpec(
                ordinal=self.rollout.ordinals_start + i,
                zones=placement.parse_entry(entry),
                generation=sparse_entry(self.storage.slot_generations, i, 0),
                adopt=sparse_entry(self.storage.adopt_disks, i, None),
                snapshot=sparse_entry(self.snapshots.slot_snapshots, i, None)
                or self.snapshots.snapshot,
                index=i,
            )
            for i, entry in enumerate(self.storage.placements)
        )

    @property
    def retired_generation_slots(self) -> tuple[SlotSpec, ...]:
        """Per slot, each older generation the stack keeps (`retiredGenerations`): the slot as
        it was at that generation, holding neither an adoption nor a restore (neither shapes
        a disk that already exists)."""
        return tuple(
            SlotSpec(slot.ordinal, slot.zones, generation, index=slot.index)
            for slot in self.slots
            for generation in sorted(sparse_entry(self.storage.retired_generations, slot.index, []))
        )

    @property
    def retired_slots(self) -> tuple[SlotSpec, ...]:
        """Slots above the replica count: their storage is kept for a scale-up."""
        return tuple(slot for slot in self.slots if not self.runs(slot.ordinal))

    @property
    def running_ordinals(self) -> range:
        """The ordinals that have a pod: `ordinalsStart` and the `replicas` after it."""
        return range(self.rollout.ordinals_start, self.rollout.ordinals_start + self.replicas)

    def runs(self, ordinal: int) -> bool:
        return ordinal in self.running_ordinals

    def derived_disk_name(self, claim: str, slot: SlotSpec) -> str:
        """The name of the disk the stack creates for `claim` in `slot` (and of its PV)."""
        return naming.disk_name(
            self.volume_scope, self.namespace, self.name, claim, slot.ordinal, slot.generation
        )

    @property
    def created_disks(self) -> dict[str, tuple[SlotSpec, str]]:
        """Every disk the stack creates, by name: its slot (a slot's own or a retired
        generation) and claim. An adopted disk is its slot's main claim's instead."""
        main = self.storage.claims[0].name
        return {
            self.derived_disk_name(claim.name, slot): (slot, claim.name)
            for slot in (*self.slots, *self.retired_generation_slots)
            for claim in self.storage.claims
            if not (claim.name == main and slot.adopt)
        }


# The inputs' shape, read from the settings themselves: each group's keys, and the keys at the
# top level, in the inputs' order.
GROUPS: dict[str, tuple[str, ...]] = {
    name: tuple(f.alias or n for n, f in field.annotation.model_fields.items())
    for name, field in AppSettings.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, SettingsModel)
}
TOP_LEVEL_SETTINGS: tuple[str, ...] = tuple(
    f.alias or n for n, f in AppSettings.model_fields.items() if n not in GROUPS
)
# Each setting's path in the inputs, by its name ("storage.diskSizeGb", or "name" at the top):
# a leaf's name is unique across the groups, so it names the setting.
PATHS: dict[str, str] = {
    **{key: key for key in TOP_LEVEL_SETTINGS},
    **{leaf: f"{group}.{leaf}" for group, leaves in GROUPS.items() for leaf in leaves},
}


def path_of(name: str) -> str:
    """The path of the setting `name` in the inputs (the name itself when it is unknown)."""
    return PATHS.get(name, name)
