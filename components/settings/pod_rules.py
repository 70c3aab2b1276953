"""Rules on the pod that the API server, the kubelet or the Pod Security admission would
enforce only at deploy time, checked before anything is created.

Each function returns problem lines `<config key>: <what is wrong>` (the settings' cross-field
form). The Pod Security rules follow the Pod Security Standards (kubernetes.io/docs/concepts/
security/pod-security-standards, the `restricted` and `baseline` profiles), applied to what the
escape hatches add: init containers, sidecars and `podSpecOverrides`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from . import naming
from .quantity import quantity_bytes

if TYPE_CHECKING:
    from .app_settings import AppSettings

# A ConfigMap's whole data is limited to 1 MiB (the API server's object size check).
CONFIG_MAP_MAX_BYTES = 1024 * 1024
# Names the component gives containers itself, besides the app's own.
SENTINEL_CONTAINER = "sentinel"
EXPORTER_CONTAINER = "metrics"
# podSpecOverrides keys that would replace what the component builds (lists are replaced
# whole by the merge), and the setting to use instead.
OWNED_POD_FIELDS = {
    "containers": "pods.sidecars",
    "initContainers": "pods.initContainers",
    "volumes": "storage.extraClaims (the pod's own tmp, auth and config volumes must stay)",
}
BUILT_IN_PRIORITY_CLASSES = ("system-cluster-critical", "system-node-critical")
PRIORITY_CLASS_MAX = 253
# Environment variable names that hold a secret: env values are plain text in the
# StatefulSet, readable by anyone who can read it.
SECRET_ENV_NAME = re.compile(
    r"(^|_)(PASSWORD|PASSWD|PASS|SECRET|TOKEN|API_?KEY|PRIVATE_KEY|CREDENTIALS?)$", re.I
)
# The levels of the Pod Security Standards, weakest last.
LEVELS = ("restricted", "baseline", "privileged")
# Capabilities the baseline profile allows a container to add; restricted allows only the
# first.
BASELINE_CAPABILITIES = frozenset(
    {
        "NET_BIND_SERVICE",
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)
RESTRICTED_VOLUMES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)


def _cpu_millis(text: str) -> float:
    return float(text[:-1]) if text.endswith("m") else float(text) * 1000


def resource_problems(s: AppSettings) -> list[str]:
    """A request above its limit is refused by the API server."""
    problems = []
    if (
        s.container.cpu_request
        and s.container.cpu_limit
        and _cpu_millis(s.container.cpu_request) > _cpu_millis(s.container.cpu_limit)
    ):
        problems.append(
            f"cpuRequest: expected at most cpuLimit ({s.container.cpu_limit}); Kubernetes refuses "
            f"a request above its limit"
        )
    if (
        s.container.memory_request
        and s.container.memory_limit
        and quantity_bytes(s.container.memory_request) > quantity_bytes(s.container.memory_limit)
    ):
        problems.append(
            f"memoryRequest: expected at most memoryLimit ({s.container.memory_limit}); Kubernetes "
            f"refuses a request above its limit"
        )
    return problems


def config_problems(s: AppSettings) -> list[str]:
    size = len(s.container.config_file.encode())
    if size > CONFIG_MAP_MAX_BYTES:
        return [
            f"configFile: expected at most 1 MiB ({CONFIG_MAP_MAX_BYTES} bytes), the size "
            f"limit of a ConfigMap; got {size} bytes"
        ]
    return []


def env_problems(s: AppSettings) -> list[str]:
    """A secret in `env` would be written in plain text into the StatefulSet."""
    return [
        f"env: {name} looks like a secret, and env values are plain text in the StatefulSet; "
        f"give it as the app's password instead (password, with security.passwordEnv: {name})"
        for name, value in s.container.env.items()
        if value and SECRET_ENV_NAME.search(name)
    ]


def priority_class_problems(s: AppSettings) -> list[str]:
    name = s.pods.priority_class_name
    if len(name) > PRIORITY_CLASS_MAX:
        return [f"priorityClassName: expected at most {PRIORITY_CLASS_MAX} characters"]
    if name.startswith("system-") and name not in BUILT_IN_PRIORITY_CLASSES:
        return [
            f"priorityClassName: names starting with system- are reserved; the only ones are "
            f"{' and '.join(BUILT_IN_PRIORITY_CLASSES)}"
        ]
    return []


def mount_problems(s: AppSettings) -> list[str]:
    """The app container's mount paths must differ (the API server refuses duplicates)."""
    mounts: list[tuple[str, str]] = [(c.mount_path, f"claim {c.name}") for c in s.storage.claims]
    if s.security.read_only_root_filesystem:
        mounts.append(("/tmp", "the writable /tmp of the read-only root"))
    if s.security.password_mount:
        mounts.append((s.security.password_mount, "passwordMount"))
    if s.container.config_file:
        mounts.append((s.container.config_file_path, "configFilePath"))
    seen: dict[str, str] = {}
    problems = []
    for path, what in mounts:
        normal = path.rstrip("/")
        if normal in seen:
            key = (
                "extraClaims"
                if what.startswith("claim") and s.storage.extra_claims
                else "mountPath"
            )
            if what in ("passwordMount", "configFilePath"):
                key = what
            problems.append(
                f"{key}: {what} is mounted at {path}, where {seen[normal]} is already mounted; "
                f"give each its own path"
            )
        seen.setdefault(normal, what)
    return problems


def _container_names(s: AppSettings) -> list[tuple[str, str]]:
    """(name, what) of every container the component itself puts in the pod."""
    names = [(s.name, "the app's container")]
    if s.runs_sentinel:
        names.append((SENTINEL_CONTAINER, "the Sentinel sidecar"))
    if s.preset == "redis" and s.redis.metrics:
        names.append((EXPORTER_CONTAINER, "the metrics exporter"))
    return names


def container_problems(s: AppSettings) -> list[str]:
    """Init containers and sidecars: DNS-label names, unique in the pod, a mapping for their
    securityContext."""
    problems = []
    taken = dict(_container_names(s))
    for key, containers in (
        ("initContainers", s.pods.init_containers),
        ("sidecars", s.pods.sidecars),
    ):
        for i, container in enumerate(containers):
            name = container.get("name", "")
            if not (len(name) <= naming.DNS_LABEL_MAX and naming.DNS1123_LABEL.fullmatch(name)):
                problems.append(
                    f"{key}: entry {i}: name {name!r} is not a DNS-1123 label (lower-case "
                    f"letters, digits and '-', at most 63 characters; for example log-shipper)"
                )
            elif name in taken:
                problems.append(
                    f"{key}: entry {i}: name {name!r} is already {taken[name]}'s; container "
                    f"names must differ within a pod"
                )
            taken.setdefault(name, f"{key} entry {i}")
            if not isinstance(container.get("securityContext", {}), Mapping):
                problems.append(
                    f"{key}: entry {i}: securityContext must be an object (a YAML mapping), "
                    f"for example {{readOnlyRootFilesystem: true}}"
                )
    return problems


def override_problems(s: AppSettings) -> list[str]:
    return [
        f"podSpecOverrides: {field} is built by the component, and a list given here would "
        f"replace it whole; use {instead}"
        for field, instead in OWNED_POD_FIELDS.items()
        if field in s.pods.pod_spec_overrides
    ]


def _weakening(context: Mapping[str, Any], level: str) -> Iterable[str]:
    """What a container's securityContext does that `level` forbids."""
    if context.get("privileged") is True and level != "privileged":
        yield "privileged: true"
    added = set((context.get("capabilities") or {}).get("add") or [])
    allowed = {"NET_BIND_SERVICE"} if level == "restricted" else BASELINE_CAPABILITIES
    if added - allowed and level != "privileged":
        yield f"capabilities.add {sorted(added - allowed)}"
    if (context.get("seccompProfile") or {}).get("type") == "Unconfined" and level != "privileged":
        yield "seccompProfile Unconfined"
    if context.get("procMount") == "Unmasked" and level != "privileged":
        yield "procMount Unmasked"
    if level == "restricted":
        if context.get("allowPrivilegeEscalation") is True:
            yield "allowPrivilegeEscalation: true"
        if context.get("runAsNonRoot") is False:
            yield "runAsNonRoot: false"
        if context.get("runAsUser") == 0:
            yield "runAsUser: 0"
        drop = (context.get("capabilities") or {}).get("drop")
        if drop is not None and "ALL" not in drop:
            yield "capabilities.drop without ALL"


def _pod_weakening(spec: Mapping[str, Any], level: str) -> Iterable[str]:
    if level == "privileged":
        return
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field) is True:
            yield f"{field}: true"
    for volume in spec.get("volumes") or []:
        kinds = set(volume) - {"name"} if isinstance(volume, Mapping) else set()
        if "hostPath" in kinds:
            yield "a hostPath volume"
        elif level == "restricted" and kinds - RESTRICTED_VOLUMES:
            yield f"a {sorted(kinds)[0]} volume"
    yield from _weakening(spec.get("securityContext") or {}, level)


def pod_security_problems(s: AppSettings) -> list[str]:
    """What the escape hatches add that the stack's Pod Security level forbids."""
    level = s.security.pod_security_level
    weaker = " or ".join(LEVELS[LEVELS.index(level) + 1 :])
    hint = (
        f"; the namespace's Pod Security level would refuse the pods. Remove it, or declare "
        f"a weaker level that the namespace enforces (security.podSecurityLevel: {weaker})"
    )
    problems = []
    for key, containers in (
        ("initContainers", s.pods.init_containers),
        ("sidecars", s.pods.sidecars),
    ):
        for i, container in enumerate(containers):
            context = container.get("securityContext") or {}
            if not isinstance(context, Mapping):
                continue
            for what in _weakening(context, level):
                problems.append(f"{key}: entry {i} sets {what}, forbidden at {level}{hint}")
            for port in container.get("ports") or []:
                if isinstance(port, Mapping) and port.get("hostPort") and level != "privileged":
                    problems.append(f"{key}: entry {i} sets a hostPort{hint}")
    for what in _pod_weakening(s.pods.pod_spec_overrides, level):
        problems.append(f"podSpecOverrides: sets {what}, forbidden at {level}{hint}")
    return problems


def problems(s: AppSettings) -> list[str]:
    """Every pod rule's problems."""
    return [
        *resource_problems(s),
        *config_problems(s),
        *env_problems(s),
        *priority_class_problems(s),
        *mount_problems(s),
        *container_problems(s),
        *override_problems(s),
        *pod_security_problems(s),
    ]
