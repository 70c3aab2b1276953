"""The validated settings of one stateful app: checked once, before anything is registered.

Pure (pydantic only), so the core, the program and the renderer share one definition of
what a valid stack is. Field aliases are the camelCase config keys of `Pulumi.yaml`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from components import naming

DiskType = Literal["pd-standard", "pd-balanced", "pd-ssd"]
FsType = Literal["ext4", "xfs"]

# Size limits of zonal Persistent Disk, in GiB (GCE "Persistent Disk" limits page).
DISK_SIZE_LIMITS_GB: dict[str, tuple[int, int]] = {
    "pd-standard": (10, 65536),
    "pd-balanced": (10, 65536),
    "pd-ssd": (10, 65536),
}


def _matches(pattern, limit: int, form: str):
    def check(value: str) -> str:
        if len(value) > limit or not pattern.match(value):
            raise ValueError(f"expected {form}, at most {limit} characters")
        return value

    return AfterValidator(check)


StatefulSetName = Annotated[
    str,
    _matches(
        naming.DNS1035_LABEL,
        naming.STATEFULSET_NAME_MAX,
        "a DNS-1035 label (lower-case letters, digits and '-', starting with a letter)",
    ),
]
Namespace = Annotated[
    str,
    _matches(
        naming.DNS1123_LABEL,
        naming.DNS_LABEL_MAX,
        "a DNS-1123 label (lower-case letters, digits and '-')",
    ),
]
VolumeName = Namespace
PortName = Annotated[
    str,
    _matches(
        naming.PORT_NAME,
        naming.PORT_NAME_MAX,
        "an IANA service name (lower-case letters, digits and single '-', with a letter)",
    ),
]
GcpProjectId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")]
Zone = Annotated[str, Field(pattern=r"^[a-z]+-[a-z]+[0-9]+-[a-z]$")]
Port = Annotated[int, Field(ge=1, le=65535)]
ScopeName = Annotated[
    str,
    _matches(
        naming.GCE_NAME,
        30,
        "a GCE name prefix (lower-case letters, digits and '-', starting with a letter)",
    ),
]


def _absolute_path(value: str) -> str:
    if not value.startswith("/") or ":" in value or value.rstrip("/") == "":
        raise ValueError("expected an absolute path other than '/', without ':'")
    return value


@dataclass(frozen=True)
class PortSpec:
    """A named container port, published by the governing Service."""

    name: str
    container_port: int
    service_port: int
    protocol: str = "TCP"


@dataclass(frozen=True)
class ClaimSpec:
    """One volume claim template: each ordinal gets its own disk of this shape."""

    name: str
    mount_path: str
    size_gb: int
    disk_type: str
    fs_type: str


class AppSettings(BaseModel):
    """Everything one stack says about its app; the camelCase aliases are the config keys."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )

    name: StatefulSetName = Field(description="StatefulSet and governing Service name.")
    namespace: Namespace = "default"
    gcp_project: GcpProjectId = Field(description="GCP project that owns the disks.")
    zone: Zone = Field(description="GCE zone of the disks and so of the pods.")
    replicas: int = Field(1, ge=1, le=1000)
    image: Annotated[str, Field(min_length=1, pattern=r"^\S+$")]
    args: list[str] = Field(default_factory=list)
    container_port: Port = 8080
    port_name: PortName = "http"
    service_port: Port = 80
    claim_name: VolumeName = "data"
    mount_path: Annotated[str, AfterValidator(_absolute_path)] = "/var/data"
    disk_type: DiskType = "pd-balanced"
    disk_size_gb: int = Field(10, ge=1)
    fs_type: FsType = "ext4"
    volume_scope: ScopeName | None = Field(
        None, description="Prefix of disk, PV and StorageClass names; default <project>-<stack>."
    )

    @model_validator(mode="after")
    def _disk_size_fits_type(self) -> AppSettings:
        low, high = DISK_SIZE_LIMITS_GB[self.disk_type]
        if not low <= self.disk_size_gb <= high:
            raise ValueError(
                f"diskSizeGb: expected {low} to {high} GiB for diskType {self.disk_type}, "
                f"got {self.disk_size_gb}"
            )
        return self

    @property
    def ports(self) -> tuple[PortSpec, ...]:
        return (PortSpec(self.port_name, self.container_port, self.service_port),)

    @property
    def claims(self) -> tuple[ClaimSpec, ...]:
        return (
            ClaimSpec(
                self.claim_name, self.mount_path, self.disk_size_gb, self.disk_type, self.fs_type
            ),
        )


class SettingsError(ValueError):
    """Invalid settings: one line per problem, each naming the config key and the value given."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def config_keys() -> list[str]:
    """The config keys (aliases) the settings read, in declaration order."""
    return [field.alias or name for name, field in AppSettings.model_fields.items()]


def list_keys() -> set[str]:
    """Config keys whose value is a list (given as JSON in Pulumi config)."""
    return {
        field.alias or name
        for name, field in AppSettings.model_fields.items()
        if getattr(field.annotation, "__origin__", None) is list
    }


def raw_settings(
    get: Callable[[str], str | None], namespace: str
) -> tuple[dict[str, Any], list[str]]:
    """Config values as Pulumi stores them (text; lists as JSON) by key, and decoding problems.

    `get` looks up a key without its namespace, as `pulumi.Config.get` does.
    """
    raw: dict[str, Any] = {}
    problems: list[str] = []
    lists = list_keys()
    for key in config_keys():
        value = get(key)
        if value is None:
            continue
        if key in lists:
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                problems.append(
                    f"{namespace}:{key}: expected a list (JSON array); given: {value!r}"
                )
                continue
        raw[key] = value
    return raw, problems


def parse_settings(raw: dict[str, Any], namespace: str) -> AppSettings:
    """Validate raw config values; raise SettingsError naming each bad `<namespace>:<key>`."""
    try:
        return AppSettings.model_validate(raw)
    except ValidationError as error:
        raise SettingsError(_describe(error, raw, namespace)) from None


def _describe(error: ValidationError, raw: dict[str, Any], namespace: str) -> list[str]:
    problems = []
    for item in error.errors():
        key = str(item["loc"][0]) if item["loc"] else ""
        message = item["msg"].removeprefix("Value error, ")
        if not key:
            # A cross-field rule: its message starts with the key it is about.
            key, _, message = message.partition(": ")
        if item["type"] == "missing":
            problems.append(
                f"{namespace}:{key}: required, but not set "
                f"(pulumi config set {namespace}:{key} <value>)"
            )
        elif item["type"] == "extra_forbidden":
            problems.append(f"{namespace}:{key}: not a known config key")
        else:
            problems.append(f"{namespace}:{key}: {message}; given: {raw.get(key)!r}")
    return problems
