"""The `security` group of the settings: its fields, their defaults and their own rules.

Each field's alias is its key under `security` in a stack file and in the inputs.
"""

from typing import Annotated, Literal

from pydantic import Field

from ..setting_types import Flag, SettingsModel


class SecuritySettings(SettingsModel):
    """Who the pods run as, what they may touch, and how the app's password reaches them."""

    run_as_user: int = Field(10001, ge=1, le=2147483647)
    run_as_group: int = Field(10001, ge=1, le=2147483647)
    fs_group: int = Field(10001, ge=1, le=2147483647)
    read_only_root_filesystem: Flag = True
    pod_security_level: Literal["restricted", "baseline", "privileged"] = "restricted"
    automount_service_account_token: Flag = False
    workload_identity: Annotated[
        str,
        Field(
            pattern=r"^([a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com)?$"
        ),
    ] = ""
    password_env: Annotated[str, Field(pattern=r"^([A-Z_][A-Z0-9_]*)?$")] = ""
    password_mount: Annotated[str, Field(pattern=r"^(/[^:]*[^/:])?$")] = ""
    password_config_line: str = ""

    def problems(self) -> list[str]:
        """The password's config line has its place and a file to be written to."""
        if self.password_config_line and (
            "{password}" not in self.password_config_line or not self.password_mount
        ):
            return ["passwordConfigLine: expected a line with {password}, used with passwordMount"]
        return []

    @property
    def takes_password(self) -> bool:
        return bool(self.password_env or self.password_mount)
