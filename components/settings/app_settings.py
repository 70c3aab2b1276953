"""The settings of one stateful app: each setting, its type, default and own rule.

Pure (pydantic only), so the core, the program and the renderer share one definition of
what a valid stack is. Field aliases are the camelCase config keys of `Pulumi.yaml`. Rules
across settings are in `cross_rules`; `validation` runs both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic.alias_generators import to_camel

from . import disk_types, naming, placement

FsType = Literal["ext4", "xfs"]
SnapshotSchedule = Literal["none", "hourly", "daily", "weekly"]
WeekDay = Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
KMS_KEY = re.compile(r"^projects/[^/\s]+/locations/[^/\s]+/keyRings/[^/\s]+/cryptoKeys/[^/\s]+$")
# An image reference in the characters its grammar allows (distribution/reference):
# invisible or look-alike Unicode would pull nothing, or something else.
IMAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@-]*$")
SNAPSHOT = re.compile(
    r"^(projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/global/snapshots/)?[a-z]([-a-z0-9]*[a-z0-9])?$"
)


def _matches(pattern, limit: int, form: str):
    def check(value: str) -> str:
        if len(value) > limit or not pattern.fullmatch(value):
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
ServiceName = Annotated[
    str,
    _matches(
        naming.DNS1035_LABEL,
        naming.DNS_LABEL_MAX,
        "a DNS-1035 label (lower-case letters, digits and '-', starting with a letter)",
    ),
]
LABEL_NAME = re.compile(
    r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)
LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
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


def _label_problem(key: str, label: str) -> str | None:
    prefix, _, name = key.rpartition("/")
    if (
        LABEL_NAME.fullmatch(key)
        and len(name) <= 63
        and len(prefix) <= 253
        and isinstance(label, str)
        and len(label) <= 63
        and LABEL_VALUE.fullmatch(label)
    ):
        return None
    return f"{key!r}: {label!r} is not a Kubernetes label (key: value)"


def _qualified_name(value: str) -> str:
    """A Kubernetes qualified name (a label key): an optional DNS subdomain prefix and '/',
    then at most 63 letters, digits, '-', '_' and '.', alphanumeric at both ends."""
    prefix, _, name = value.rpartition("/")
    if not LABEL_NAME.fullmatch(value) or len(name) > 63 or len(prefix) > 253:
        raise ValueError(
            "expected a qualified name: an optional DNS prefix and '/', then at most 63 "
            "letters, digits, '-', '_' and '.' (for example example.com/dedicated)"
        )
    return value


def _labels(value: dict[str, str]) -> dict[str, str]:
    problems = [p for k, v in value.items() if (p := _label_problem(k, v))]
    if problems:
        raise ValueError("; ".join(problems))
    return value


def _label_keys(value: dict[str, Any]) -> dict[str, Any]:
    """Label keys checked, and each value given as text; values may be Outputs (known only
    at deploy time), checked then by the API server."""
    bad = [k for k in value if _label_problem(k, "") is not None]
    if bad:
        raise ValueError(f"not Kubernetes label keys: {bad}")
    problems = [p for k, v in value.items() if isinstance(v, str) and (p := _label_problem(k, v))]
    if problems:
        raise ValueError("; ".join(problems))
    return value


ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _env(value: dict[str, str]) -> dict[str, str]:
    bad = [k for k in value if not ENV_NAME.fullmatch(k)]
    if bad:
        raise ValueError(f"expected environment variable names (letters, digits, _), got {bad}")
    return value


def _flag(value: Any) -> Any:
    """Pulumi's booleans: true or false (config text), nothing looser like yes or 1."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError("expected true or false")


def _containers(value: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for i, container in enumerate(value):
        if not (isinstance(container.get("name"), str) and container.get("image")):
            raise ValueError(
                f"entry {i}: expected a container with a name and an image (for example "
                f"{{name: log-shipper, image: fluent/fluent-bit:3.1}})"
            )
        if isinstance(container["image"], str):
            try:
                _image(container["image"])
            except ValueError as error:
                raise ValueError(f"entry {i}: image: {error}") from None
    return value


def _deferred(check: Callable[[str], str]):
    """A pass-through value: checked when it is known text; an Output (anything with
    `apply`) is passed on as it is, and Kubernetes or GCE check it at deploy time."""

    def validate(value: Any) -> Any:
        if hasattr(value, "apply") and not isinstance(value, str):
            return value
        if not isinstance(value, str):
            raise ValueError("expected text")
        return check(value)

    return AfterValidator(validate)


def _image(value: str) -> str:
    if not IMAGE.fullmatch(value):
        raise ValueError(
            "expected an image reference in ASCII letters, digits and . _ - / : @, without "
            "spaces (for example redis:7.0 or ghcr.io/acme/app@sha256:<digest>)"
        )
    return value


def _kms_key(value: str) -> str:
    if not KMS_KEY.fullmatch(value):
        raise ValueError(
            "expected projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>"
        )
    return value


def _absolute_path(value: str) -> str:
    if not value.startswith("/") or ":" in value or value.rstrip("/") == "":
        raise ValueError("expected an absolute path other than '/', without ':'")
    return value


Flag = Annotated[bool, BeforeValidator(_flag)]


def _quantity_text(value: Any) -> Any:
    """A Kubernetes quantity written as a bare number (`cpuLimit: 1` in YAML) is its text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


Cpu = Annotated[str, BeforeValidator(_quantity_text), Field(pattern=r"^(|[0-9]+(\.[0-9]+)?m?)$")]
Memory = Annotated[
    str, BeforeValidator(_quantity_text), Field(pattern=r"^(|[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?)$")
]
Labels = Annotated[dict[str, str], AfterValidator(_labels)]
Containers = Annotated[list[dict[str, Any]], AfterValidator(_containers)]


def _has_space(text: str) -> bool:
    return any(c.isspace() or not c.isprintable() for c in text)


class _Part(BaseModel):
    """A structured part of the settings: camelCase keys, nothing unknown, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class Probe(_Part):
    """A health probe: tcp, http (with a path), exec (with a shell command) or none."""

    type: Literal["tcp", "http", "exec", "none"]
    path: str = ""
    command: str = ""

    @model_validator(mode="after")
    def _complete(self) -> Probe:
        if self.type == "http" and (
            not self.path.startswith("/") or "://" in self.path or _has_space(self.path)
        ):
            raise ValueError(
                "an http probe needs a path on the app's port, starting with '/', without "
                "spaces, not a URL (for example /healthz)"
            )
        if self.type == "exec" and not self.command.strip():
            raise ValueError("an exec probe needs a command")
        if (self.type != "http" and self.path) or (self.type != "exec" and self.command):
            raise ValueError(f"a {self.type} probe takes no {'path' if self.path else 'command'}")
        return self


class Toleration(_Part):
    """A node taint the pods tolerate."""

    # A qualified name, as a label key (the API server's validation of tolerations).
    key: Annotated[str, AfterValidator(_qualified_name)]
    operator: Literal["Equal", "Exists"] | None = None
    value: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]*$", max_length=63)] | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Toleration:
        if self.operator == "Exists" and self.value is not None:
            raise ValueError("operator Exists takes no value")
        if self.operator == "Equal" and self.value is None:
            raise ValueError("operator Equal needs a value")
        return self


class ExtraClaim(_Part):
    """One more claim template, with its own disk and PV per storage slot."""

    name: VolumeName
    mount_path: Annotated[str, AfterValidator(_absolute_path)]
    size_gb: int = Field(ge=1)


@dataclass(frozen=True)
class PortSpec:
    """A named container port, published by the governing Service."""

    name: str
    container_port: int
    service_port: int
    protocol: str = "TCP"


@dataclass(frozen=True)
class ClaimSpec:
    """One volume claim template: each storage slot gets its own disk of this shape."""

    name: str
    mount_path: str
    size_gb: int
    disk_type: str
    fs_type: str
    provisioned_iops: int | None = None
    provisioned_throughput: int | None = None


@dataclass(frozen=True)
class SlotSpec:
    """One storage slot (an ordinal's storage): where its disk lives and where it comes from."""

    ordinal: int
    zones: tuple[str, ...]
    generation: int = 0
    adopt: str | None = None
    snapshot: str | None = None
    # Its position among the slots (entry i of the per-slot lists): unlike the ordinal, it
    # does not move with ordinalsStart, so resource identities are built from it.
    index: int = 0

    @property
    def regional(self) -> bool:
        return len(self.zones) == 2

    @property
    def region(self) -> str:
        return placement.region_of(self.zones[0])


@dataclass(frozen=True)
class SnapshotScheduleSpec:
    """The one snapshot schedule attached to every disk the stack manages."""

    frequency: str
    start_time: str
    hours_in_cycle: int
    week_day: str
    retention_days: int
    keep_on_source_delete: bool


SENTINEL_PORT = 26379
SENTINEL_PORT_NAME = "sentinel"
# The Redis metrics exporter (oliver006/redis_exporter): its image, pinned, and its port.
DEFAULT_EXPORTER_IMAGE = "oliver006/redis_exporter:v1.88.0"
METRICS_PORT = 9121
METRICS_PORT_NAME = "metrics"


def sparse_entry(values: list, index: int, empty):
    """Entry `index` of a per-slot list, or `empty` where the list is short or the entry
    blank (each per-slot list may be shorter than the slots)."""
    return values[index] if index < len(values) and values[index] not in ("", None) else empty


class AppSettings(BaseModel):
    """Everything one stack says about its app; the camelCase aliases are the config keys."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )

    preset: Literal["none", "kubia", "redis"] = "none"
    name: StatefulSetName = Field(description="StatefulSet name.")
    service_name: ServiceName | None = None
    selector_labels: Labels = Field(default_factory=dict)
    namespace: Namespace = "default"
    gcp_project: GcpProjectId = Field(description="GCP project that owns the disks.")
    volume_scope: ScopeName = Field(
        description="Prefix of disk, PV and StorageClass names, fixed for the life of the stack."
    )
    zones: Annotated[list[Zone], Field(min_length=1)]
    newer_zones: list[Zone] = Field(default_factory=list)
    regional_disks: Flag = False
    placement: list[str] = Field(default_factory=list)
    legacy_volume_names: Flag = False
    replicas: int = Field(1, ge=0, le=1000)
    ordinals_start: int = Field(0, ge=0, le=1000000)
    storage_slots: int = Field(ge=1, le=1000)
    slot_generations: list[Annotated[int, Field(ge=0, le=999)]] = Field(default_factory=list)
    retired_generations: list[list[Annotated[int, Field(ge=0, le=998)]]] = Field(
        default_factory=list
    )
    image: Annotated[Any, _deferred(_image)]
    args: list[str] = Field(default_factory=list)
    container_port: Port = 8080
    port_name: PortName = "http"
    service_port: Port = 80
    claim_name: VolumeName = "data"
    mount_path: Annotated[str, AfterValidator(_absolute_path)] = "/var/data"
    disk_type: disk_types.DiskType = "pd-balanced"
    # Its range depends on the disk type: checked with it (disk_types.problems).
    disk_size_gb: int = 10
    provisioned_iops: int | None = Field(None, ge=1)
    provisioned_throughput: int | None = Field(None, ge=1)
    fs_type: FsType = "ext4"
    extra_claims: list[ExtraClaim] = Field(default_factory=list)
    adopt_disks: list[str] = Field(default_factory=list)
    snapshot: str | None = None
    slot_snapshots: list[str] = Field(default_factory=list)
    snapshot_schedule: SnapshotSchedule = "none"
    snapshot_start_time: Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):00$")] = "03:00"
    snapshot_hours_in_cycle: int = Field(4, ge=1, le=23)
    snapshot_week_day: WeekDay = "SUNDAY"
    snapshot_retention_days: int = Field(14, ge=1, le=65536)
    snapshot_keep_on_source_delete: Flag = True
    kms_key: Annotated[Any, _deferred(_kms_key)] = None
    protect: Flag = False
    allow_data_deletion: Flag = False
    allow_stateful_set_replacement: Flag = False
    # The pod: security, health, resources.
    run_as_user: int = Field(10001, ge=1, le=2147483647)
    run_as_group: int = Field(10001, ge=1, le=2147483647)
    fs_group: int = Field(10001, ge=1, le=2147483647)
    read_only_root_filesystem: Flag = True
    pod_security_level: Literal["restricted", "baseline", "privileged"] = "restricted"
    readiness_probe: Probe = Probe(type="tcp")
    liveness_probe: Probe = Probe(type="tcp")
    startup_probe: Probe = Probe(type="none")
    cpu_request: Cpu = "100m"
    memory_request: Memory = "128Mi"
    cpu_limit: Cpu = ""
    memory_limit: Memory = "256Mi"
    termination_grace_period_seconds: int = Field(30, ge=0, le=3600)
    env: Annotated[dict[str, str], AfterValidator(_env)] = Field(default_factory=dict)
    config_file: str = ""
    config_file_path: Annotated[str, AfterValidator(_absolute_path)] = "/etc/app/app.conf"
    password_env: Annotated[str, Field(pattern=r"^([A-Z_][A-Z0-9_]*)?$")] = ""
    password_mount: Annotated[str, Field(pattern=r"^(/[^:]*[^/:])?$")] = ""
    password_config_line: str = ""
    automount_service_account_token: Flag = False
    workload_identity: Annotated[
        str,
        Field(
            pattern=r"^([a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com)?$"
        ),
    ] = ""
    # Scheduling and the rest of the pod spec.
    node_selector: Annotated[dict[str, Any], AfterValidator(_label_keys)] = Field(
        default_factory=dict
    )
    tolerations: list[Toleration] = Field(default_factory=list)
    # A DNS subdomain: dot-separated DNS labels (no empty label, as in `high..priority`).
    priority_class_name: Annotated[
        str, Field(pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$")
    ] = ""
    image_pull_secrets: list[Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]] = (
        Field(default_factory=list)
    )
    access_mode: Literal["ReadWriteOnce", "ReadWriteOncePod"] = "ReadWriteOnce"
    machine_series: Annotated[str, Field(pattern=r"^([a-z][a-z0-9]{1,5})?$")] = ""
    init_containers: Containers = Field(default_factory=list)
    sidecars: Containers = Field(default_factory=list)
    pod_spec_overrides: dict[str, Any] = Field(default_factory=dict)
    # Availability and rollout.
    max_unavailable: int = Field(1, ge=1, le=1000)
    network_policy: Flag = True
    client_label: list[Labels] = Field(default_factory=list)
    client_namespaces: list[Namespace] = Field(default_factory=list)
    client_service: Flag = False
    publish_not_ready_addresses: Flag = False
    pod_management_policy: Literal["OrderedReady", "Parallel"] = "OrderedReady"
    update_strategy: Literal["RollingUpdate", "OnDelete"] = "RollingUpdate"
    partition: int = Field(0, ge=0, le=1000)
    min_ready_seconds: int = Field(0, ge=0, le=3600)
    await_timeout_seconds: int = Field(600, ge=60, le=86400)
    # Redis, with the redis preset.
    replication: Flag | None = None
    min_replicas_to_write: int = Field(1, ge=0, le=999)
    sentinel: Flag | None = None
    maxmemory: Annotated[
        str,
        BeforeValidator(_quantity_text),
        Field(pattern=r"^(auto|[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?)$"),
    ] = "auto"
    maxmemory_policy: Literal[
        "noeviction", "allkeys-lru", "allkeys-lfu", "volatile-lru", "volatile-lfu", "volatile-ttl"
    ] = "noeviction"
    metrics: Flag = False
    metrics_image: Annotated[str, AfterValidator(_image)] = DEFAULT_EXPORTER_IMAGE
    metrics_interval_seconds: int = Field(30, ge=5, le=600)

    @property
    def region(self) -> str:
        return placement.region_of(self.zones[0])

    @property
    def protects_data(self) -> bool:
        """Disks, PVs, the StorageClass and the snapshot schedule are protected: the engine
        refuses any plan that would delete or replace one. Always, unless the stack allows
        data deletion; `protect: true` says so explicitly."""
        return self.protect or not self.allow_data_deletion

    @property
    def takes_password(self) -> bool:
        return bool(self.password_env or self.password_mount)

    @property
    def governing_service_name(self) -> str:
        return self.service_name or self.name

    @property
    def selector(self) -> dict[str, str] | None:
        """The selector the stack pins (`key=value` entries), or None for the default."""
        return dict(self.selector_labels) or None

    @property
    def ports(self) -> tuple[PortSpec, ...]:
        """The app's port, and Sentinel's when it runs (its own container's)."""
        app = PortSpec(self.port_name, self.container_port, self.service_port)
        if self.runs_sentinel:
            return (app, PortSpec(SENTINEL_PORT_NAME, SENTINEL_PORT, SENTINEL_PORT))
        return (app,)

    @property
    def runs_sentinel(self) -> bool:
        """Sentinel beside every Redis pod: asked for, or by default with replication and
        three pods or more (quorum 2 needs three voters)."""
        if self.preset != "redis" or not self.replication:
            return False
        return self.sentinel if self.sentinel is not None else self.replicas >= 3

    @property
    def claims(self) -> tuple[ClaimSpec, ...]:
        """The main claim first (the one adopted or restored), then each extra claim."""
        shapes = [(self.claim_name, self.mount_path, self.disk_size_gb)]
        shapes += [(c.name, c.mount_path, c.size_gb) for c in self.extra_claims]
        return tuple(
            ClaimSpec(
                name,
                path,
                size,
                self.disk_type,
                self.fs_type,
                self.provisioned_iops,
                self.provisioned_throughput,
            )
            for name, path, size in shapes
        )

    @property
    def placements(self) -> list[str]:
        """One placement entry per storage slot."""
        if self.placement:
            return list(self.placement)
        return [placement.default_entry(self.zones, self.regional_disks)] * self.storage_slots

    @property
    def slots(self) -> tuple[SlotSpec, ...]:
        return tuple(
            SlotSpec(
                ordinal=self.ordinals_start + i,
                zones=placement.parse_entry(entry),
                generation=sparse_entry(self.slot_generations, i, 0),
                adopt=sparse_entry(self.adopt_disks, i, None),
                snapshot=sparse_entry(self.slot_snapshots, i, None) or self.snapshot,
                index=i,
            )
            for i, entry in enumerate(self.placements)
        )

    @property
    def retired_generation_slots(self) -> tuple[SlotSpec, ...]:
        """Per slot, each older generation the stack keeps (`retiredGenerations`): the slot as
        it was at that generation, holding neither an adoption nor a restore (neither shapes
        a disk that already exists)."""
        return tuple(
            SlotSpec(slot.ordinal, slot.zones, generation, index=slot.index)
            for slot in self.slots
            for generation in sorted(sparse_entry(self.retired_generations, slot.index, []))
        )

    @property
    def retired_slots(self) -> tuple[SlotSpec, ...]:
        """Slots above the replica count: their storage is kept for a scale-up."""
        return tuple(slot for slot in self.slots if not self.runs(slot.ordinal))

    @property
    def running_ordinals(self) -> range:
        """The ordinals that have a pod: `ordinalsStart` and the `replicas` after it."""
        return range(self.ordinals_start, self.ordinals_start + self.replicas)

    def runs(self, ordinal: int) -> bool:
        return ordinal in self.running_ordinals

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
