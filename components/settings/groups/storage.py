"""The `storage` group of the settings: its fields, their defaults and their own rules.

Each field's alias is its key under `storage` in a stack file and in the inputs.
"""

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from .. import disk_types, gce_zones, naming, placement
from ..setting_types import (
    ExtraClaim,
    Flag,
    FsType,
    SettingsModel,
    VolumeName,
    Zone,
    absolute_path,
    deferred,
    kms_key_name,
    no_items,
    sparse_entry,
)


@dataclass(frozen=True)
class ClaimSpec:
    """One volume claim template: each storage slot gets its own disk of this shape."""

    name: str
    mount_path: str
    size_gb: int
    disk_type: str
    fs_type: str
    provisioned_iops: int | None = None
    provisioned_throughput: int | None = None


def disk_forms(regional_slots: Collection[bool]) -> list[bool]:
    """The forms the slots' disks take, zonal (False) before regional (True), each once."""
    return [regional for regional in (False, True) if regional in regional_slots]


class StorageSettings(SettingsModel):
    """Where the app's disks live, what they are, and where they come from."""

    zones: Annotated[list[Zone], Field(min_length=1)]
    storage_slots: int = Field(ge=1, le=1000)
    regional_disks: Flag = False
    placement: list[str] = Field(default_factory=no_items)
    newer_zones: list[Zone] = Field(default_factory=no_items)
    slot_generations: list[Annotated[int, Field(ge=0, le=999)]] = Field(default_factory=no_items)
    retired_generations: list[list[Annotated[int, Field(ge=0, le=998)]]] = Field(
        default_factory=no_items
    )
    legacy_volume_names: Flag = False
    claim_name: VolumeName = "data"
    mount_path: Annotated[str, AfterValidator(absolute_path)] = "/var/data"
    disk_type: disk_types.DiskType = "pd-balanced"
    # Its range depends on the disk type: checked with it (disk_types.problems).
    disk_size_gb: int = 10
    provisioned_iops: int | None = Field(None, ge=1)
    provisioned_throughput: int | None = Field(None, ge=1)
    fs_type: FsType = "ext4"
    access_mode: Literal["ReadWriteOnce", "ReadWriteOncePod"] = "ReadWriteOnce"
    extra_claims: list[ExtraClaim] = Field(default_factory=no_items)
    adopt_disks: list[str] = Field(default_factory=no_items)
    kms_key: Annotated[Any, deferred(kms_key_name)] = None

    def problems(self, provider_region: str | None = None) -> list[str]:
        """The rules across this group's settings (each line starts with the key it is
        about): zones of one region, each known, placements that keep every disk where it
        is, per-slot entries, adoptions, the extra claims. `provider_region` is the GCP
        provider's (`gcp:region`), when one is set."""
        problems: list[str] = []
        regions = sorted({placement.region_of(z) for z in self.zones})
        if len(regions) > 1:
            problems.append(f"zones: expected zones of one region, got regions {regions}")
        if len(set(self.zones)) != len(self.zones):
            problems.append("zones: expected each zone once")
        problems += [
            f"zones: {gce_zones.unknown_zone_problem(zone)}"
            for zone in self.zones
            if zone not in gce_zones.ZONES and zone not in self.newer_zones
        ]
        if provider_region and regions and regions != [provider_region]:
            problems.append(
                f"zones: the provider's region (gcp:region) is {provider_region}, "
                f"but the zones are in {', '.join(regions)}"
            )
        return problems + self._placement_problems()

    def slot_problems(self) -> list[str]:
        """Retired generations and adopted disks, slot by slot."""
        problems = self._retired_generation_problems()
        for i, disk in enumerate(self.adopt_disks):
            if disk and (len(disk) > naming.GCE_NAME_MAX or not naming.GCE_NAME.fullmatch(disk)):
                problems.append(f"adoptDisks: entry {i} ({disk!r}) is not a GCE disk name")
            if disk and sparse_entry(self.slot_generations, i, 0):
                problems.append(
                    f"adoptDisks: slot {i} adopts {disk!r} but slotGenerations asks for a new "
                    f"disk there; remove one of the two"
                )
        return problems

    def adoption_problems(self) -> list[str]:
        """A disk adopted by one slot only."""
        adopted = [disk for disk in self.adopt_disks if disk]
        return [
            f"adoptDisks: {disk!r} is given for more than one slot; a disk can be attached "
            f"read-write to one pod only"
            for disk in sorted({d for d in adopted if adopted.count(d) > 1})
        ]

    def claim_problems(self, regional_slots: Collection[bool]) -> list[str]:
        """Claims of different names, each extra one of a size its disk type takes in every
        form the slots' disks take (`regional_slots`: each slot's; an extra claim's disk has
        its slot's zones, as the main one's)."""
        problems = []
        names = [claim.name for claim in self.claims]
        if len(set(names)) != len(names):
            problems.append(f"extraClaims: claim names must differ, got {names}")
        for claim in self.claims[1:]:
            for regional in disk_forms(regional_slots):
                problems += [
                    p.replace("diskSizeGb: ", f"extraClaims: {claim.name}: ", 1)
                    for p in disk_types.problems(
                        self.disk_type, regional, claim.size_gb, None, None
                    )
                    if p.startswith("diskSizeGb")
                ]
        return problems

    def disk_problems(self, regional_slots: Collection[bool]) -> list[str]:
        """What the disk type takes of the size, IOPS and throughput, for each form the
        slots' disks take (`regional_slots`: each slot's, regional or not)."""
        problems = []
        for regional in disk_forms(regional_slots):
            problems += disk_types.problems(
                self.disk_type,
                regional,
                self.disk_size_gb,
                self.provisioned_iops,
                self.provisioned_throughput,
            )
        return problems

    @property
    def placements(self) -> list[str]:
        """One placement entry per storage slot."""
        if self.placement:
            return list(self.placement)
        return [placement.default_entry(self.zones, self.regional_disks)] * self.storage_slots

    def _retired_generation_problems(self) -> list[str]:
        """A retired generation is an older disk of the same slot, named once."""
        problems = []
        for i, kept in enumerate(self.retired_generations):
            current = sparse_entry(self.slot_generations, i, 0)
            for generation in sorted(set(kept)):
                if kept.count(generation) > 1:
                    problems.append(
                        f"retiredGenerations: slot {i} names generation {generation} more than once"
                    )
                if generation >= current:
                    problems.append(
                        f"retiredGenerations: slot {i} keeps generation {generation}, but its "
                        f"own generation (slotGenerations) is {current}: only an older "
                        f"generation of the slot can be retired"
                    )
        return problems

    def _placement_problems(self) -> list[str]:
        if self.regional_disks and len(self.zones) < 2:
            return [f"zones: regional disks need two zones of the region, got {len(self.zones)}"]
        if not self.placement:
            if placement.is_unambiguous(self.zones, self.regional_disks):
                return []
            suggestion = placement.suggest(self.zones, self.regional_disks, [], self.storage_slots)
            return [
                f"placement: required with {len(self.zones)} zones"
                f"{' and regional disks' if self.regional_disks else ''}, so that no disk ever "
                f"moves; write one entry per storage slot, e.g. {json.dumps(suggestion)} (if "
                f"disks exist, copy their zones from the stack output `placement` first)"
            ]
        problems = []
        if len(self.placement) != self.storage_slots:
            suggestion = placement.suggest(
                self.zones, self.regional_disks, self.placement, self.storage_slots
            )
            problems.append(
                f"placement: expected one entry per storage slot ({self.storage_slots}), got "
                f"{len(self.placement)}; e.g. {json.dumps(suggestion)}"
            )
        for i, entry in enumerate(self.placement):
            zones = placement.parse_entry(entry)
            if len(zones) > 2 or any(z not in self.zones for z in zones):
                problems.append(
                    f"placement: entry {i} ({entry!r}) must be one of the zones {self.zones}, or "
                    f"two of them joined by '+' for a regional disk"
                )
            elif len(zones) == 2 and zones[0] == zones[1]:
                problems.append(f"placement: entry {i} ({entry!r}) repeats a zone")
        return problems

    @property
    def region(self) -> str:
        return placement.region_of(self.zones[0])

    @property
    def claims(self) -> tuple[ClaimSpec, ...]:
        """The main claim first (the one adopted or restored), then each extra claim."""
        shapes = [(self.claim_name, self.mount_path, self.disk_size_gb)]
        shapes += [(c.name, c.mount_path, c.size_gb) for c in self.extra_claims]
        return tuple(
            ClaimSpec(
                name,
                path,
                size,
                self.disk_type,
                self.fs_type,
                self.provisioned_iops,
                self.provisioned_throughput,
            )
            for name, path, size in shapes
        )
