"""Redis replication for the redis preset: one primary, every other pod its replica.

At first bootstrap the first ordinal is the primary; every other pod starts as its replica
(`replicaof` the primary's stable DNS name) and authenticates to it with `masterauth`, which
the Secret's `auth.conf` carries beside `requirepass` (the same password, quoted the same
way). Each server announces its own stable DNS name, not its pod IP, so what it reports
stays true across restarts. `min-replicas-to-write` makes the primary refuse writes that no
replica receives in time, rather than accept what a failover would lose.

The role is chosen by a start script run as the container's command (`sh -c`), so it shows
in the pod template and a change to it rolls the pods.
"""

from __future__ import annotations

from .. import naming
from ..settings import AppSettings

# The replica may lag this many seconds behind before the primary counts it out.
MAX_LAG_SECONDS = 10

START_SCRIPT = """\
# This pod's role: the primary at first bootstrap, otherwise a replica of it.
self="$HOSTNAME.{service}.{namespace}.svc.cluster.local"
primary="{primary}"
if [ "$self" = "$primary" ]; then
  exec redis-server "$@" --replica-announce-ip "$self"
fi
exec redis-server "$@" --replicaof "$primary" {port} --replica-announce-ip "$self"
"""


def replicates(settings: AppSettings) -> bool:
    """Whether the pods replicate one primary (the redis preset, `redis.replication`)."""
    return settings.preset == "redis" and bool(settings.replication)


def primary_dns(settings: AppSettings) -> str:
    """The stable DNS name of the first bootstrap's primary: the first ordinal's pod."""
    service = settings.governing_service_name
    return naming.pod_dns(settings.name, settings.ordinals_start, service, settings.namespace)


def auth_line(settings: AppSettings) -> str:
    """The Secret's config line(s): with replication, the replicas' `masterauth` too."""
    line = settings.password_config_line
    if replicates(settings) and line:
        return f"{line}\nmasterauth {{password}}"
    return line


def command(settings: AppSettings) -> list[str] | None:
    """The container's command: the start script, whose arguments are the server's."""
    if not replicates(settings):
        return None
    script = START_SCRIPT.format(
        service=settings.governing_service_name,
        namespace=settings.namespace,
        primary=primary_dns(settings),
        port=settings.container_port,
    )
    # After the script, `sh -c` takes $0 (a name), then "$@": the container's args.
    return ["sh", "-c", script, "redis-server"]


def replication_args(settings: AppSettings) -> list[str]:
    """Server arguments every pod gets with replication."""
    if not replicates(settings) or not settings.min_replicas_to_write:
        return []
    return [
        "--min-replicas-to-write",
        str(settings.min_replicas_to_write),
        "--min-replicas-max-lag",
        str(MAX_LAG_SECONDS),
    ]
