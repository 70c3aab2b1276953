"""The rules that involve more than one setting: each problem a line that starts with the
config key it is about, so that the message can name where it is set."""

from __future__ import annotations

import json

from . import disk_types, gce_zones, naming, placement, pod_rules
from .app_settings import (
    METRICS_PORT,
    AppSettings,
    sparse_entry,
)
from .groups.redis import DEFAULT_EXPORTER_IMAGE
from .quantity import quantity_bytes
from .setting_types import SNAPSHOT


def problems(s: AppSettings, provider_region: str | None = None) -> list[str]:
    """Rules that involve more than one key; each line starts with the key it is about."""
    problems: list[str] = []
    regions = sorted({placement.region_of(z) for z in s.storage.zones})
    if len(regions) > 1:
        problems.append(f"zones: expected zones of one region, got regions {regions}")
    if len(set(s.storage.zones)) != len(s.storage.zones):
        problems.append("zones: expected each zone once")
    problems += [
        f"zones: {gce_zones.unknown_zone_problem(zone)}"
        for zone in s.storage.zones
        if zone not in gce_zones.ZONES and zone not in s.storage.newer_zones
    ]
    if provider_region and regions and regions != [provider_region]:
        problems.append(
            f"zones: the provider's region (gcp:region) is {provider_region}, "
            f"but the zones are in {', '.join(regions)}"
        )
    if s.replicas > s.storage.storage_slots:
        problems.append(
            f"storageSlots: expected at least replicas ({s.replicas}): every pod needs its "
            f"own storage; raise storageSlots to {s.replicas}"
        )
    problems += _placement_problems(s)
    for key, values in (
        ("slotGenerations", s.storage.slot_generations),
        ("retiredGenerations", s.storage.retired_generations),
        ("adoptDisks", s.storage.adopt_disks),
        ("slotSnapshots", s.snapshots.slot_snapshots),
    ):
        if len(values) > s.storage.storage_slots:
            problems.append(
                f"{key}: expected at most one entry per storage slot ({s.storage.storage_slots}), "
                f"got {len(values)}"
            )
    problems += _retired_generation_problems(s)
    for i, disk in enumerate(s.storage.adopt_disks):
        if disk and (len(disk) > naming.GCE_NAME_MAX or not naming.GCE_NAME.fullmatch(disk)):
            problems.append(f"adoptDisks: entry {i} ({disk!r}) is not a GCE disk name")
        if disk and sparse_entry(s.storage.slot_generations, i, 0):
            problems.append(
                f"adoptDisks: slot {i} adopts {disk!r} but slotGenerations asks for a new "
                f"disk there; remove one of the two"
            )
        if disk and (sparse_entry(s.snapshots.slot_snapshots, i, None) or s.snapshots.snapshot):
            problems.append(
                f"adoptDisks: slot {i} adopts {disk!r}, which cannot also be restored from a "
                f"snapshot (snapshot/slotSnapshots apply to new disks only)"
            )
    adopted = [disk for disk in s.storage.adopt_disks if disk]
    for disk in sorted({d for d in adopted if adopted.count(d) > 1}):
        problems.append(
            f"adoptDisks: {disk!r} is given for more than one slot; a disk can be attached "
            f"read-write to one pod only"
        )
    for key, values in (
        ("snapshot", [s.snapshots.snapshot or ""]),
        ("slotSnapshots", s.snapshots.slot_snapshots),
    ):
        for value in values:
            if value and (
                not SNAPSHOT.fullmatch(value) or len(value.rpartition("/")[2]) > naming.GCE_NAME_MAX
            ):
                problems.append(
                    f"{key}: {value!r} is not a snapshot name (at most 63 lower-case letters, "
                    f"digits and '-') or projects/<project>/global/snapshots/<name>"
                )
    if s.rollout.update_strategy == "OnDelete" and s.rollout.partition:
        problems.append("partition: only applies with updateStrategy RollingUpdate")
    if s.security.password_config_line and (
        "{password}" not in s.security.password_config_line or not s.security.password_mount
    ):
        problems.append(
            "passwordConfigLine: expected a line with {password}, used with passwordMount"
        )
    problems += disk_types.machine_problems(
        s.pods.machine_series, s.storage.disk_type, any(slot.regional for slot in s.slots)
    )
    problems += pod_rules.problems(s)
    claim_names = [c.name for c in s.claims]
    if len(set(claim_names)) != len(claim_names):
        problems.append(f"extraClaims: claim names must differ, got {claim_names}")
    for claim in s.claims[1:]:
        problems += [
            p.replace("diskSizeGb: ", f"extraClaims: {claim.name}: ", 1)
            for p in disk_types.problems(s.storage.disk_type, False, claim.size_gb, None, None)
            if p.startswith("diskSizeGb")
        ]
    if s.protection.allow_stateful_set_replacement and s.protection.allow_data_deletion:
        problems.append(
            "allowStatefulSetReplacement: conflicts with allowDataDeletion: true; the claims "
            "would be deleted with the old StatefulSet (whenDeleted: Delete) and the new pods "
            "could not bind the released PVs; replace it by hand instead (docs/operations.md, "
            "'Replacing the StatefulSet')"
        )
    if s.preset != "redis":
        for key, value, default in (
            ("maxmemory", s.redis.maxmemory, "auto"),
            ("maxmemoryPolicy", s.redis.maxmemory_policy, "noeviction"),
            ("replication", s.redis.replication, None),
            ("minReplicasToWrite", s.redis.min_replicas_to_write, 1),
            ("sentinel", s.redis.sentinel, None),
            ("metrics", s.redis.metrics, False),
            ("metricsImage", s.redis.metrics_image, DEFAULT_EXPORTER_IMAGE),
            ("metricsIntervalSeconds", s.redis.metrics_interval_seconds, 30),
        ):
            if value != default:
                problems.append(f"{key}: Redis' settings apply with the redis preset only")
    if s.preset == "redis" and s.storage.storage_slots > 1 and s.redis.replication is None:
        problems.append(
            "replication: required with more than one Redis pod; true: the first ordinal is "
            "the primary and every other pod its replica (on a deployed app, every other "
            "pod's data is replaced by the primary's: see docs/redis.md, 'Turning replication "
            "on'); false: independent servers, each with its own data"
        )
    if s.redis.sentinel and not s.redis.replication:
        problems.append("sentinel: needs replication: true (Sentinel fails over a primary)")
    elif s.redis.sentinel and s.replicas < 3:
        problems.append(
            f"sentinel: expected at least 3 replicas, got {s.replicas}: a failover needs a "
            f"quorum of 2 Sentinels out of 3 (run 3 pods, or sentinel: false for "
            f"replication without failover)"
        )
    if s.redis.replication and s.redis.min_replicas_to_write >= s.replicas > 0:
        problems.append(
            f"minReplicasToWrite: expected fewer than replicas ({s.replicas}): the primary "
            f"could never have that many replicas and would refuse every write"
        )
    if s.preset == "redis" and s.redis.metrics and s.container.container_port == METRICS_PORT:
        problems.append(
            f"containerPort: expected a port other than {METRICS_PORT}, which the metrics "
            f"exporter listens on (redis.metrics: true)"
        )
    limit = quantity_bytes(s.container.memory_limit) if s.container.memory_limit else None
    if (
        s.redis.maxmemory not in ("auto", "0")
        and limit
        and quantity_bytes(s.redis.maxmemory) >= limit
    ):
        problems.append(
            f"maxmemory: expected less than memoryLimit ({s.container.memory_limit}), with room "
            f"for replication buffers and the AOF rewrite"
        )
    if s.protection.protect and s.protection.allow_data_deletion:
        problems.append(
            "allowDataDeletion: conflicts with protect: true; a protected stack cannot "
            "delete its data, so set at most one of them"
        )
    if not problems:
        regional = any(slot.regional for slot in s.slots)
        zonal = any(not slot.regional for slot in s.slots)
        for kind, present in (("zonal", zonal), ("regional", regional)):
            if present:
                problems += disk_types.problems(
                    s.storage.disk_type,
                    kind == "regional",
                    s.storage.disk_size_gb,
                    s.storage.provisioned_iops,
                    s.storage.provisioned_throughput,
                )
    return problems


def _retired_generation_problems(s: AppSettings) -> list[str]:
    """A retired generation is an older disk of the same slot, named once."""
    problems = []
    for i, kept in enumerate(s.storage.retired_generations):
        current = sparse_entry(s.storage.slot_generations, i, 0)
        for generation in sorted(set(kept)):
            if kept.count(generation) > 1:
                problems.append(
                    f"retiredGenerations: slot {i} names generation {generation} more than once"
                )
            if generation >= current:
                problems.append(
                    f"retiredGenerations: slot {i} keeps generation {generation}, but its own "
                    f"generation (slotGenerations) is {current}: only an older generation of "
                    f"the slot can be retired"
                )
    return problems


def _placement_problems(s: AppSettings) -> list[str]:
    if s.storage.regional_disks and len(s.storage.zones) < 2:
        return [f"zones: regional disks need two zones of the region, got {len(s.storage.zones)}"]
    if not s.storage.placement:
        if placement.is_unambiguous(s.storage.zones, s.storage.regional_disks):
            return []
        suggestion = placement.suggest(
            s.storage.zones, s.storage.regional_disks, [], s.storage.storage_slots
        )
        return [
            f"placement: required with {len(s.storage.zones)} zones"
            f"{' and regional disks' if s.storage.regional_disks else ''}, so that no disk ever "
            f"moves; write one entry per storage slot, e.g. {json.dumps(suggestion)} (if "
            f"disks exist, copy their zones from the stack output `placement` first)"
        ]
    problems = []
    if len(s.storage.placement) != s.storage.storage_slots:
        suggestion = placement.suggest(
            s.storage.zones, s.storage.regional_disks, s.storage.placement, s.storage.storage_slots
        )
        problems.append(
            f"placement: expected one entry per storage slot ({s.storage.storage_slots}), got "
            f"{len(s.storage.placement)}; e.g. {json.dumps(suggestion)}"
        )
    for i, entry in enumerate(s.storage.placement):
        zones = placement.parse_entry(entry)
        if len(zones) > 2 or any(z not in s.storage.zones for z in zones):
            problems.append(
                f"placement: entry {i} ({entry!r}) must be one of the zones {s.storage.zones}, or "
                f"two of them joined by '+' for a regional disk"
            )
        elif len(zones) == 2 and zones[0] == zones[1]:
            problems.append(f"placement: entry {i} ({entry!r}) repeats a zone")
    return problems
