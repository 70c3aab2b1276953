"""Redis metrics, opt-in (`redis.metrics`): an exporter beside each server, scraped by GKE
Managed Service for Prometheus.

The exporter is oliver006/redis_exporter. Its flags and environment, read in its `main.go`
(the same at v1.45.0, the Debian build the tests run, and v1.88.0, the default image):
`--redis.addr`, `--web.listen-address`, `--redis-only-metrics`, and `--redis.password-file`:
a JSON object from the server's URI to its password, looked up by the exact `--redis.addr`
URI (`exporter/redis.go`; a flag would show the password in the process list, a variable in
the process environment); `/health` answers `ok` whenever the web
server runs (`exporter/http.go` healthHandler), so it serves as the liveness probe, and a
server that refuses the password shows as `redis_up 0`, not as a failing exporter. The
exporter has no readiness probe: a pod is Ready only when all its containers are, and a
stalled exporter must not take Redis out of its Service.

The scraper is GKE's managed collector: the DaemonSet `collector` in namespace `gmp-system`,
its pods labelled `app.kubernetes.io/name: collector` and not on the host network
(prometheus-engine `manifests/operator.yaml`), so a NetworkPolicy can admit them by label.
A PodMonitoring (`monitoring.googleapis.com/v1`) names the pods by the selector and the port
by name (`pkg/operator/apis/monitoring/v1/pod_types.go`: port and interval are required).
"""

from __future__ import annotations

import json
from typing import Any

from ..settings.app_settings import METRICS_PORT, METRICS_PORT_NAME, AppSettings
from .labels import metadata, selector_labels

# The Secret's key holding the exporter's password file.
PASSWORD_FILE_KEY = "exporter-passwords.json"
EXPORTER_NAME = "metrics"
# The managed collectors, as prometheus-engine deploys them.
COLLECTOR_NAMESPACE = "gmp-system"
COLLECTOR_LABELS = {"app.kubernetes.io/name": "collector"}


def exports_metrics(settings: AppSettings) -> bool:
    """Whether the pods carry the exporter (the redis preset, `redis.metrics`)."""
    return settings.preset == "redis" and settings.redis.metrics


def redis_uri(settings: AppSettings) -> str:
    """The exporter's server: its own pod's, on the loopback."""
    return f"redis://localhost:{settings.container.container_port}"


def password_file(settings: AppSettings, password: str) -> str:
    """The exporter's password file: its server's URI to the password (JSON keeps every
    character as it is)."""
    return json.dumps({redis_uri(settings): password})


def exporter_container(settings: AppSettings) -> dict[str, Any] | None:
    """The exporter sidecar (the pod's security applies to it as to every extra container),
    reading its server on the pod's loopback with the password from the app's Secret."""
    if not exports_metrics(settings):
        return None
    liveness = {
        "httpGet": {"path": "/health", "port": METRICS_PORT_NAME},
        "periodSeconds": 10,
        "initialDelaySeconds": 10,
        "failureThreshold": 6,
    }
    args = [
        f"--redis.addr={redis_uri(settings)}",
        f"--web.listen-address=:{METRICS_PORT}",
        # The server's metrics only, not the exporter's own Go runtime: fewer samples
        # billed by Managed Prometheus.
        "--redis-only-metrics",
    ]
    mounts = []
    if settings.security.password_mount:
        args.append(f"--redis.password-file={settings.security.password_mount}/{PASSWORD_FILE_KEY}")
        mounts.append(
            {"name": "auth", "mountPath": settings.security.password_mount, "readOnly": True}
        )
    container: dict[str, Any] = {
        "name": EXPORTER_NAME,
        "image": settings.redis.metrics_image,
        "args": args,
        "ports": [{"name": METRICS_PORT_NAME, "containerPort": METRICS_PORT, "protocol": "TCP"}],
        "livenessProbe": liveness,
        "resources": {
            "requests": {"cpu": "10m", "memory": "32Mi"},
            "limits": {"cpu": "100m", "memory": "64Mi"},
        },
    }
    if mounts:
        container["volumeMounts"] = mounts
    return container


def pod_monitoring(settings: AppSettings) -> dict[str, Any] | None:
    """The PodMonitoring that has the managed collectors scrape every pod's exporter."""
    if not exports_metrics(settings):
        return None
    return {
        "apiVersion": "monitoring.googleapis.com/v1",
        "kind": "PodMonitoring",
        "metadata": metadata(settings, settings.name, "metrics"),
        "spec": {
            "selector": {"matchLabels": selector_labels(settings)},
            "endpoints": [
                {
                    "port": METRICS_PORT_NAME,
                    "path": "/metrics",
                    "interval": f"{settings.redis.metrics_interval_seconds}s",
                }
            ],
        },
    }


def scraper_ingress(settings: AppSettings) -> dict[str, Any] | None:
    """The NetworkPolicy rule admitting the managed collectors to the exporter's port only
    (the app's own ports stay closed to them)."""
    if not exports_metrics(settings):
        return None
    return {
        "from": [
            {
                "namespaceSelector": {
                    "matchLabels": {"kubernetes.io/metadata.name": COLLECTOR_NAMESPACE}
                },
                "podSelector": {"matchLabels": dict(COLLECTOR_LABELS)},
            }
        ],
        "ports": [{"port": METRICS_PORT, "protocol": "TCP"}],
    }
