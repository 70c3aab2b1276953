"""The `protection` group of the settings: its fields, their defaults and their own rules.

Each field's alias is its key under `protection` in a stack file and in the inputs.
"""

from ..setting_types import Flag, SettingsModel


class ProtectionSettings(SettingsModel):
    """What a change or a destroy may delete: nothing, unless said here."""

    protect: Flag = False
    allow_data_deletion: Flag = False
    allow_stateful_set_replacement: Flag = False

    def problems(self) -> list[str]:
        """Choices that contradict each other."""
        problems = []
        if self.allow_stateful_set_replacement and self.allow_data_deletion:
            problems.append(
                "allowStatefulSetReplacement: conflicts with allowDataDeletion: true; the claims "
                "would be deleted with the old StatefulSet (whenDeleted: Delete) and the new pods "
                "could not bind the released PVs; replace it by hand instead (docs/operations.md, "
                "'Replacing the StatefulSet')"
            )
        if self.protect and self.allow_data_deletion:
            problems.append(
                "allowDataDeletion: conflicts with protect: true; a protected stack cannot "
                "delete its data, so set at most one of them"
            )
        return problems

    @property
    def protects_data(self) -> bool:
        """Disks, PVs, the StorageClass and the snapshot schedule are protected: the engine
        refuses any plan that would delete or replace one. Always, unless the stack allows
        data deletion; `protect: true` says so explicitly."""
        return self.protect or not self.allow_data_deletion
