"""The `pods` group of the settings: its fields, their defaults and their own rules.

Each field's alias is its key under `pods` in a stack file and in the inputs.
"""

from typing import Annotated, Any

from pydantic import AfterValidator, Field

from ..setting_types import Containers, SettingsModel, Toleration, label_keys, no_entries, no_items


class PodSettings(SettingsModel):
    """The rest of the pod: where it runs, its other containers, and an escape hatch."""

    termination_grace_period_seconds: int = Field(30, ge=0, le=3600)
    node_selector: Annotated[dict[str, Any], AfterValidator(label_keys)] = Field(
        default_factory=no_entries
    )
    tolerations: list[Toleration] = Field(default_factory=no_items)
    # A DNS subdomain: dot-separated DNS labels (no empty label, as in `high..priority`).
    priority_class_name: Annotated[
        str, Field(pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$")
    ] = ""
    machine_series: Annotated[str, Field(pattern=r"^([a-z][a-z0-9]{1,5})?$")] = ""
    image_pull_secrets: list[Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]] = (
        Field(default_factory=no_items)
    )
    init_containers: Containers = Field(default_factory=no_items)
    sidecars: Containers = Field(default_factory=no_items)
    pod_spec_overrides: dict[str, Any] = Field(default_factory=no_entries)
