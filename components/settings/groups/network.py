"""The `network` group of the settings: its fields, their defaults and their own rules.

Each field's alias is its key under `network` in a stack file and in the inputs.
"""

from pydantic import Field

from ..setting_types import (
    Flag,
    Labels,
    Namespace,
    Port,
    ServiceName,
    SettingsModel,
    no_entries,
    no_items,
)


class NetworkSettings(SettingsModel):
    """The governing Service, who may connect, and the client Service."""

    service_name: ServiceName | None = None
    service_port: Port = 80
    selector_labels: Labels = Field(default_factory=no_entries)
    network_policy: Flag = True
    client_label: list[Labels] = Field(default_factory=no_items)
    client_namespaces: list[Namespace] = Field(default_factory=no_items)
    client_service: Flag = False
    publish_not_ready_addresses: Flag = False

    @property
    def selector(self) -> dict[str, str] | None:
        """The selector the stack pins (`key=value` entries), or None for the default."""
        return dict(self.selector_labels) or None
