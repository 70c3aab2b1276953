"""Where each storage slot's disk lives, written in the stack so it never moves.

A stack lists its zones and, once a choice exists, one placement per storage slot: a zone
(`europe-west1-b`) for a zonal disk, or two zones joined by `+` (`europe-west1-b+europe-west1-c`)
for a regional disk. A disk's zone and kind are fixed when it is created, so an explicit list is
the only assignment that adding, removing or reordering zones can never change.
"""

from __future__ import annotations

from collections import Counter

REGIONAL_SEPARATOR = "+"


def region_of(zone: str) -> str:
    """`europe-west1-b` -> `europe-west1`."""
    return zone.rsplit("-", 1)[0]


def parse_entry(entry: str) -> tuple[str, ...]:
    """The zones of one placement entry: one (zonal) or two (regional, in sorted order, so
    that writing a pair either way round means the same disk)."""
    zones = entry.split(REGIONAL_SEPARATOR)
    return tuple(sorted(zones)) if len(zones) == 2 else tuple(zones)


def format_entry(zones: tuple[str, ...]) -> str:
    return REGIONAL_SEPARATOR.join(zones)


def is_unambiguous(zones: list[str], regional: bool) -> bool:
    """True when every slot can only go one place: one zone, or a regional pair of two."""
    return len(zones) == (2 if regional else 1)


def default_entry(zones: list[str], regional: bool) -> str:
    return format_entry(tuple(sorted(zones[:2])) if regional else (zones[0],))


def suggest(zones: list[str], regional: bool, existing: list[str], count: int) -> list[str]:
    """`existing` extended to `count` entries, each new slot in the least-used zone(s)."""
    result = list(existing[:count])
    use = Counter(z for entry in result for z in parse_entry(entry))
    while len(result) < count:
        ranked = sorted(zones, key=lambda z: (use[z], zones.index(z)))
        chosen = tuple(ranked[:2]) if regional else (ranked[0],)
        chosen = tuple(sorted(chosen, key=zones.index))
        use.update(chosen)
        result.append(format_entry(chosen))
    return result
