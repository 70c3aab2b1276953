"""The StatefulApp's inputs, grouped by concern: the one definition of every setting's name,
type, group and documentation.

Read three ways: by Pulumi's component analyzer (each docstring under a field becomes the
package schema's description; TypedDicts become object types, Enums enum types), by the
stack program (the stack file holds the same structure under `gke-stateful:<group>`), and by
`settings_paths`, which relates each field to the validated setting of the same meaning.

The analyzer reads these annotations at run time, so this module must not use
`from __future__ import annotations`, and only `X | None`-free forms it accepts: plain
types, `list[...]`, `dict[str, ...]`, TypedDicts, Enums, `pulumi.Input[...]`, `NotRequired`.
A field typed `pulumi.Input[...]` passes through to Kubernetes or GCE and may be an Output
(its checks then wait for the deploy); every other field is plain: it shapes names, counts,
placement or validation, and must be known when the program runs.
"""

from enum import StrEnum
from typing import Any, Required, TypedDict

import pulumi


class Preset(StrEnum):
    """Ready-made settings for an app; every key the stack sets wins over the preset."""

    NONE = "none"
    """No preset: image and ports come from the stack."""
    KUBIA = "kubia"
    """The kubia pet of Kubernetes in Action (luksa/kubia-pet), storing what it is POSTed."""
    REDIS = "redis"
    """Redis 7 with append-only persistence and password auth from a Secret."""


class PodSecurityLevel(StrEnum):
    """The Pod Security Standards level the app's namespace enforces."""

    RESTRICTED = "restricted"
    """The hardened profile the pods meet as built; sidecars, init containers and pod-spec
    overrides may not weaken it."""
    BASELINE = "baseline"
    """Allows what restricted forbids but baseline does not (root, privilege escalation, more
    capabilities); never privileged containers, host namespaces or hostPath."""
    PRIVILEGED = "privileged"
    """Allows anything; for namespaces that enforce no profile."""


class DiskType(StrEnum):
    """GCE disk type of every disk the app gets."""

    PD_STANDARD = "pd-standard"
    """Standard persistent disk (HDD); regional ones start at 200 GiB."""
    PD_BALANCED = "pd-balanced"
    """Balanced persistent disk (SSD)."""
    PD_SSD = "pd-ssd"
    """SSD persistent disk."""
    PD_EXTREME = "pd-extreme"
    """Extreme persistent disk, zonal only, with provisioned IOPS."""
    HYPERDISK_BALANCED = "hyperdisk-balanced"
    """Hyperdisk Balanced, with provisioned IOPS and throughput (C4, N4 and newer series)."""


class FsType(StrEnum):
    """Filesystem the CSI driver formats a new disk with."""

    EXT4 = "ext4"
    """ext4."""
    XFS = "xfs"
    """XFS."""


class AccessMode(StrEnum):
    """Access mode of the claims, chosen when the StatefulSet is created."""

    READ_WRITE_ONCE = "ReadWriteOnce"
    """Mountable read-write by one node."""
    READ_WRITE_ONCE_POD = "ReadWriteOncePod"
    """Mountable read-write by one pod only (single-writer volumes)."""


class SnapshotFrequency(StrEnum):
    """How often every managed disk is snapshotted."""

    NONE = "none"
    """No scheduled snapshots."""
    HOURLY = "hourly"
    """Every `hoursInCycle` hours."""
    DAILY = "daily"
    """Once a day."""
    WEEKLY = "weekly"
    """Once a week, on `snapshotWeekDay`."""


class WeekDay(StrEnum):
    """A day of the week, for the weekly snapshot."""

    MONDAY = "MONDAY"
    """Monday."""
    TUESDAY = "TUESDAY"
    """Tuesday."""
    WEDNESDAY = "WEDNESDAY"
    """Wednesday."""
    THURSDAY = "THURSDAY"
    """Thursday."""
    FRIDAY = "FRIDAY"
    """Friday."""
    SATURDAY = "SATURDAY"
    """Saturday."""
    SUNDAY = "SUNDAY"
    """Sunday."""


class ProbeType(StrEnum):
    """What a probe checks."""

    TCP = "tcp"
    """A TCP connection to the app's port."""
    HTTP = "http"
    """An HTTP GET of `path` on the app's port."""
    EXEC = "exec"
    """A shell `command` in the container; success is exit status 0."""
    NONE = "none"
    """No probe."""


class TolerationOperator(StrEnum):
    """How a toleration matches a taint's value."""

    EQUAL = "Equal"
    """The taint's value must equal `value`."""
    EXISTS = "Exists"
    """Any value (no `value` given)."""


class TaintEffect(StrEnum):
    """The taint effect a toleration tolerates."""

    NO_SCHEDULE = "NoSchedule"
    """Pods are not scheduled on the node."""
    PREFER_NO_SCHEDULE = "PreferNoSchedule"
    """The scheduler avoids the node."""
    NO_EXECUTE = "NoExecute"
    """Running pods are evicted from the node."""


class PodManagementPolicy(StrEnum):
    """How the StatefulSet starts and stops pods; changing it replaces the StatefulSet."""

    ORDERED_READY = "OrderedReady"
    """One at a time, each waiting for the one before to be Ready."""
    PARALLEL = "Parallel"
    """All at once."""


class UpdateStrategy(StrEnum):
    """How a changed pod template reaches the pods."""

    ROLLING_UPDATE = "RollingUpdate"
    """The controller replaces pods from the highest ordinal down, above `partition`."""
    ON_DELETE = "OnDelete"
    """A pod takes the new template only when someone deletes it."""


class ProbeArgs(TypedDict, total=False):
    """A health probe of the app's container."""

    type: Required[ProbeType]
    """What the probe checks."""
    path: str
    """The path of an `http` probe, starting with '/'."""
    command: str
    """The shell command of an `exec` probe (run with `sh -c`); `{passwordMount}` is replaced
    by the password's directory."""


class TolerationArgs(TypedDict, total=False):
    """A node taint the pods tolerate."""

    key: Required[str]
    """The taint's key."""
    operator: TolerationOperator
    """Equal (with `value`) or Exists. Default: Equal when a value is given, else Exists."""
    value: str
    """The taint's value, with operator Equal."""
    effect: TaintEffect
    """The effect tolerated. Default: every effect."""


class ExtraClaimArgs(TypedDict):
    """One more claim template: every storage slot gets its own disk and PV of this shape."""

    name: str
    """Name of the claim template (a DNS-1123 label), unique among the app's claims."""
    mount_path: str
    """Where the disk is mounted in the container (an absolute path)."""
    size_gb: int
    """Size of each of its disks in GiB, within the disk type's limits."""


class StorageArgs(TypedDict, total=False):
    """Where the app's disks live, what they are, and where they come from."""

    zones: Required[list[str]]
    """GCE zones of the disks, all in one region; each must be in the package's catalogue of
    GCE zones or in newerZones, and at preview GCE itself must list it."""
    storage_slots: Required[int]
    """Number of ordinals that own storage (1 to 1000), at least `replicas`; only an explicit
    change lowers it, so a scale-down keeps every disk."""
    regional_disks: bool
    """New storage slots get regional disks replicated over two zones. Default: false."""
    placement: list[str]
    """One entry per storage slot, a zone or two zones joined by '+'; required when a slot
    could go to more than one place. Default: []."""
    newer_zones: list[str]
    """Zones GCE has opened since the package's catalogue was written, allowed in zones
    although the catalogue does not list them (GCE still checks them at preview).
    Default: none."""
    slot_generations: list[int]
    """Per storage slot, the generation of its disk; raising one gives the slot a new disk
    (empty or from a snapshot). Default: []."""
    retired_generations: list[list[int]]
    """Per storage slot, the older generations whose disk and PV the stack keeps, protected as
    the stack is and never changed again, after the slot moved to a newer generation (each
    one the stack created). Removing one releases it from the stack: retained, or deleted with
    allowDataDeletion; a protected stack refuses that until it is unprotected. Default: []."""
    legacy_volume_names: bool
    """Keep the names v0.1.0 gave this stack's disks, PVs and schedule attachments in the
    Pulumi state (by ordinal, not by slot index). Only for a stack deployed by v0.1.0 with
    rollout.ordinalsStart above 0 and more slots than that start: the engine cannot move
    those names by alias. Default: false."""
    claim_name: str
    """Name of the volume claim template (the PVC is <claimName>-<name>-<ordinal>).
    Default: from the preset, else data."""
    mount_path: str
    """Where the disk is mounted in the container. Default: from the preset, else
    /var/data."""
    disk_type: DiskType
    """GCE disk type. Default: pd-balanced."""
    disk_size_gb: int
    """Size of each disk in GiB, within the type's limits; raising it grows every disk
    online, lowering it is refused. Default: 10."""
    provisioned_iops: int
    """Provisioned IOPS (pd-extreme, hyperdisk-balanced). Default: the type's own."""
    provisioned_throughput: int
    """Provisioned throughput in MiB/s (hyperdisk-balanced). Default: the type's own."""
    fs_type: FsType
    """Filesystem of new disks. Default: ext4."""
    access_mode: AccessMode
    """Access mode of the claims; chosen when the StatefulSet is created.
    Default: ReadWriteOnce."""
    extra_claims: list[ExtraClaimArgs]
    """More claim templates, each with its own disk and PV per slot. Default: []."""
    adopt_disks: list[str]
    """Per storage slot, the name of an existing disk to bind instead of creating one (''
    for none); read, never created or deleted. Default: []."""
    kms_key: pulumi.Input[str]
    """Cloud KMS key (projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>) that encrypts
    new disks; checked when known. Default: Google-managed encryption."""


class SnapshotArgs(TypedDict, total=False):
    """Restores into new disks, and the schedule that snapshots every managed disk."""

    snapshot: str
    """Snapshot every new disk is restored from. Default: none (new disks are empty)."""
    slot_snapshots: list[str]
    """Per storage slot, a snapshot its new disk is restored from ('' for none).
    Default: []."""
    snapshot_schedule: SnapshotFrequency
    """Snapshot schedule of every managed disk. Default: none."""
    snapshot_start_time: str
    """Start of the snapshot window, HH:00 in UTC. Default: 03:00."""
    snapshot_hours_in_cycle: int
    """Hours between snapshots with the hourly schedule (1 to 23). Default: 4."""
    snapshot_week_day: WeekDay
    """Day of the weekly snapshot. Default: SUNDAY."""
    snapshot_retention_days: int
    """Days a scheduled snapshot is kept. Default: 14."""
    snapshot_keep_on_source_delete: bool
    """Keep scheduled snapshots when their disk is deleted. Default: true."""


class ProtectionArgs(TypedDict, total=False):
    """What a change or a destroy may delete: nothing, unless said here."""

    protect: bool
    """Protect disks, PVs and the StorageClass explicitly (they are protected anyway unless
    allowDataDeletion is true). Default: false."""
    allow_data_deletion: bool
    """Let a destroy and removed slots delete disks and PVs (otherwise they are retained);
    the claims then go with the StatefulSet. Default: false."""
    allow_stateful_set_replacement: bool
    """Accept a change that replaces the StatefulSet (serviceName, selector,
    podManagementPolicy, claim templates), stopping every pod; refused otherwise.
    Default: false."""


class ContainerArgs(TypedDict, total=False):
    """The app's container: command line, port, resources, environment, health."""

    args: list[str]
    """Container arguments; `{passwordMount}` is replaced by the password's directory.
    Default: from the preset, else none."""
    container_port: int
    """Port the container listens on. Default: from the preset, else 8080."""
    port_name: str
    """Name of that port (IANA service name); also the SRV record's name. Default: from the
    preset, else http."""
    cpu_request: str
    """CPU request, e.g. 100m. Default: from the preset, else 100m."""
    memory_request: str
    """Memory request, e.g. 128Mi. Default: from the preset, else 128Mi."""
    cpu_limit: str
    """CPU limit, '' for none. Default: from the preset, else none."""
    memory_limit: str
    """Memory limit. Default: from the preset, else 256Mi."""
    env: dict[str, str]
    """Environment variables by name (never secrets; see passwordEnv). Default: {}."""
    config_file: str
    """Content of a config file, mounted read-only from a ConfigMap; pods roll when it
    changes. Default: none."""
    config_file_path: str
    """Where the config file is mounted. Default: /etc/app/app.conf."""
    readiness_probe: ProbeArgs
    """Readiness probe. Default: from the preset, else tcp."""
    liveness_probe: ProbeArgs
    """Liveness probe. Default: from the preset, else tcp."""
    startup_probe: ProbeArgs
    """Startup probe. Default: from the preset, else none."""


class PodArgs(TypedDict, total=False):
    """The rest of the pod: where it runs, its other containers, and an escape hatch."""

    termination_grace_period_seconds: int
    """Seconds a pod has to shut down. Default: from the preset, else 30."""
    node_selector: dict[str, pulumi.Input[str]]
    """Node labels the pods must run on, for a dedicated node pool; values may be Outputs.
    Default: {}."""
    tolerations: list[TolerationArgs]
    """Taints the pods tolerate. Default: []."""
    priority_class_name: str
    """PriorityClass of the pods. Default: none."""
    machine_series: str
    """Machine series of the node pool (e.g. n2, c4); the disk type is checked against it.
    Default: not checked."""
    image_pull_secrets: list[str]
    """Secrets (names) to pull the images with. Default: []."""
    init_containers: list[dict[str, Any]]
    """Init containers, each a Kubernetes Container with at least name and image; they run
    with the app's security context unless they set their own. Default: []."""
    sidecars: list[dict[str, Any]]
    """Sidecar containers (e.g. a metrics exporter), same form and security. Default: []."""
    pod_spec_overrides: dict[str, Any]
    """Escape hatch: fields merged last into the pod spec, for anything else.
    Default: {}."""


class SecurityArgs(TypedDict, total=False):
    """Who the pods run as, what they may touch, and how the app's password reaches them."""

    run_as_user: int
    """UID the containers run as (never root). Default: 10001."""
    run_as_group: int
    """GID the containers run as. Default: 10001."""
    fs_group: int
    """Group that owns the mounted disks, so the app can write them. Default: 10001."""
    read_only_root_filesystem: bool
    """Read-only root filesystem (an emptyDir is mounted at /tmp). Default: true."""
    pod_security_level: PodSecurityLevel
    """The Pod Security level the namespace enforces; a weaker one lets sidecars, init
    containers and pods.podSpecOverrides do what restricted forbids, and the pods then carry
    the annotation gke-stateful/pod-security-level. Default: restricted."""
    automount_service_account_token: bool
    """Mount the ServiceAccount's token in the pods. Default: false."""
    workload_identity: str
    """Google service account the pods act as through Workload Identity
    (<name>@<project>.iam.gserviceaccount.com). Default: none."""
    password_env: str
    """Environment variable that receives the password from the app's Secret.
    Default: none."""
    password_mount: str
    """Directory where the app's Secret is mounted read-only (files password and, with
    passwordConfigLine, auth.conf). Default: from the preset, else none."""
    password_config_line: str
    """A config line written to auth.conf in the Secret, with {password} replaced (redis
    sets "requirepass {password}"). Default: from the preset, else none."""


class NetworkArgs(TypedDict, total=False):
    """The governing Service, who may connect, and the client Service."""

    service_name: str
    """Name of the governing Service, when it differs from the StatefulSet's (as in many
    Helm charts). Default: the app's name."""
    service_port: int
    """Port of the governing Service. Default: from the preset, else 80."""
    selector_labels: dict[str, str]
    """The pods' selector, to take over an existing StatefulSet's pods. Default:
    app.kubernetes.io/name and app.kubernetes.io/instance = name."""
    network_policy: bool
    """Admit the app's ports only from its peers and from pods with clientLabel.
    Default: true."""
    client_label: list[dict[str, str]]
    """Client pods the NetworkPolicy admits: each entry is a set of labels a client pod
    carries (all of them); the entries are alternatives. Default: []."""
    client_namespaces: list[str]
    """Namespaces the clientLabel pods may be in. Default: the app's own."""
    client_service: bool
    """Also create a ClusterIP Service <name>-client. Default: false."""
    publish_not_ready_addresses: bool
    """Publish DNS records of pods before they are ready (peer discovery during bootstrap).
    Default: false."""


class MaxmemoryPolicy(StrEnum):
    """What Redis does with a write that would pass maxmemory."""

    NOEVICTION = "noeviction"
    """Refuse the write with an OOM error; nothing stored is lost."""
    ALLKEYS_LRU = "allkeys-lru"
    """Evict the least recently used keys (a cache)."""
    ALLKEYS_LFU = "allkeys-lfu"
    """Evict the least frequently used keys (a cache)."""
    VOLATILE_LRU = "volatile-lru"
    """Evict the least recently used keys that have an expiry."""
    VOLATILE_LFU = "volatile-lfu"
    """Evict the least frequently used keys that have an expiry."""
    VOLATILE_TTL = "volatile-ttl"
    """Evict the keys closest to their expiry."""


class RedisArgs(TypedDict, total=False):
    """Redis itself, with the redis preset: replication and its memory ceiling."""

    replication: bool
    """true: the first ordinal is the primary and every other pod its replica (on a
    deployed app of independent servers, every other pod's data is replaced by the
    primary's); false: independent servers, each with its own data. Default: none; required
    with more than one storage slot."""
    min_replicas_to_write: int
    """With replication, the replicas that must have a write (lagging at most 10 s) for the
    primary to take it; 0 takes every write. Default: 1."""
    sentinel: bool
    """With replication, a Sentinel beside every Redis pod fails the primary over to a
    replica (quorum 2: three pods or more); false keeps replication without failover.
    Default: true with replication and three replicas or more, else false."""

    maxmemory: str
    """The dataset's memory ceiling: a quantity (1536Mi), or auto for 60% of
    container.memoryLimit, leaving the rest for replication buffers, the AOF rewrite's
    copy-on-write pages and fragmentation (none without a memory limit). Default: auto."""
    maxmemory_policy: MaxmemoryPolicy
    """What a write past the ceiling does. Default: noeviction."""

    metrics: bool
    """A metrics exporter beside every Redis pod (redis_exporter, port 9121, restricted like
    Redis), a GKE Managed Service for Prometheus PodMonitoring that scrapes it, and a
    NetworkPolicy rule admitting the managed collectors (namespace gmp-system) to that port
    only. The cluster needs managed collection (its PodMonitoring resource type).
    Default: false."""
    metrics_image: str
    """The exporter's image; it must take redis_exporter's flags and REDIS_PASSWORD.
    Default: oliver006/redis_exporter:v1.88.0."""
    metrics_interval_seconds: int
    """Seconds between scrapes (5 to 600). Default: 30."""


class RolloutArgs(TypedDict, total=False):
    """How pods start, roll and may be disrupted, and how long Pulumi waits for them."""

    pod_management_policy: PodManagementPolicy
    """OrderedReady or Parallel; changing it replaces the StatefulSet (pods and claims are
    kept). Default: OrderedReady."""
    update_strategy: UpdateStrategy
    """RollingUpdate or OnDelete. Default: RollingUpdate."""
    partition: int
    """RollingUpdate partition: pods below it (counted from ordinalsStart) keep the old
    revision. Default: 0."""
    min_ready_seconds: int
    """Seconds a new pod must be ready before it counts as available. Default: 0."""
    await_timeout_seconds: int
    """How long Pulumi waits for the StatefulSet to be ready (60 to 86400). Default: 600."""
    max_unavailable: int
    """PodDisruptionBudget: pods that may be evicted at once. Default: 1."""
    ordinals_start: int
    """First ordinal (pods <name>-<start>...); per-slot lists start at it. Kubernetes 1.31
    or newer. Default: 0."""


class StatefulAppArgs(TypedDict, total=False):
    """The inputs of a StatefulApp: the everyday settings first, then one group per concern."""

    name: Required[str]
    """StatefulSet name, also the governing Service's unless network.serviceName is set
    (DNS-1035 label, at most 52 characters)."""
    gcp_project: Required[str]
    """GCP project that owns the disks."""
    volume_scope: Required[str]
    """Prefix of disk, PV and StorageClass names, unique per cluster and GCP project and
    fixed for the life of the app."""
    storage: Required[StorageArgs]
    """Where the disks live and what they are (zones and storageSlots are required)."""
    preset: Preset
    """Ready-made settings for an app; every setting given wins over the preset.
    Default: none."""
    namespace: str
    """Kubernetes namespace of the app (must exist). Default: default."""
    replicas: int
    """Number of pods (0 to 1000), at most storage.storageSlots. Default: 1."""
    image: pulumi.Input[str]
    """Container image of the app; checked when known. Default: from the preset, else
    required."""
    password: pulumi.Input[str]
    """The app's password, kept secret; required when the app takes one (a preset's
    passwordMount or security.passwordEnv)."""
    snapshots: SnapshotArgs
    """Restores into new disks and the snapshot schedule."""
    protection: ProtectionArgs
    """What changes and destroys may delete."""
    container: ContainerArgs
    """The app's container."""
    pods: PodArgs
    """Scheduling, extra containers and the pod spec escape hatch."""
    security: SecurityArgs
    """Identities, filesystem and the password's delivery."""
    network: NetworkArgs
    """Services and the NetworkPolicy."""
    rollout: RolloutArgs
    """Pod management, updates and disruption."""
    redis: RedisArgs
    """Redis' own settings, with the redis preset."""
