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

from ..settings import naming
from ..settings.app_settings import SENTINEL_PORT, SENTINEL_PORT_NAME, AppSettings
from ..settings.presets import WAITING_FOR_PEERS, redis_auth_env

# The replica may lag this many seconds behind before the primary counts it out, so that a
# primary cut off from its replicas refuses writes before a replica can be promoted in its
# place. Replicas acknowledge every second (REPLCONF ACK); the primary counts a replica while
# `unixtime - repl_ack_time <= max-lag`, in whole seconds, refreshed once a second (redis 7.0
# src/replication.c, refreshGoodSlavesCount, run by replicationCron): so it stops answering
# OK at most max-lag + 2 s after its last acknowledgement, 4 s here. A Sentinel judges it down
# only after DOWN_AFTER_MS without a valid reply (pinged every second: at least 5 s after the
# cut), then elects and promotes. Measured with 3 s: OK answered up to 5.4 s after a
# partition, promotion at 5.8 s.
MAX_LAG_SECONDS = 2

# Where a server waits, undecided, for its peers: a replica of nothing (it loads its data,
# refuses writes, and is never promoted by Sentinel: replica-priority 0), until it knows
# whom to follow or that it may lead. It serves no reads either: what it holds may be older
# than what the cluster acknowledged, and the pod is Ready while it waits (presets,
# REDIS_READY). With `replica-serve-stale-data no` a replica whose link is not up answers
# every command without the STALE flag with MASTERDOWN (redis 7.0 src/server.c,
# processCommand); INFO, ROLE, CONFIG SET, REPLICAOF, CLIENT PAUSE and SHUTDOWN have it
# (src/commands/*.json), PING has not, and Sentinel counts MASTERDOWN as a valid reply to
# its PING (src/sentinel.c, sentinelPingReplyCallback).
UNDECIDED = [
    "--replicaof",
    "127.0.0.1",
    "1",
    "--replica-priority",
    "0",
    "--replica-serve-stale-data",
    "no",
]
# Redis' own default, restored once the server has a role, unless the container's args set
# it: a replica that loses its link later serves what it holds until a failover.
SERVE_STALE_DATA = "yes"

# The server's role, chosen by data, not by ordinal. After the server has loaded its data,
# every second until decided:
# 1. a peer that is a primary (the one the Sentinels name, if several) is followed;
# 2. with Sentinel, once a majority of the Sentinels answer from their recorded state, the
#    primary of the highest config epoch leads, if it holds data; the others wait for it.
#    The state survives restarts (it is kept on each pod's disk), so after a full restart
#    the pod promoted last leads again, whatever the pods' order;
# 3. with no state anywhere (a new cluster), the bootstrap pod leads once every pod answers
#    and none holds data; without Sentinel, the bootstrap pod leads when it holds data, or
#    when every pod answers and none does.
# A server that holds no data never leads while a peer that does is unaccounted for: it
# waits, and so does every pod when no pod can prove it holds the newest data (an operator
# picks one: docs/redis.md, 'When no pod can lead'). Replication offsets cannot decide after
# a restart: with appendonly the server reloads its data without them (redis 7.0
# src/server.c, loadDataFromDisk: only the RDB path restores the replication id and offset).
DECIDE = """\
decide() {{
  until redis-cli INFO persistence 2>/dev/null | tr -d '\\r' | grep -q '^loading:0'; do
    kill -0 $$ 2>/dev/null || exit 0
    sleep 0.2
  done
  while kill -0 $$ 2>/dev/null; do
    masters=""; answered=0; filled=0; refused=""
    for peer in $peers; do
      info="$(timeout 2 redis-cli -h "$peer" -p {port} INFO 2>/dev/null | tr -d '\\r')"
      case "$info" in
        # Still loading its data: what it holds is not known yet.
        *loading:1*) continue ;;
        *redis_version:*) answered=$((answered + 1)) ;;
        # It answers, but not to this pod's password: a broken pod, never a Ready one.
        *NOAUTH*|*WRONGPASS*) refused="$refused $peer"; continue ;;
        *) continue ;;
      esac
      case "$info" in *role:master*) masters="$masters $peer" ;; esac
      if printf '%s\\n' "$info" | grep -q '^db[0-9]*:keys='; then filled=$((filled + 1)); fi
    done
    mine="$(redis-cli INFO keyspace | tr -d '\\r' | grep -c '^db[0-9]*:keys=')"
{sentinel_view}    target="$(pick)"
    if [ -n "$target" ]; then
      redis-cli REPLICAOF "$target" {port} >/dev/null
      rm -f {waiting}
      echo "role: following $target" >&2
      # Promotable (replica-priority) only once it holds the primary's data.
      until redis-cli INFO replication | tr -d '\\r' | grep -q '^master_link_status:up'; do
        kill -0 $$ 2>/dev/null || exit 0
        sleep 1
      done
      redis-cli CONFIG SET replica-priority 100 replica-serve-stale-data {serve_stale} >/dev/null
      return
    fi
    unblock
    if leads; then
      redis-cli REPLICAOF NO ONE >/dev/null
      redis-cli CONFIG SET replica-priority 100 replica-serve-stale-data {serve_stale} >/dev/null
      rm -f {waiting}
      echo "role: primary" >&2
      return
    fi
    if [ -n "$refused" ]; then
      rm -f {waiting}
      echo "role: undecided, refused by$refused (another password?)" >&2
    else
      [ -e {waiting} ] || echo "role: waiting for peers ($answered of {peer_count} answer," \\
        "$filled hold data; own data: $mine)" >&2
      touch {waiting}
    fi
    sleep 1
  done
}}
"""
# With Sentinel: $named, the primary of the highest config epoch among the Sentinels that
# answer from recorded state, and $stated, how many do.
SENTINEL_VIEW = """\
    named=""; stated=0; best=-1
    for host in "$self" $peers; do
      view="$(timeout 2 env -u REDISCLI_AUTH redis-cli -h "$host" -p {sentinel_port} --raw \\
        SENTINEL master {master} 2>/dev/null | tr -d '\\r')"
      epoch="$(printf '%s\\n' "$view" | sed -n '/^config-epoch$/{{n;p;}}')"
      ip="$(printf '%s\\n' "$view" | sed -n '/^ip$/{{n;p;}}')"
      case "$epoch" in ''|*[!0-9]*) continue ;; esac
      [ -n "$ip" ] || continue
      stated=$((stated + 1))
      if [ "$epoch" -gt "$best" ]; then best="$epoch"; named="$ip"; fi
    done
"""
LEADS_WITH_SENTINEL = """\
# The primary to follow: once a majority of the Sentinels answer, only the one they name, and
# only while it is a primary (a peer that still calls itself primary, back from a partition
# or a pause, is not followed: its data is older than the Sentinels' choice). With no state
# anywhere (a new cluster), the one peer that is a primary.
pick() {{
  if [ "$stated" -ge {majority} ]; then
    for master in $masters; do [ "$master" != "$named" ] || echo "$master"; done
  elif [ "$stated" -eq 0 ]; then
    set -- $masters
    [ $# -ne 1 ] || echo "$1"
  fi
}}
leads() {{
  if [ "$stated" -ge {majority} ]; then
    [ "$named" = "$self" ] || return 1
    [ "$mine" -gt 0 ] || {{ [ "$answered" -eq {peer_count} ] && [ "$filled" -eq 0 ]; }}
    return
  fi
  [ "$stated" -eq 0 ] && [ "$self" = "{bootstrap}" ] && [ "$answered" -eq {peer_count} ] &&
    [ "$filled" -eq 0 ] && [ "$mine" -eq 0 ]
}}
# Named the primary by the Sentinels' majority, holding no data while a peer holds some (a
# new disk in its place): the server stops, so that the Sentinels see their primary down and
# elect a failover to the replica with the most data (the container then restarts and
# follows it). Waiting instead would leave them to notice a primary that reports itself a
# replica only after down-after plus two INFO periods; a forced `SENTINEL failover` could
# race a failover they are already electing.
unblock() {{
  [ "$stated" -ge {majority} ] && [ "$named" = "$self" ] && [ "$mine" -eq 0 ] &&
    [ "$filled" -gt 0 ] || return 0
  echo "role: named the primary, with no data while $filled peers hold some: stopping," \\
    "so that the Sentinels fail over to one of them" >&2
  redis-cli SHUTDOWN NOSAVE >/dev/null 2>&1
  exit 0
}}
"""
LEADS_WITHOUT_SENTINEL = """\
# The primary to follow: the one peer that is a primary (the first ordinal's, or the one an
# operator promoted); two at once are followed by neither.
pick() {{
  set -- $masters
  [ $# -ne 1 ] || echo "$1"
}}
unblock() {{ :; }}
leads() {{
  [ "$self" = "{bootstrap}" ] || return 1
  [ "$mine" -gt 0 ] && return 0
  [ "$answered" -eq {peer_count} ] && [ "$filled" -eq 0 ]
}}
"""

START_SCRIPT = """\
# This pod's role, chosen once its data is loaded (see decide).
{auth}
self="$HOSTNAME.{service}.{namespace}.svc.cluster.local"
peers=""
for pod in {pods}; do [ "$pod" = "$self" ] || peers="$peers $pod"; done
rm -f {waiting}
{decide}decide &
exec redis-server "$@" {undecided} --replica-announce-ip "$self"
"""

# The Sentinel's state (its epochs, the primary, the replicas and Sentinels it knows) is kept
# on the pod's disk, without the password: its config is rebuilt in /tmp from that state and
# the Secret at every start, and the state copied back whenever Sentinel rewrites the config.
# A Sentinel with no state yet starts empty and monitors the primary its own server follows
# (or is) once the server has decided, offering it until Sentinel answers OK: Sentinel may
# listen only later than the server answers (redis-cli exits 0 even when it cannot connect).
SENTINEL_SCRIPT = """\
{auth}
self="$HOSTNAME.{service}.{namespace}.svc.cluster.local"
state={state}
settings() {{
  echo "sentinel down-after-milliseconds {master} {down_after}"
  echo "sentinel failover-timeout {master} {failover_timeout}"
  echo "sentinel parallel-syncs {master} 1"
}}
{{
  echo "port {sentinel_port}"
  echo "sentinel resolve-hostnames yes"
  echo "sentinel announce-hostnames yes"
  echo "sentinel announce-ip $self"
  if [ -s "$state" ]; then
    grep '^sentinel monitor ' "$state"
    settings
    cat {password_mount}/{auth_key}
    grep -v '^sentinel monitor ' "$state"
  fi
}} > {config}
keep_state() {{
  while kill -0 $$ 2>/dev/null; do
    grep -E "^sentinel ({kept}) " {config} > "$state.new" 2>/dev/null
    if grep -q '^sentinel monitor ' "$state.new" && ! cmp -s "$state.new" "$state"; then
      mv "$state.new" "$state"
    fi
    sleep 1
  done
}}
monitor_when_decided() {{
  while kill -0 $$ 2>/dev/null; do
    role="$(redis-cli ROLE 2>/dev/null | tr -d '\\r')"
    case "$role" in
      master*) primary="$self" ;;
      slave*connected*) primary="$(printf '%s\\n' "$role" | sed -n 2p)" ;;
      *) primary="" ;;
    esac
    if [ -n "$primary" ] && [ "$primary" != 127.0.0.1 ]; then
      answer="$({{
        echo "SENTINEL MONITOR {master} $primary {port} 2"
        {{ settings; cat {password_mount}/{auth_key}; }} |
          sed 's/^sentinel \\([a-z-]*\\) {master} /SENTINEL SET {master} \\1 /'
      }} | env -u REDISCLI_AUTH redis-cli -p {sentinel_port} 2>&1 | head -n 1)"
      case "$answer" in OK | *"Duplicate master name"*) return ;; esac
    fi
    sleep 1
  done
}}
keep_state &
[ -s "$state" ] || monitor_when_decided &
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
# A Sentinel is Ready when it answers; once it monitors a primary, only if the password it
# authenticates with (the Secret's auth-pass line, sent as AUTH) is the one this pod's server
# takes, and if it knows another Sentinel whenever another pod exists (a name that resolves:
# a pod not yet created, under OrderedReady, is not waited for; nor is every peer, so that
# one broken pod does not take the others out of service). A Sentinel with the wrong
# password, or one cut off from the others, would sit out every failover.
SENTINEL_READY = """\
view="$(timeout 2 redis-cli -p {sentinel_port} --raw SENTINEL master {master} 2>&1)" || exit 1
case "$view" in
  *"No such master"*) exit 0 ;;
  *config-epoch*) ;;
  *) exit 1 ;;
esac
answer="$(sed -n 's/^sentinel auth-pass [^ ]* /AUTH /p' {password_mount}/{auth_key} |
  timeout 2 redis-cli -p {port} 2>&1)"
[ "$answer" = OK ] || exit 1
self="$HOSTNAME.{service}.{namespace}.svc.cluster.local"
known="$(printf '%s\\n' "$view" | sed -n '/^num-other-sentinels$/{{n;p;}}')"
[ "${{known:-0}}" -gt 0 ] && exit 0
for pod in {pods}; do
  [ "$pod" = "$self" ] || ! getent hosts "$pod" >/dev/null 2>&1 || exit 1
done
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
# Relative to the pod's disk (the working directory): no password is ever written there.
SENTINEL_STATE = "sentinel-state.conf"
# The lines of Sentinel's rewritten config that hold its state (never `auth-pass`).
SENTINEL_STATE_LINES = (
    "myid",
    "monitor",
    "config-epoch",
    "leader-epoch",
    "current-epoch",
    "known-replica",
    "known-sentinel",
)
# A primary unanswering this long is down (at least a second beyond when an isolated primary
# stops taking writes: MAX_LAG_SECONDS); a failover that takes longer is retried.
DOWN_AFTER_MS = 6000
FAILOVER_TIMEOUT_MS = 60000


def replicates(settings: AppSettings) -> bool:
    """Whether the pods replicate one primary (the redis preset, `redis.replication`)."""
    return settings.preset == "redis" and bool(settings.redis.replication)


def primary_dns(settings: AppSettings) -> str:
    """The stable DNS name of the first bootstrap's primary: the first ordinal's pod."""
    service = settings.governing_service_name
    return naming.pod_dns(
        settings.name, settings.rollout.ordinals_start, service, settings.namespace
    )


def auth_line(settings: AppSettings) -> str:
    """The Secret's config line(s): with replication, the replicas' `masterauth` too."""
    line = settings.security.password_config_line
    if replicates(settings) and line:
        return f"{line}\nmasterauth {{password}}"
    return line


def master_name(settings: AppSettings) -> str:
    """The name Sentinel knows the primary by (clients ask for it)."""
    return settings.name


def _pods(settings: AppSettings) -> list[str]:
    return naming.pod_dns_names(
        settings.name,
        settings.running_ordinals,
        settings.governing_service_name,
        settings.namespace,
    )


def _decide(settings: AppSettings) -> str:
    """The shell that chooses the server's role: its `leads` rule, then `decide`."""
    pods = _pods(settings)
    peer_count = len(pods) - 1
    if settings.runs_sentinel:
        leads = LEADS_WITH_SENTINEL
        view = SENTINEL_VIEW.format(sentinel_port=SENTINEL_PORT, master=master_name(settings))
    else:
        leads, view = LEADS_WITHOUT_SENTINEL, ""
    return leads.format(
        majority=len(pods) // 2 + 1,
        bootstrap=primary_dns(settings),
        peer_count=peer_count,
        sentinel_port=SENTINEL_PORT,
        master=master_name(settings),
    ) + DECIDE.format(
        port=settings.container.container_port,
        sentinel_view=view,
        waiting=WAITING_FOR_PEERS,
        peer_count=peer_count,
        serve_stale=serve_stale_data(settings),
    )


def serve_stale_data(settings: AppSettings) -> str:
    """What a replica does with reads once the server has a role: the container's own
    `--replica-serve-stale-data` if its args give one (the last, as Redis reads them), else
    Redis' default. Only `yes` or `no` reach the script (Redis refuses any other value at
    start, and the script is shell)."""
    args = settings.container.args
    given = [
        args[i + 1].lower()
        for i, arg in enumerate(args[:-1])
        if arg.lower() == "--replica-serve-stale-data"
    ]
    return given[-1] if given and given[-1] in ("yes", "no") else SERVE_STALE_DATA


def command(settings: AppSettings) -> list[str] | None:
    """The container's command: the start script, whose arguments are the server's."""
    if not replicates(settings):
        return None
    script = START_SCRIPT.format(
        auth=redis_auth_env(settings.security.password_mount).rstrip(),
        service=settings.governing_service_name,
        namespace=settings.namespace,
        pods=" ".join(_pods(settings)),
        waiting=WAITING_FOR_PEERS,
        decide=_decide(settings),
        undecided=" ".join(UNDECIDED),
    )
    # After the script, `sh -c` takes $0 (a name), then "$@": the container's args.
    return ["sh", "-c", script, "redis-server"]


def replication_args(settings: AppSettings) -> list[str]:
    """Server arguments every pod gets with replication."""
    if not replicates(settings) or not settings.redis.min_replicas_to_write:
        return []
    return [
        "--min-replicas-to-write",
        str(settings.redis.min_replicas_to_write),
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
        auth=redis_auth_env(settings.security.password_mount).rstrip(),
        service=settings.governing_service_name,
        namespace=settings.namespace,
        state=SENTINEL_STATE,
        kept="|".join(SENTINEL_STATE_LINES),
        sentinel_port=SENTINEL_PORT,
        master=master_name(settings),
        port=settings.container.container_port,
        down_after=DOWN_AFTER_MS,
        failover_timeout=FAILOVER_TIMEOUT_MS,
        password_mount=settings.security.password_mount,
        auth_key=SENTINEL_AUTH_KEY,
        config=SENTINEL_CONFIG,
    )
    probe = {"tcpSocket": {"port": SENTINEL_PORT_NAME}, "periodSeconds": 10}
    ready = SENTINEL_READY.format(
        service=settings.governing_service_name,
        namespace=settings.namespace,
        pods=" ".join(_pods(settings)),
        sentinel_port=SENTINEL_PORT,
        master=master_name(settings),
        password_mount=settings.security.password_mount,
        auth_key=SENTINEL_AUTH_KEY,
        port=settings.container.container_port,
    )
    return {
        "name": "sentinel",
        "image": settings.image,
        # After the script, `sh -c` takes $0 (a name), then "$@": the container's args.
        "command": ["sh", "-c", script, "redis-sentinel"],
        "ports": [{"name": SENTINEL_PORT_NAME, "containerPort": SENTINEL_PORT, "protocol": "TCP"}],
        "readinessProbe": {"exec": {"command": ["sh", "-c", ready]}, "periodSeconds": 10},
        "livenessProbe": {**probe, "initialDelaySeconds": 10, "failureThreshold": 6},
        "lifecycle": sentinel_pre_stop(settings),
        # A ceiling well above what Sentinel uses (pings and INFO each second), so that it is
        # never throttled while it judges a primary down.
        "resources": {
            "requests": {"cpu": "50m", "memory": "64Mi"},
            "limits": {"cpu": "250m", "memory": "128Mi"},
        },
        # Its state is kept on the pod's own disk (a relative path: the disk is the
        # working directory, as it is the server's).
        "workingDir": settings.storage.mount_path,
        "volumeMounts": [
            {"name": settings.storage.claim_name, "mountPath": settings.storage.mount_path},
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "auth", "mountPath": settings.security.password_mount, "readOnly": True},
        ],
    }


def pre_stop(settings: AppSettings) -> dict[str, Any] | None:
    """The Redis container's preStop hook: a primary hands its role over first."""
    if not settings.runs_sentinel:
        return None
    script = PRE_STOP.format(
        auth=redis_auth_env(settings.security.password_mount).rstrip(),
        sentinel_port=SENTINEL_PORT,
        master=master_name(settings),
        pause_ms=PAUSE_MS,
        service=settings.governing_service_name,
        namespace=settings.namespace,
        port=settings.container.container_port,
    )
    return {"preStop": {"exec": {"command": ["sh", "-c", script]}}}


def sentinel_pre_stop(settings: AppSettings) -> dict[str, Any]:
    """The Sentinel container's preStop hook: it outlives its Redis container's hand-over."""
    script = SENTINEL_PRE_STOP.format(auth=redis_auth_env(settings.security.password_mount))
    return {"preStop": {"exec": {"command": ["sh", "-c", script]}}}
