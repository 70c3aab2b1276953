"""The rules that involve more than one setting: each problem a line that starts with the
config key it is about, so that the message can name where it is set."""

from __future__ import annotations

import json

from . import disk_types, gce_zones, naming, placement, pod_rules
from .app_settings import (
    DEFAULT_EXPORTER_IMAGE,
    METRICS_PORT,
    SNAPSHOT,
    AppSettings,
    sparse_entry,
)
from .quantity import quantity_bytes


def problems(s: AppSettings, provider_region: str | None = None) -> list[str]:
    """Rules that involve more than one key; each line starts with the key it is about."""
    problems: list[str] = []
    regions = sorted({placement.region_of(z) for z in s.zones})
    if len(regions) > 1:
        problems.append(f"zones: expected zones of one region, got regions {regions}")
    if len(set(s.zones)) != len(s.zones):
        problems.append("zones: expected each zone once")
    problems += [
        f"zones: {gce_zones.unknown_zone_problem(zone)}"
        for zone in s.zones
        if zone not in gce_zones.ZONES and zone not in s.newer_zones
    ]
    if provider_region and regions and regions != [provider_region]:
        problems.append(
            f"zones: the provider's region (gcp:region) is {provider_region}, "
            f"but the zones are in {', '.join(regions)}"
        )
    if s.replicas > s.storage_slots:
        problems.append(
            f"storageSlots: expected at least replicas ({s.replicas}): every pod needs its "
            f"own storage; raise storageSlots to {s.replicas}"
        )
    problems += _placement_problems(s)
    for key, values in (
        ("slotGenerations", s.slot_generations),
        ("retiredGenerations", s.retired_generations),
        ("adoptDisks", s.adopt_disks),
        ("slotSnapshots", s.slot_snapshots),
    ):
        if len(values) > s.storage_slots:
            problems.append(
                f"{key}: expected at most one entry per storage slot ({s.storage_slots}), "
                f"got {len(values)}"
            )
    problems += _retired_generation_problems(s)
    for i, disk in enumerate(s.adopt_disks):
        if disk and (len(disk) > naming.GCE_NAME_MAX or not naming.GCE_NAME.fullmatch(disk)):
            problems.append(f"adoptDisks: entry {i} ({disk!r}) is not a GCE disk name")
        if disk and sparse_entry(s.slot_generations, i, 0):
            problems.append(
                f"adoptDisks: slot {i} adopts {disk!r} but slotGenerations asks for a new "
                f"disk there; remove one of the two"
            )
        if disk and (sparse_entry(s.slot_snapshots, i, None) or s.snapshot):
            problems.append(
                f"adoptDisks: slot {i} adopts {disk!r}, which cannot also be restored from a "
                f"snapshot (snapshot/slotSnapshots apply to new disks only)"
            )
    adopted = [disk for disk in s.adopt_disks if disk]
    for disk in sorted({d for d in adopted if adopted.count(d) > 1}):
        problems.append(
            f"adoptDisks: {disk!r} is given for more than one slot; a disk can be attached "
            f"read-write to one pod only"
        )
    for key, values in (("snapshot", [s.snapshot or ""]), ("slotSnapshots", s.slot_snapshots)):
        for value in values:
            if value and (
                not SNAPSHOT.fullmatch(value) or len(value.rpartition("/")[2]) > naming.GCE_NAME_MAX
            ):
                problems.append(
                    f"{key}: {value!r} is not a snapshot name (at most 63 lower-case letters, "
                    f"digits and '-') or projects/<project>/global/snapshots/<name>"
                )
    if s.update_strategy == "OnDelete" and s.partition:
        problems.append("partition: only applies with updateStrategy RollingUpdate")
    if s.password_config_line and (
        "{password}" not in s.password_config_line or not s.password_mount
    ):
        problems.append(
            "passwordConfigLine: expected a line with {password}, used with passwordMount"
        )
    problems += disk_types.machine_problems(
        s.machine_series, s.disk_type, any(slot.regional for slot in s.slots)
    )
    problems += pod_rules.problems(s)
    claim_names = [c.name for c in s.claims]
    if len(set(claim_names)) != len(claim_names):
        problems.append(f"extraClaims: claim names must differ, got {claim_names}")
    for claim in s.claims[1:]:
        problems += [
            p.replace("diskSizeGb: ", f"extraClaims: {claim.name}: ", 1)
            for p in disk_types.problems(s.disk_type, False, claim.size_gb, None, None)
            if p.startswith("diskSizeGb")
        ]
    if s.allow_stateful_set_replacement and s.allow_data_deletion:
        problems.append(
            "allowStatefulSetReplacement: conflicts with allowDataDeletion: true; the claims "
            "would be deleted with the old StatefulSet (whenDeleted: Delete) and the new pods "
            "could not bind the released PVs; replace it by hand instead (docs/operations.md, "
            "'Replacing the StatefulSet')"
        )
    if s.preset != "redis":
        for key, value, default in (
            ("maxmemory", s.maxmemory, "auto"),
            ("maxmemoryPolicy", s.maxmemory_policy, "noeviction"),
            ("replication", s.replication, None),
            ("minReplicasToWrite", s.min_replicas_to_write, 1),
            ("sentinel", s.sentinel, None),
            ("metrics", s.metrics, False),
            ("metricsImage", s.metrics_image, DEFAULT_EXPORTER_IMAGE),
            ("metricsIntervalSeconds", s.metrics_interval_seconds, 30),
        ):
            if value != default:
                problems.append(f"{key}: Redis' settings apply with the redis preset only")
    if s.preset == "redis" and s.storage_slots > 1 and s.replication is None:
        problems.append(
            "replication: required with more than one Redis pod; true: the first ordinal is "
            "the primary and every other pod its replica (on a deployed app, every other "
            "pod's data is replaced by the primary's: see docs/redis.md, 'Turning replication "
            "on'); false: independent servers, each with its own data"
        )
    if s.sentinel and not s.replication:
        problems.append("sentinel: needs replication: true (Sentinel fails over a primary)")
    elif s.sentinel and s.replicas < 3:
        problems.append(
            f"sentinel: expected at least 3 replicas, got {s.replicas}: a failover needs a "
            f"quorum of 2 Sentinels out of 3 (run 3 pods, or sentinel: false for "
            f"replication without failover)"
        )
    if s.replication and s.min_replicas_to_write >= s.replicas > 0:
        problems.append(
            f"minReplicasToWrite: expected fewer than replicas ({s.replicas}): the primary "
            f"could never have that many replicas and would refuse every write"
        )
    if s.preset == "redis" and s.metrics and s.container_port == METRICS_PORT:
        problems.append(
            f"containerPort: expected a port other than {METRICS_PORT}, which the metrics "
            f"exporter listens on (redis.metrics: true)"
        )
    limit = quantity_bytes(s.memory_limit) if s.memory_limit else None
    if s.maxmemory not in ("auto", "0") and limit and quantity_bytes(s.maxmemory) >= limit:
        problems.append(
            f"maxmemory: expected less than memoryLimit ({s.memory_limit}), with room for "
            f"replication buffers and the AOF rewrite"
        )
    if s.protect and s.allow_data_deletion:
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
                    s.disk_type,
                    kind == "regional",
                    s.disk_size_gb,
                    s.provisioned_iops,
                    s.provisioned_throughput,
                )
    return problems


def _retired_generation_problems(s: AppSettings) -> list[str]:
    """A retired generation is an older disk of the same slot, named once."""
    problems = []
    for i, kept in enumerate(s.retired_generations):
        current = sparse_entry(s.slot_generations, i, 0)
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
    if s.regional_disks and len(s.zones) < 2:
        return [f"zones: regional disks need two zones of the region, got {len(s.zones)}"]
    if not s.placement:
        if placement.is_unambiguous(s.zones, s.regional_disks):
            return []
        suggestion = placement.suggest(s.zones, s.regional_disks, [], s.storage_slots)
        return [
            f"placement: required with {len(s.zones)} zones"
            f"{' and regional disks' if s.regional_disks else ''}, so that no disk ever "
            f"moves; write one entry per storage slot, e.g. {json.dumps(suggestion)} (if "
            f"disks exist, copy their zones from the stack output `placement` first)"
        ]
    problems = []
    if len(s.placement) != s.storage_slots:
        suggestion = placement.suggest(s.zones, s.regional_disks, s.placement, s.storage_slots)
        problems.append(
            f"placement: expected one entry per storage slot ({s.storage_slots}), got "
            f"{len(s.placement)}; e.g. {json.dumps(suggestion)}"
        )
    for i, entry in enumerate(s.placement):
        zones = placement.parse_entry(entry)
        if len(zones) > 2 or any(z not in s.zones for z in zones):
            problems.append(
                f"placement: entry {i} ({entry!r}) must be one of the zones {s.zones}, or two "
                f"of them joined by '+' for a regional disk"
            )
        elif len(zones) == 2 and zones[0] == zones[1]:
            problems.append(f"placement: entry {i} ({entry!r}) repeats a zone")
    return problems
