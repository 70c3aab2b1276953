"""The pod template: a restricted-profile security context, probes, resources, config.

What a careful operator writes by hand: non-root with explicit ids, seccomp RuntimeDefault,
no privilege escalation, no capabilities, a read-only root filesystem with a writable /tmp,
fsGroup so the disk is writable (changed only when the root of the volume does not match).
"""

from __future__ import annotations

import hashlib
import posixpath
from typing import Any

from ..settings.app_settings import SENTINEL_PORT_NAME, AppSettings
from ..settings.setting_types import Probe, Toleration
from .labels import metadata, selector_labels
from .redis_memory import redis_args
from .redis_metrics import exporter_container
from .redis_replication import command, pre_stop, replication_args, sentinel_container

ZONE_LABEL = "topology.kubernetes.io/zone"
HOSTNAME_LABEL = "kubernetes.io/hostname"
PASSWORD_KEY = "password"
PASSWORD_CONFIG_KEY = "auth.conf"


def config_map_name(settings: AppSettings) -> str:
    return f"{settings.name}-config"


def secret_name(settings: AppSettings) -> str:
    return f"{settings.name}-auth"


def probe(spec: Probe, port_name: str, timing: dict[str, int]) -> dict[str, Any] | None:
    """A Kubernetes probe: a TCP connect or HTTP GET on the app's port, or a shell command."""
    if spec.type == "none":
        return None
    if spec.type == "tcp":
        action: dict[str, Any] = {"tcpSocket": {"port": port_name}}
    elif spec.type == "http":
        action = {"httpGet": {"path": spec.path, "port": port_name}}
    else:
        action = {"exec": {"command": ["sh", "-c", spec.command]}}
    return {**action, **timing}


READINESS = {"periodSeconds": 10, "timeoutSeconds": 2, "failureThreshold": 3}
LIVENESS = {
    "initialDelaySeconds": 10,
    "periodSeconds": 20,
    "timeoutSeconds": 5,
    "failureThreshold": 6,
}
STARTUP = {"periodSeconds": 5, "timeoutSeconds": 2, "failureThreshold": 60}


def resources(settings: AppSettings) -> dict[str, Any]:
    requests = {"cpu": settings.container.cpu_request, "memory": settings.container.memory_request}
    limits = {"cpu": settings.container.cpu_limit, "memory": settings.container.memory_limit}
    return {
        kind: {k: v for k, v in values.items() if v}
        for kind, values in (("requests", requests), ("limits", limits))
        if any(values.values())
    }


def container_security(settings: AppSettings) -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": settings.security.read_only_root_filesystem,
        "runAsNonRoot": True,
        "runAsUser": settings.security.run_as_user,
        "runAsGroup": settings.security.run_as_group,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_security(settings: AppSettings) -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": settings.security.run_as_user,
        "runAsGroup": settings.security.run_as_group,
        "fsGroup": settings.security.fs_group,
        "fsGroupChangePolicy": "OnRootMismatch",
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def config_map(settings: AppSettings) -> dict[str, Any] | None:
    """The app's config file as a ConfigMap, when the stack gives one."""
    if not settings.container.config_file:
        return None
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(settings, config_map_name(settings), "config"),
        "data": {
            posixpath.basename(settings.container.config_file_path): settings.container.config_file
        },
    }


def secret(settings: AppSettings) -> dict[str, Any] | None:
    """The app's Secret, without its value: the shell fills it from Pulumi secret config."""
    if not settings.security.takes_password:
        return None
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(settings, secret_name(settings), "auth"),
        "type": "Opaque",
    }


def config_checksum(settings: AppSettings) -> str:
    """Changes whenever the config file does, so that the pods roll."""
    manifest = config_map(settings)
    data = repr(sorted((manifest or {}).get("data", {}).items()))
    return hashlib.sha256(data.encode()).hexdigest()


def with_mount(settings: AppSettings, text: str) -> str:
    """`text` with `{passwordMount}` replaced, so a preset's args and probes follow an override."""
    return text.replace("{passwordMount}", settings.security.password_mount)


def container(settings: AppSettings) -> dict[str, Any]:
    """The app's container: image, named ports, mounts, probes, resources, security."""
    port_name = settings.container.port_name
    # By name: a map has no order that survives every language's SDK.
    env: list[dict[str, Any]] = [
        {"name": k, "value": settings.container.env[k]} for k in sorted(settings.container.env)
    ]
    if settings.security.password_env:
        env.append(
            {
                "name": settings.security.password_env,
                "valueFrom": {"secretKeyRef": {"name": secret_name(settings), "key": PASSWORD_KEY}},
            }
        )
    mounts = [
        {"name": claim.name, "mountPath": claim.mount_path} for claim in settings.storage.claims
    ]
    if settings.security.read_only_root_filesystem:
        mounts.append({"name": "tmp", "mountPath": "/tmp"})
    if settings.security.password_mount:
        mounts.append(
            {"name": "auth", "mountPath": settings.security.password_mount, "readOnly": True}
        )
    if settings.container.config_file:
        mounts.append(
            {
                "name": "config",
                "mountPath": settings.container.config_file_path,
                "subPath": posixpath.basename(settings.container.config_file_path),
                "readOnly": True,
            }
        )
    spec: dict[str, Any] = {
        "name": settings.name,
        "image": settings.image,
        "imagePullPolicy": "Always",
        "ports": [
            {"name": port.name, "containerPort": port.container_port, "protocol": port.protocol}
            for port in settings.ports
            if port.name != SENTINEL_PORT_NAME  # Sentinel's container has its own
        ],
        "volumeMounts": mounts,
        "resources": resources(settings),
        "securityContext": container_security(settings),
    }
    args = [with_mount(settings, arg) for arg in settings.container.args]
    args += redis_args(settings) + replication_args(settings)
    if args:
        spec["args"] = args
    start = command(settings)
    if start:
        spec["command"] = start
    hooks = pre_stop(settings)
    if hooks:
        spec["lifecycle"] = hooks
    if env:
        spec["env"] = env
    for key, form, timing in (
        ("readinessProbe", settings.container.readiness_probe, READINESS),
        ("livenessProbe", settings.container.liveness_probe, LIVENESS),
        ("startupProbe", settings.container.startup_probe, STARTUP),
    ):
        made = probe(
            form.model_copy(update={"command": with_mount(settings, form.command)}),
            port_name,
            timing,
        )
        if made:
            spec[key] = made
    return spec


def toleration(spec: Toleration) -> dict[str, Any]:
    """A toleration: Equal when it names a value, Exists otherwise, unless it says which."""
    result: dict[str, Any] = {
        "key": spec.key,
        "operator": spec.operator or ("Equal" if spec.value is not None else "Exists"),
    }
    if spec.value is not None:
        result["value"] = spec.value
    if spec.effect:
        result["effect"] = spec.effect
    return result


def extra_containers(
    settings: AppSettings, containers: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Init containers or sidecars, held to the app container's security defaults."""
    return [
        {
            "imagePullPolicy": "Always",
            **container,
            "securityContext": {
                **container_security(settings),
                **container.get("securityContext", {}),
            },
        }
        for container in containers
    ]


def deep_merge(base: Any, override: Any) -> Any:
    """`override` over `base`: mappings merge key by key, anything else is replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        return {k: deep_merge(base.get(k), v) for k, v in override.items()} | {
            k: v for k, v in base.items() if k not in override
        }
    return override


def pod_spec(settings: AppSettings) -> dict[str, Any]:
    """The pod spec; pods spread over zones when their disks are in more than one."""
    volumes: list[dict[str, Any]] = []
    if settings.security.read_only_root_filesystem:
        volumes.append({"name": "tmp", "emptyDir": {}})
    if settings.security.password_mount:
        volumes.append(
            {"name": "auth", "secret": {"secretName": secret_name(settings), "defaultMode": 0o440}}
        )
    if settings.container.config_file:
        volumes.append({"name": "config", "configMap": {"name": config_map_name(settings)}})
    spec: dict[str, Any] = {
        "serviceAccountName": settings.name,
        "automountServiceAccountToken": settings.security.automount_service_account_token,
        "securityContext": pod_security(settings),
        "terminationGracePeriodSeconds": settings.pods.termination_grace_period_seconds,
        "containers": [container(settings)],
        "affinity": {
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": 100,
                        "podAffinityTerm": {
                            "topologyKey": HOSTNAME_LABEL,
                            "labelSelector": {"matchLabels": selector_labels(settings)},
                        },
                    }
                ]
            }
        },
    }
    if volumes:
        spec["volumes"] = volumes
    if settings.pods.node_selector:
        spec["nodeSelector"] = dict(settings.pods.node_selector)
    if settings.pods.tolerations:
        spec["tolerations"] = [toleration(entry) for entry in settings.pods.tolerations]
    if settings.pods.priority_class_name:
        spec["priorityClassName"] = settings.pods.priority_class_name
    if settings.pods.image_pull_secrets:
        spec["imagePullSecrets"] = [{"name": name} for name in settings.pods.image_pull_secrets]
    if settings.pods.init_containers:
        spec["initContainers"] = extra_containers(settings, settings.pods.init_containers)
    sentinel = sentinel_container(settings)
    if sentinel:
        spec["containers"] += extra_containers(settings, [sentinel])
    exporter = exporter_container(settings)
    if exporter:
        spec["containers"] += extra_containers(settings, [exporter])
    if settings.pods.sidecars:
        spec["containers"] += extra_containers(settings, settings.pods.sidecars)
    zones = {zone for slot in settings.slots for zone in slot.zones}
    if len(zones) > 1:
        # Soft: each pod must follow its disk (the PV's node affinity), which wins.
        spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": ZONE_LABEL,
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector_labels(settings)},
            }
        ]
    if settings.pods.pod_spec_overrides:
        # The escape hatch: any other pod-spec field, merged last.
        spec = deep_merge(spec, settings.pods.pod_spec_overrides)
    return spec
