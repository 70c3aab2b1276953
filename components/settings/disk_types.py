"""GCE disk types and their limits: what size, IOPS and throughput each type accepts.

Each rule cites the Compute Engine page it was checked against. Sizes are GiB, throughput
MiB/s. A value outside a rule is refused before anything is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DiskType = Literal["pd-standard", "pd-balanced", "pd-ssd", "pd-extreme", "hyperdisk-balanced"]

PD_DOCS = "https://cloud.google.com/compute/docs/disks/persistent-disks"
REGIONAL_DOCS = "https://cloud.google.com/compute/docs/disks/about-regional-persistent-disk"
EXTREME_DOCS = "https://cloud.google.com/compute/docs/disks/extreme-persistent-disk"
HYPERDISK_DOCS = "https://cloud.google.com/compute/docs/disks/hd-types/hyperdisk-balanced"


@dataclass(frozen=True)
class DiskTypeRule:
    """Limits of one disk type; `None` where the type does not take the setting at all."""

    zonal_size: tuple[int, int]
    regional_size: tuple[int, int] | None
    iops: tuple[int, int] | None
    throughput: tuple[int, int] | None
    source: str


RULES: dict[str, DiskTypeRule] = {
    # Persistent Disk: up to 64 TiB (PD_DOCS). The 10 GiB minimum is the common figure, not
    # found on Google's page itself. Regional pd-standard needs 200 GiB (REGIONAL_DOCS, and
    # GKE's regional PD guide); regional pd-balanced and pd-ssd start at 10 GiB.
    "pd-standard": DiskTypeRule((10, 65536), (200, 65536), None, None, REGIONAL_DOCS),
    "pd-balanced": DiskTypeRule((10, 65536), (10, 65536), None, None, PD_DOCS),
    "pd-ssd": DiskTypeRule((10, 65536), (10, 65536), None, None, PD_DOCS),
    # Extreme PD: zonal only, provisioned IOPS 2,500-120,000 (EXTREME_DOCS). Its 500 GiB
    # minimum is reported by others, not confirmed on Google's page; up to 64 TiB.
    "pd-extreme": DiskTypeRule((500, 65536), None, (2500, 120000), None, EXTREME_DOCS),
    # Hyperdisk Balanced: 4 GiB (the API's own error text) to 64 TiB, up to 160,000 IOPS and
    # 2,400 MiB/s, 3,000 IOPS and 140 MiB/s included (HYPERDISK_DOCS). Zonal: its regional
    # form is the separate type hyperdisk-balanced-high-availability, not offered here.
    "hyperdisk-balanced": DiskTypeRule(
        (4, 65536), None, (3000, 160000), (140, 2400), HYPERDISK_DOCS
    ),
}


SERIES_DOCS = "https://cloud.google.com/compute/docs/disks/hyperdisks#machine-type-support"
# Machine series that attach Hyperdisk only (no Persistent Disk), series that attach no
# Hyperdisk Balanced, and the series regional Persistent Disk attaches to (REGIONAL_DOCS).
HYPERDISK_ONLY_SERIES = frozenset({"c4", "c4a", "c4d", "n4", "n4a", "n4d", "x4"})
NO_HYPERDISK_SERIES = frozenset({"e2", "n1", "n2d", "t2d", "t2a"})
REGIONAL_PD_SERIES = frozenset({"e2", "n1", "n2", "n2d"})


def machine_problems(series: str, disk_type: str, regional: bool) -> list[str]:
    """Whether the node pool's machine series can attach this disk type (GKE/GCE docs)."""
    if not series:
        return []
    found = []
    hyperdisk = disk_type.startswith("hyperdisk")
    if series in HYPERDISK_ONLY_SERIES and not hyperdisk:
        found.append(
            f"diskType: machine series {series} attaches Hyperdisk only, not {disk_type} "
            f"({SERIES_DOCS})"
        )
    if series in NO_HYPERDISK_SERIES and hyperdisk:
        found.append(f"diskType: machine series {series} cannot attach {disk_type} ({SERIES_DOCS})")
    if regional and series not in REGIONAL_PD_SERIES:
        found.append(
            f"machineSeries: regional Persistent Disk attaches to "
            f"{', '.join(sorted(REGIONAL_PD_SERIES))} only, not {series} ({REGIONAL_DOCS})"
        )
    return found


def problems(
    disk_type: str,
    regional: bool,
    size_gb: int,
    iops: int | None,
    throughput: int | None,
) -> list[str]:
    """What is wrong with this disk shape, each line starting with the config key at fault."""
    rule = RULES[disk_type]
    found = []
    if regional and rule.regional_size is None:
        found.append(
            f"diskType: {disk_type} has no regional form; use pd-balanced, pd-ssd or "
            f"pd-standard for regional disks ({rule.source})"
        )
    else:
        low, high = rule.regional_size if regional else rule.zonal_size
        if not low <= size_gb <= high:
            kind = "regional" if regional else "zonal"
            found.append(
                f"diskSizeGb: expected {low} to {high} GiB for a {kind} {disk_type} disk, "
                f"got {size_gb} ({rule.source})"
            )
    for key, value, allowed in (
        ("provisionedIops", iops, rule.iops),
        ("provisionedThroughput", throughput, rule.throughput),
    ):
        if value is None:
            continue
        if allowed is None:
            found.append(f"{key}: {disk_type} does not take it ({rule.source})")
        elif not allowed[0] <= value <= allowed[1]:
            found.append(
                f"{key}: expected {allowed[0]} to {allowed[1]} for {disk_type}, got {value} "
                f"({rule.source})"
            )
    return found
