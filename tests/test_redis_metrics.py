"""Redis metrics (`redis.metrics`): the exporter sidecar, the PodMonitoring and the
NetworkPolicy rule for the managed collectors, checked as relations between the objects
(the real exporter against the real server is in test_redis_server.py)."""

from __future__ import annotations

import json

import pulumi
import pytest

from components.app import StatefulApp
from components.core.blueprint import build_blueprint
from components.password_secret import secret_data
from components.settings.validation import SettingsError
from tests.helpers import PROJECT, VALID, app_args, by_type, parse_flat, resolve, run_under_mocks

PASSWORD = "a-long-enough-password"
MONITORING = "kubernetes:monitoring.googleapis.com/v1:PodMonitoring"


def redis(**overrides):
    raw = {k: v for k, v in VALID.items() if k not in ("name", "image")}
    raw["replication"] = False
    return parse_flat({**raw, "preset": "redis", **overrides}, f"{PROJECT}:")


def pod_spec(bp):
    return bp.statefulset["spec"]["template"]["spec"]


def exporter(bp):
    (found,) = [c for c in pod_spec(bp)["containers"] if c["name"] == "metrics"]
    return found


def test_metrics_are_off_unless_asked():
    bp = build_blueprint(redis())
    assert [c["name"] for c in pod_spec(bp)["containers"]] == ["redis"]
    assert bp.pod_monitoring is None
    assert all(m["kind"] != "PodMonitoring" for m in bp.manifests)
    (rule,) = bp.network_policy["spec"]["ingress"]
    assert {"port": 9121, "protocol": "TCP"} not in rule["ports"]


def test_the_exporter_is_restricted_like_the_app_and_never_gates_readiness():
    bp = build_blueprint(redis(metrics=True))
    container = exporter(bp)
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["privileged"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["readOnlyRootFilesystem"] is True
    assert security["runAsNonRoot"] is True and security["runAsUser"] == 10001
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    # A pod is Ready only when every container is: the exporter must not decide it.
    assert "readinessProbe" not in container
    liveness = container["livenessProbe"]["httpGet"]
    assert liveness["path"] == "/health"
    assert liveness["port"] in {p["name"] for p in container["ports"]}
    assert container["resources"]["limits"] == {"cpu": "100m", "memory": "64Mi"}
    assert container["image"] == "oliver006/redis_exporter:v1.88.0"


def test_the_exporter_reads_its_own_pods_server_with_the_apps_secret():
    bp = build_blueprint(redis(metrics=True, containerPort=6380))
    container = exporter(bp)
    redis_port = pod_spec(bp)["containers"][0]["ports"][0]["containerPort"]
    assert redis_port == 6380
    args = dict(arg.split("=", 1) for arg in container["args"] if "=" in arg)
    assert args["--redis.addr"] == f"redis://localhost:{redis_port}"
    # The password comes as a file of the app's Secret, never as a flag or a variable.
    assert "env" not in container
    assert not any("password" in arg for arg in container["args"] if "=" not in arg)
    (mount,) = container["volumeMounts"]
    assert mount["readOnly"] is True
    volume = {v["name"]: v for v in pod_spec(bp)["volumes"]}[mount["name"]]
    assert volume["secret"]["secretName"] == bp.secret["metadata"]["name"]
    directory, _, key = args["--redis.password-file"].rpartition("/")
    assert directory == mount["mountPath"]
    # The Secret the app registers holds that key: the exporter's URI to the password.
    settings = redis(metrics=True, containerPort=6380)
    _, regs = run_under_mocks(
        lambda: StatefulApp("redis", app_args(settings, password=pulumi.Output.secret(PASSWORD)))
    )
    (secret,) = by_type(regs, "kubernetes:core/v1:Secret")
    assert secret.inputs["stringData"][key] == "[secret]"  # it stays secret
    content = resolve(secret_data(build_blueprint(settings), PASSWORD)[key])
    assert json.loads(content) == {args["--redis.addr"]: PASSWORD}


def test_without_metrics_the_secret_has_no_exporter_file():
    settings = redis()
    _, regs = run_under_mocks(
        lambda: StatefulApp("redis", app_args(settings, password=pulumi.Output.secret(PASSWORD)))
    )
    (secret,) = by_type(regs, "kubernetes:core/v1:Secret")
    assert set(secret.inputs["stringData"]) == {"password", "auth.conf"}


def test_the_pod_monitoring_scrapes_the_exporter_of_every_pod_and_nothing_else():
    bp = build_blueprint(redis(metrics=True, metricsIntervalSeconds=45))
    monitoring = bp.pod_monitoring
    assert monitoring["apiVersion"] == "monitoring.googleapis.com/v1"
    assert monitoring["metadata"]["namespace"] == bp.statefulset["metadata"]["namespace"]
    selector = monitoring["spec"]["selector"]["matchLabels"]
    pod_labels = bp.statefulset["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= pod_labels.items()
    (endpoint,) = monitoring["spec"]["endpoints"]
    assert endpoint["interval"] == "45s"
    named = {
        port["name"]: (container["name"], port["containerPort"])
        for container in pod_spec(bp)["containers"]
        for port in container.get("ports", [])
    }
    assert named[endpoint["port"]] == ("metrics", 9121)


def test_the_network_policy_admits_the_collectors_to_the_exporter_port_only():
    bp = build_blueprint(redis(metrics=True, clientLabel=[{"team": "checkout"}]))
    rules = bp.network_policy["spec"]["ingress"]
    by_port = {}
    for rule in rules:
        for port in rule["ports"]:
            by_port.setdefault(port["port"], []).extend(rule["from"])
    collectors = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "gmp-system"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "collector"}},
    }
    assert by_port[9121] == [collectors]
    assert collectors not in by_port[6379]
    assert {"podSelector": {"matchLabels": {"team": "checkout"}}} in by_port[6379]


@pytest.mark.parametrize(
    ("overrides", "key", "expected"),
    [
        ({"metrics": True}, "redis.metrics", "redis preset only"),
        ({"metricsIntervalSeconds": 3}, "redis.metricsIntervalSeconds", "5"),
        ({"metricsIntervalSeconds": 601}, "redis.metricsIntervalSeconds", "600"),
        ({"metricsImage": "redis exporter"}, "redis.metricsImage", "image reference"),
        ({"metrics": True, "containerPort": 9121}, "container.containerPort", "9121"),
    ],
)
def test_bad_metrics_settings_are_refused_by_key(overrides, key, expected):
    preset = "none" if key == "redis.metrics" else "redis"
    with pytest.raises(SettingsError) as caught:
        if preset == "redis":
            redis(**overrides)
        else:
            parse_flat({**VALID, **overrides}, f"{PROJECT}:")
    assert any(
        p.startswith(f"{PROJECT}:{key}:") and expected in p for p in caught.value.problems
    ), caught.value.problems


def test_the_app_registers_the_pod_monitoring_under_its_workload():
    settings = redis(metrics=True)
    _, regs = run_under_mocks(
        lambda: StatefulApp("redis", app_args(settings, password=pulumi.Output.secret(PASSWORD)))
    )
    (monitoring,) = by_type(regs, MONITORING)
    (workload,) = by_type(regs, "gke-stateful:index:StatefulWorkload")
    assert monitoring.parent == workload.urn
    assert monitoring.custom
    assert monitoring.inputs["apiVersion"] == "monitoring.googleapis.com/v1"
    assert monitoring.inputs["kind"] == "PodMonitoring"
    assert monitoring.inputs["spec"]["endpoints"][0]["port"] == "metrics"
    assert monitoring.inputs["metadata"]["name"] == "redis"
