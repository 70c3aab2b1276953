"""Ready-made settings for the seeds' apps: a stack picks one and overrides any key.

Values are grouped as the inputs are, and merged under what the stack sets, group by group.
Each preset's image runs as a non-root user with a read-only root filesystem; its data lives
on the claimed disk.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KUBIA: dict[str, Any] = {
    # Kubernetes in Action, ch. 10: a pet that stores what it is POSTed under /var/data.
    "name": "kubia",
    "image": "luksa/kubia-pet",
    "storage": {"claimName": "data", "mountPath": "/var/data"},
    "container": {
        "containerPort": 8080,
        "portName": "http",
        "readinessProbe": {"type": "http", "path": "/"},
        "livenessProbe": {"type": "tcp"},
        "cpuRequest": "50m",
        "memoryRequest": "64Mi",
        "cpuLimit": "500m",
        "memoryLimit": "128Mi",
    },
    "network": {"servicePort": 80},
    "pods": {"terminationGracePeriodSeconds": 10},
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
# start only then. It serves nothing meanwhile (a replica of nothing, with no stale reads).
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
    "storage": {"claimName": "redis-data", "mountPath": "/data"},
    "container": {
        # The password reaches redis as a config file from the Secret, never on the command
        # line.
        "args": ["{passwordMount}/auth.conf", "--appendonly", "yes"],
        "containerPort": 6379,
        "portName": "redis",
        "readinessProbe": {"type": "exec", "command": REDIS_AUTH_ENV + REDIS_READY},
        "livenessProbe": {"type": "tcp"},
        "startupProbe": {"type": "tcp"},
        "cpuRequest": "100m",
        "memoryRequest": "128Mi",
        "cpuLimit": "1",
        "memoryLimit": "512Mi",
    },
    "security": {
        "passwordMount": "/etc/redis-auth",
        "passwordConfigLine": "requirepass {password}",
    },
    "network": {"servicePort": 6379},
    "pods": {"terminationGracePeriodSeconds": 30},
}

PRESETS: dict[str, dict[str, Any]] = {"kubia": KUBIA, "redis": REDIS}
# The settings some preset sets, by name.
PRESET_KEYS: frozenset[str] = frozenset(
    leaf
    for preset in PRESETS.values()
    for key, value in preset.items()
    for leaf in (value if isinstance(value, dict) else [key])
)


def with_preset(args: Mapping[str, Any]) -> dict[str, Any]:
    """`args` over the preset they name (if they name a known one), group by group."""
    preset = PRESETS.get(str(args.get("preset", "none")), {})
    merged = {**preset, **args}
    for group, values in preset.items():
        given = args.get(group)
        if isinstance(values, dict) and isinstance(given, Mapping):
            merged[group] = {**values, **given}
    return merged
