"""The `protection` group of the settings: its fields, their defaults and their own rules.

Each field's alias is its key under `protection` in a stack file and in the inputs.
"""

from __future__ import annotations

from ..setting_types import Flag, SettingsModel


class ProtectionSettings(SettingsModel):
    """What a change or a destroy may delete: nothing, unless said here."""

    protect: Flag = False
    allow_data_deletion: Flag = False
    allow_stateful_set_replacement: Flag = False
