"""Redis' memory ceiling, from the container's memory limit.

Without `maxmemory` Redis grows until the kernel kills the container at its limit. With it,
writes past the ceiling are refused (`noeviction`) or make room as the policy says. The
ceiling leaves the rest of the limit for what Redis holds beyond its dataset: a replica's
output buffer during a full sync (256 MiB hard limit by default), the copy-on-write pages of
the child that rewrites the AOF or saves an RDB, and the allocator's fragmentation.
"""

from __future__ import annotations

from ..settings.app_settings import AppSettings
from ..settings.quantity import quantity_bytes

# The share of the memory limit the dataset may use.
AUTO_SHARE = 0.6


def maxmemory_bytes(settings: AppSettings) -> int | None:
    """The ceiling: as given, or AUTO_SHARE of the memory limit; None with neither."""
    if settings.redis.maxmemory != "auto":
        return quantity_bytes(settings.redis.maxmemory)
    if not settings.container.memory_limit:
        return None
    return int(quantity_bytes(settings.container.memory_limit) * AUTO_SHARE)


def redis_args(settings: AppSettings) -> list[str]:
    """The server's memory arguments, for the redis preset."""
    if settings.preset != "redis":
        return []
    ceiling = maxmemory_bytes(settings)
    if ceiling is None:
        return []
    return ["--maxmemory", str(ceiling), "--maxmemory-policy", settings.redis.maxmemory_policy]
