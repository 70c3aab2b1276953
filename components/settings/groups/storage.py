"""The `storage` group of the settings: its fields, their defaults and their own rules.

Each field's alias is its key under `storage` in a stack file and in the inputs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from .. import disk_types
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
)


class StorageSettings(SettingsModel):
    """Where the app's disks live, what they are, and where they come from."""

    zones: Annotated[list[Zone], Field(min_length=1)]
    storage_slots: int = Field(ge=1, le=1000)
    regional_disks: Flag = False
    placement: list[str] = Field(default_factory=list)
    newer_zones: list[Zone] = Field(default_factory=list)
    slot_generations: list[Annotated[int, Field(ge=0, le=999)]] = Field(default_factory=list)
    retired_generations: list[list[Annotated[int, Field(ge=0, le=998)]]] = Field(
        default_factory=list
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
    extra_claims: list[ExtraClaim] = Field(default_factory=list)
    adopt_disks: list[str] = Field(default_factory=list)
    kms_key: Annotated[Any, deferred(kms_key_name)] = None
