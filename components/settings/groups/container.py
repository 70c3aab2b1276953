"""The `container` group of the settings: its fields, their defaults and their own rules.

Each field's alias is its key under `container` in a stack file and in the inputs.
"""

from typing import Annotated

from pydantic import AfterValidator, Field

from ..setting_types import (
    Cpu,
    Memory,
    Port,
    PortName,
    Probe,
    SettingsModel,
    absolute_path,
    env_names,
    no_entries,
    no_items,
)


class ContainerSettings(SettingsModel):
    """The app's container: command line, port, resources, environment, health."""

    args: list[str] = Field(default_factory=no_items)
    container_port: Port = 8080
    port_name: PortName = "http"
    cpu_request: Cpu = "100m"
    memory_request: Memory = "128Mi"
    cpu_limit: Cpu = ""
    memory_limit: Memory = "256Mi"
    env: Annotated[dict[str, str], AfterValidator(env_names)] = Field(default_factory=no_entries)
    config_file: str = ""
    config_file_path: Annotated[str, AfterValidator(absolute_path)] = "/etc/app/app.conf"
    readiness_probe: Probe = Probe(type="tcp")
    liveness_probe: Probe = Probe(type="tcp")
    startup_probe: Probe = Probe(type="none")
