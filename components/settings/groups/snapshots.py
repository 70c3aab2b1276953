"""The `snapshots` group of the settings: its fields, their defaults and their own rules.

Each field's alias is its key under `snapshots` in a stack file and in the inputs.
"""

from dataclasses import dataclass
from typing import Annotated

from pydantic import Field

from .. import naming
from ..setting_types import (
    SNAPSHOT,
    Flag,
    SettingsModel,
    SnapshotSchedule,
    WeekDay,
    no_items,
)


@dataclass(frozen=True)
class SnapshotScheduleSpec:
    """The one snapshot schedule attached to every disk the stack manages."""

    frequency: str
    start_time: str
    hours_in_cycle: int
    week_day: str
    retention_days: int
    keep_on_source_delete: bool


class SnapshotSettings(SettingsModel):
    """Restores into new disks, and the schedule that snapshots every managed disk."""

    snapshot: str | None = None
    slot_snapshots: list[str] = Field(default_factory=no_items)
    snapshot_schedule: SnapshotSchedule = "none"
    snapshot_start_time: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):00$")] = "03:00"
    snapshot_hours_in_cycle: int = Field(4, ge=1, le=23)
    snapshot_week_day: WeekDay = "SUNDAY"
    snapshot_retention_days: int = Field(14, ge=1, le=65536)
    snapshot_keep_on_source_delete: Flag = True

    def problems(self) -> list[str]:
        """Snapshot names GCE takes: a name, or a project's snapshot path."""
        problems = []
        for key, values in (
            ("snapshot", [self.snapshot or ""]),
            ("slotSnapshots", self.slot_snapshots),
        ):
            for value in values:
                if value and (
                    not SNAPSHOT.fullmatch(value)
                    or len(value.rpartition("/")[2]) > naming.GCE_NAME_MAX
                ):
                    problems.append(
                        f"{key}: {value!r} is not a snapshot name (at most 63 lower-case "
                        f"letters, digits and '-') or projects/<project>/global/snapshots/<name>"
                    )
        return problems

    @property
    def schedule(self) -> SnapshotScheduleSpec | None:
        if self.snapshot_schedule == "none":
            return None
        return SnapshotScheduleSpec(
            self.snapshot_schedule,
            self.snapshot_start_time,
            self.snapshot_hours_in_cycle,
            self.snapshot_week_day,
            self.snapshot_retention_days,
            self.snapshot_keep_on_source_delete,
        )
