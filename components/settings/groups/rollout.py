"""The `rollout` group of the settings: its fields, their defaults and their own rules.

Each field's alias is its key under `rollout` in a stack file and in the inputs.
"""

from typing import Literal

from pydantic import Field

from ..setting_types import SettingsModel


class RolloutSettings(SettingsModel):
    """How pods start, roll and may be disrupted, and how long Pulumi waits for them."""

    pod_management_policy: Literal["OrderedReady", "Parallel"] = "OrderedReady"
    update_strategy: Literal["RollingUpdate", "OnDelete"] = "RollingUpdate"
    partition: int = Field(0, ge=0, le=1000)
    min_ready_seconds: int = Field(0, ge=0, le=3600)
    await_timeout_seconds: int = Field(600, ge=60, le=86400)
    max_unavailable: int = Field(1, ge=1, le=1000)
    ordinals_start: int = Field(0, ge=0, le=1000000)

    def problems(self) -> list[str]:
        """A partition only rolls with RollingUpdate."""
        if self.update_strategy == "OnDelete" and self.partition:
            return ["partition: only applies with updateStrategy RollingUpdate"]
        return []
