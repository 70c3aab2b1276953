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

from typing import Any

from .. import naming
from ..presets import redis_auth_env
from ..settings import SENTINEL_PORT, SENTINEL_PORT_NAME, AppSettings

# The replica may lag this many seconds behind before the primary counts it out. Below the
# Sentinels' down-after time (DOWN_AFTER_MS, 5 s), so that a primary cut off from its
# replicas refuses writes before a replica can be promoted in its place: replicas acknowledge
# every second (REPLCONF ACK), so an isolated primary stops answering OK within about 4 s,
# where a failover starts no sooner than 5 s after the last answer.
MAX_LAG_SECONDS = 3

# Sets $primary: the primary the Sentinels agree on, if any answers, else the first
# bootstrap's (never a second primary beside one that Sentinel promoted).
FIND_PRIMARY = """\
primary=""
for sentinel in {sentinels}; do
  answer="$(timeout 3 redis-cli -h "$sentinel" -p {sentinel_port} --raw \\
    SENTINEL get-master-addr-by-name {master} 2>/dev/null | head -n 1)" || answer=""
  case "$answer" in *.*) primary="$answer"; break ;; esac
done
[ -n "$primary" ] || primary="{bootstrap}"
"""

START_SCRIPT = """\
# This pod's role: a replica of the current primary, or the primary itself.
self="$HOSTNAME.{service}.{namespace}.svc.cluster.local"
{find_primary}if [ "$self" = "$primary" ]; then
  exec redis-server "$@" --replica-announce-ip "$self"
fi
exec redis-server "$@" --replicaof "$primary" {port} --replica-announce-ip "$self"
"""

SENTINEL_SCRIPT = """\
# This pod's Sentinel, watching the current primary; its config is writable (it rewrites it).
self="$HOSTNAME.{service}.{namespace}.svc.cluster.local"
{find_primary}{{
  echo "port {sentinel_port}"
  echo "sentinel resolve-hostnames yes"
  echo "sentinel announce-hostnames yes"
  echo "sentinel announce-ip $self"
  echo "sentinel monitor {master} $primary {port} 2"
  echo "sentinel down-after-milliseconds {master} {down_after}"
  echo "sentinel failover-timeout {master} {failover_timeout}"
  echo "sentinel parallel-syncs {master} 1"
  cat {password_mount}/{auth_key}
}} > {config}
exec redis-sentinel {config} "$@"
"""

# Before the primary's pod stops (a node upgrade, a rollout), hand the role to a replica
# without losing an acknowledged write: pause writes here first (a paused write is never
# acknowledged, and fails READONLY once this server is a replica), wait until a replica holds
# everything written before the pause, then ask Sentinel (which promotes the replica with the
# highest offset). redis-cli exits 0 on an error reply (NOGOODSLAVE, INPROG), so the reply is
# read: anything but OK unpauses and leaves the failover to Sentinel's down-detection. The
# whole hook fits the pod's grace period (at most 5 s + 5 s + 30 s, 10 s when Sentinel
# answers at once; the kubelet stops the container at the grace period regardless).
PRE_STOP = """\
{auth}
[ "$(redis-cli ROLE | head -n 1)" = master ] || exit 0
[ "$(redis-cli CLIENT PAUSE {pause_ms} WRITE)" = OK ] || exit 0
offset="$(redis-cli INFO replication | tr -d '\\r' | sed -n 's/^master_repl_offset://p')"
caught_up() {{
  for held in $(redis-cli INFO replication | tr -d '\\r' |
      sed -n 's/^slave[0-9]*:.*state=online,offset=\\([0-9]*\\),.*/\\1/p'); do
    [ "$held" -ge "$offset" ] && return 0
  done
  return 1
}}
for _ in $(seq 25); do
  caught_up && break
  sleep 0.2
done
# Sentinel takes no password: redis-cli would try REDISCLI_AUTH on it.
answer="$(timeout 5 env -u REDISCLI_AUTH redis-cli -p {sentinel_port} SENTINEL failover {master})"
if [ "$answer" != OK ]; then
  echo "preStop: SENTINEL failover answered: $answer" >&2
  redis-cli CLIENT UNPAUSE >/dev/null
  exit 0
fi
# Once Sentinel names the new primary, follow it at once: Sentinel's own reconfiguration of
# this server (a MULTI/EXEC) waits behind the pause.
self="$HOSTNAME.{service}.{namespace}.svc.cluster.local"
for _ in $(seq 20); do
  primary="$(timeout 1 env -u REDISCLI_AUTH redis-cli -p {sentinel_port} --raw \\
    SENTINEL get-master-addr-by-name {master} | head -n 1)"
  if [ -n "$primary" ] && [ "$primary" != "$self" ]; then
    redis-cli REPLICAOF "$primary" {port} >/dev/null
    redis-cli CLIENT UNPAUSE >/dev/null
    exit 0
  fi
  sleep 0.5
done
redis-cli CLIENT UNPAUSE >/dev/null
"""
# The kubelet stops each container after its own preStop: the Sentinel's waits until the
# Redis container beside it is no longer the primary, so the Sentinel asked for the failover
# is still up to carry it out.
SENTINEL_PRE_STOP = """\
{auth}
for _ in $(seq 25); do
  [ "$(redis-cli ROLE | head -n 1)" = master ] || exit 0
  sleep 1
done
"""
# How long writes stay paused at most (the hook unpauses as soon as the role has moved).
PAUSE_MS = 25000

SENTINEL_AUTH_KEY = "sentinel.conf"
SENTINEL_CONFIG = "/tmp/sentinel.conf"
# A primary unanswering this long is down; a failover that takes longer is retried.
DOWN_AFTER_MS = 5000
FAILOVER_TIMEOUT_MS = 60000


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


def master_name(settings: AppSettings) -> str:
    """The name Sentinel knows the primary by (clients ask for it)."""
    return settings.name


def _find_primary(settings: AppSettings) -> str:
    if not settings.runs_sentinel:
        return f'primary="{primary_dns(settings)}"\n'
    return FIND_PRIMARY.format(
        sentinels=" ".join(
            naming.pod_dns_names(
                settings.name,
                settings.running_ordinals,
                settings.governing_service_name,
                settings.namespace,
            )
        ),
        sentinel_port=SENTINEL_PORT,
        master=master_name(settings),
        bootstrap=primary_dns(settings),
    )


def command(settings: AppSettings) -> list[str] | None:
    """The container's command: the start script, whose arguments are the server's."""
    if not replicates(settings):
        return None
    script = START_SCRIPT.format(
        service=settings.governing_service_name,
        namespace=settings.namespace,
        find_primary=_find_primary(settings),
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


def sentinel_auth_line(settings: AppSettings) -> str | None:
    """The Secret's line giving Sentinel the password (`sentinel auth-pass`)."""
    if not settings.runs_sentinel:
        return None
    return f"sentinel auth-pass {master_name(settings)} {{password}}"


def sentinel_container(settings: AppSettings) -> dict[str, Any] | None:
    """The Sentinel sidecar (same image and security as Redis), or None."""
    if not settings.runs_sentinel:
        return None
    script = SENTINEL_SCRIPT.format(
        service=settings.governing_service_name,
        namespace=settings.namespace,
        find_primary=_find_primary(settings),
        sentinel_port=SENTINEL_PORT,
        master=master_name(settings),
        port=settings.container_port,
        down_after=DOWN_AFTER_MS,
        failover_timeout=FAILOVER_TIMEOUT_MS,
        password_mount=settings.password_mount,
        auth_key=SENTINEL_AUTH_KEY,
        config=SENTINEL_CONFIG,
    )
    probe = {"tcpSocket": {"port": SENTINEL_PORT_NAME}, "periodSeconds": 10}
    return {
        "name": "sentinel",
        "image": settings.image,
        # After the script, `sh -c` takes $0 (a name), then "$@": the container's args.
        "command": ["sh", "-c", script, "redis-sentinel"],
        "ports": [{"name": SENTINEL_PORT_NAME, "containerPort": SENTINEL_PORT, "protocol": "TCP"}],
        "readinessProbe": probe,
        "livenessProbe": {**probe, "initialDelaySeconds": 10, "failureThreshold": 6},
        "lifecycle": sentinel_pre_stop(settings),
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
        "volumeMounts": [
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "auth", "mountPath": settings.password_mount, "readOnly": True},
        ],
    }


def pre_stop(settings: AppSettings) -> dict[str, Any] | None:
    """The Redis container's preStop hook: a primary hands its role over first."""
    if not settings.runs_sentinel:
        return None
    script = PRE_STOP.format(
        auth=redis_auth_env(settings.password_mount),
        sentinel_port=SENTINEL_PORT,
        master=master_name(settings),
        pause_ms=PAUSE_MS,
        service=settings.governing_service_name,
        namespace=settings.namespace,
        port=settings.container_port,
    )
    return {"preStop": {"exec": {"command": ["sh", "-c", script]}}}


def sentinel_pre_stop(settings: AppSettings) -> dict[str, Any]:
    """The Sentinel container's preStop hook: it outlives its Redis container's hand-over."""
    script = SENTINEL_PRE_STOP.format(auth=redis_auth_env(settings.password_mount))
    return {"preStop": {"exec": {"command": ["sh", "-c", script]}}}
