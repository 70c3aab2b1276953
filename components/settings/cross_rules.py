"""The rules across groups of settings: each problem a line that starts with the config key
it is about, so that the message can name where it is set. The rules within one group are
its own (`groups/`); these run them, in the inputs' order of concerns, among the rest."""

from __future__ import annotations

from . import disk_types, naming, pod_rules
from .app_settings import METRICS_PORT, AppSettings
from .groups.redis import DEFAULT_EXPORTER_IMAGE
from .quantity import quantity_bytes
from .setting_types import sparse_entry


def problems(s: AppSettings, provider_region: str | None = None) -> list[str]:
    """Every rule that involves more than one key; each line starts with the key it is
    about. `provider_region` is the GCP provider's (`gcp:region`), when one is set."""
    problems = s.storage.problems(provider_region)
    if s.replicas > s.storage.storage_slots:
        problems.append(
            f"storageSlots: expected at least replicas ({s.replicas}): every pod needs its "
            f"own storage; raise storageSlots to {s.replicas}"
        )
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
    problems += s.storage.slot_problems()
    for i, disk in enumerate(s.storage.adopt_disks):
        if disk and (sparse_entry(s.snapshots.slot_snapshots, i, None) or s.snapshots.snapshot):
            problems.append(
                f"adoptDisks: slot {i} adopts {disk!r}, which cannot also be restored from a "
                f"snapshot (snapshot/slotSnapshots apply to new disks only)"
            )
    problems += s.storage.adoption_problems()
    problems += _adoption_problems(s)
    problems += s.snapshots.problems()
    problems += s.rollout.problems()
    problems += s.security.problems()
    regional_slots = [slot.regional for slot in s.slots]
    problems += disk_types.machine_problems(
        s.pods.machine_series, s.storage.disk_type, any(regional_slots)
    )
    problems += pod_rules.problems(s)
    problems += s.storage.claim_problems(regional_slots)
    problems += s.protection.problems()
    problems += _redis_problems(s)
    if not problems:
        problems += s.storage.disk_problems(regional_slots)
    return problems


def _adoption_problems(s: AppSettings) -> list[str]:
    """A slot adopts no disk the stack creates: two claims would mount one disk (two pods
    writing one file system, or one pod's two volumes), and neither could let it go, since
    the slot record then holds the adoption. Nor a disk the stack names for another ordinal
    or claim, which holds (or held) that one's data: a generation the same update releases
    would be deleted under it, and a stack made anew after a destroy would give one
    ordinal's data to another. A slot's own name (its ordinal, the main claim) is what such
    a stack adopts back."""
    created = s.created_disks
    main = s.storage.claims[0].name
    templates = [claim.name for claim in s.storage.claims]
    problems = []
    for slot in s.slots:
        if slot.adopt is None:
            continue
        where = f"adoptDisks: slot {slot.index} adopts {slot.adopt!r}"
        if slot.adopt in created:
            owner, claim = created[slot.adopt]
            generation = f" generation {owner.generation}" if owner.generation else ""
            problems.append(
                f"{where}, the disk this stack creates for slot {owner.index}{generation} "
                f"(claim {claim}): one disk holds one claim's data; adopt a disk that no slot "
                f"of this stack has"
            )
            continue
        named = naming.disk_of(slot.adopt, s.volume_scope, s.namespace, s.name, templates)
        if named is not None and named[:2] != (main, slot.ordinal):
            claim, ordinal, generation = named
            problems.append(
                f"{where}, the disk this stack names for ordinal {ordinal}"
                f"{f' generation {generation}' if generation else ''} (claim {claim}): it "
                f"holds, or held, that one's data; adopt a disk this stack does not name, or "
                f"the slot's own (ordinal {slot.ordinal}, claim {main})"
            )
    return problems


def _redis_problems(s: AppSettings) -> list[str]:
    """Redis' settings against the preset, the pods and the container."""
    problems = []
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
    problems += s.redis.problems()
    if s.redis.sentinel and s.redis.replication and s.replicas < 3:
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
    return problems
