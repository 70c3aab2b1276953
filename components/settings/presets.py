"""Ready-made settings for the seeds' apps: a stack picks one and overrides any key.

Values are flat settings (see `arg_paths` for where each sits in the grouped inputs), merged
under what the stack sets. Each preset's image runs as
a non-root user with a read-only root filesystem; its data lives on the claimed disk.
"""

from __future__ import annotations

from typing import Any

KUBIA: dict[str, Any] = {
    # Kubernetes in Action, ch. 10: a pet that stores what it is POSTed under /var/data.
    "name": "kubia",
    "image": "luksa/kubia-pet",
    "containerPort": 8080,
    "portName": "http",
    "servicePort": 80,
    "claimName": "data",
    "mountPath": "/var/data",
    "readinessProbe": {"type": "http", "path": "/"},
    "livenessProbe": {"type": "tcp"},
    "cpuRequest": "50m",
    "memoryRequest": "64Mi",
    "cpuLimit": "500m",
    "memoryLimit": "128Mi",
    "terminationGracePeriodSeconds": 10,
}

# The Redis password, from the mounted Secret into redis-cli's REDISCLI_AUTH, for the probe,
# the preStop hook and verify alike. `$(cat ...)` drops trailing newlines: a final "." keeps
# them, then goes.
REDIS_AUTH_ENV = (
    'REDISCLI_AUTH="$(cat {passwordMount}/password; printf .)"; '
    'export REDISCLI_AUTH="${REDISCLI_AUTH%.}"; '
)


# Ready: the server answers with the pod's own password, and a replica is linked to its
# primary and done syncing (a replica whose `masterauth` is wrong answers PING but serves no
# current data). redis-cli exits 0 on an error reply (a wrong password's), so the reply is
# read, not the exit code. With replication, a server waiting for its peers before it takes a
# role (redis_replication, START_SCRIPT) is Ready: under OrderedReady the peers it waits for
# start only then. It refuses writes meanwhile (it is a replica of nothing).
WAITING_FOR_PEERS = "/tmp/redis-waiting-for-peers"
REDIS_READY = (
    f"[ -e {WAITING_FOR_PEERS} ] && exit 0; "
    'info="$(redis-cli INFO replication)" || exit 1; '
    'case "$info" in *role:master*) exit 0 ;; *master_link_status:up*) ;; *) exit 1 ;; esac; '
    'case "$info" in *master_sync_in_progress:0*) exit 0 ;; esac; exit 1'
)


def redis_auth_env(password_mount: str) -> str:
    """REDIS_AUTH_ENV for the Secret mounted at `password_mount`."""
    return REDIS_AUTH_ENV.replace("{passwordMount}", password_mount)


REDIS: dict[str, Any] = {
    # Redis with append-only persistence on /data and password auth from a Secret.
    "name": "redis",
    "image": "redis:7.0",
    # The password reaches redis as a config file from the Secret, never on the command line.
    "args": ["{passwordMount}/auth.conf", "--appendonly", "yes"],
    "containerPort": 6379,
    "portName": "redis",
    "servicePort": 6379,
    "claimName": "redis-data",
    "mountPath": "/data",
    "passwordMount": "/etc/redis-auth",
    "passwordConfigLine": "requirepass {password}",
    "readinessProbe": {"type": "exec", "command": REDIS_AUTH_ENV + REDIS_READY},
    "livenessProbe": {"type": "tcp"},
    "startupProbe": {"type": "tcp"},
    "cpuRequest": "100m",
    "memoryRequest": "128Mi",
    "cpuLimit": "1",
    "memoryLimit": "512Mi",
    "terminationGracePeriodSeconds": 30,
}

PRESETS: dict[str, dict[str, Any]] = {"kubia": KUBIA, "redis": REDIS}
PRESET_KEYS: frozenset[str] = frozenset(key for preset in PRESETS.values() for key in preset)


def with_preset(raw: dict[str, Any]) -> dict[str, Any]:
    """`raw` over the preset it names (if it names a known one)."""
    return {**PRESETS.get(str(raw.get("preset", "none")), {}), **raw}
