"""The `redis` group of the settings: its fields, their defaults and their own rules.

Each field's alias is its key under `redis` in a stack file and in the inputs.
"""

from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from ..setting_types import Flag, SettingsModel, image_reference, quantity_text

# The Redis metrics exporter (oliver006/redis_exporter): its image, pinned.
DEFAULT_EXPORTER_IMAGE = "oliver006/redis_exporter:v1.88.0"


class RedisSettings(SettingsModel):
    """Redis itself, with the redis preset: replication and its memory ceiling."""

    replication: Flag | None = None
    min_replicas_to_write: int = Field(1, ge=0, le=999)
    sentinel: Flag | None = None
    maxmemory: Annotated[
        str,
        BeforeValidator(quantity_text),
        Field(pattern=r"^(auto|[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?)$"),
    ] = "auto"
    maxmemory_policy: Literal[
        "noeviction", "allkeys-lru", "allkeys-lfu", "volatile-lru", "volatile-lfu", "volatile-ttl"
    ] = "noeviction"
    metrics: Flag = False
    metrics_image: Annotated[str, AfterValidator(image_reference)] = DEFAULT_EXPORTER_IMAGE
    metrics_interval_seconds: int = Field(30, ge=5, le=600)

    def problems(self) -> list[str]:
        """Sentinel fails a primary over: it needs replication."""
        if self.sentinel and not self.replication:
            return ["sentinel: needs replication: true (Sentinel fails over a primary)"]
        return []
