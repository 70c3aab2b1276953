"""The pod rules' other side: what they refuse (tests/bad_inputs.yaml) must not stop what
Kubernetes accepts, and a declared weaker Pod Security level is said in the manifests."""

from __future__ import annotations

import pytest

from components.core.blueprint import build_blueprint
from components.settings.validation import SettingsError
from tests.helpers import PROJECT, VALID, parse_flat

ROOT_SIDECAR = {"name": "side", "image": "busybox:1.36", "securityContext": {"runAsUser": 0}}
HOST_NETWORK = {"hostNetwork": True}


def parse(**overrides):
    return parse_flat({**VALID, **overrides}, f"{PROJECT}:")


def refused(**overrides) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        parse(**overrides)
    return caught.value.problems


@pytest.mark.parametrize(
    "overrides",
    [
        {"cpuRequest": "1", "cpuLimit": "1000m"},  # equal, in two notations
        {"memoryRequest": "128Mi", "memoryLimit": "128Mi"},
        {"memoryRequest": "1Gi", "memoryLimit": ""},  # no limit: any request
        {"extraClaims": [{"name": "logs", "mountPath": "/var/data/logs", "sizeGb": 10}]},
        {"sidecars": [{"name": "metrics", "image": "busybox:1.36"}]},  # no exporter here
        {"priorityClassName": "system-node-critical"},
        {"env": {"PASSWORD_FILE": "/etc/app/password", "LOG_LEVEL": "debug"}},
        {"sidecars": [{"name": "side", "image": "busybox:1.36", "securityContext": {}}]},
        {"podSpecOverrides": {"hostname": "pet", "securityContext": {"runAsUser": 2000}}},
        {"readinessProbe": {"type": "http", "path": "/healthz?full=1"}},
        {"image": "ghcr.io/acme/app@sha256:" + "a" * 64},
        {"configFile": "x" * 1024 * 1000},
    ],
)
def test_what_kubernetes_accepts_is_accepted(overrides):
    parse(**overrides)


@pytest.mark.parametrize(
    ("level", "overrides", "accepted"),
    [
        ("baseline", {"sidecars": [ROOT_SIDECAR]}, True),
        ("baseline", {"podSpecOverrides": HOST_NETWORK}, False),
        ("privileged", {"podSpecOverrides": HOST_NETWORK}, True),
        (
            "baseline",
            {
                "sidecars": [
                    {**ROOT_SIDECAR, "securityContext": {"capabilities": {"add": ["CHOWN"]}}}
                ]
            },
            True,
        ),
        (
            "baseline",
            {
                "sidecars": [
                    {**ROOT_SIDECAR, "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}
                ]
            },
            False,
        ),
        ("baseline", {"podSpecOverrides": {"volumes": []}}, False),  # still the pod's own
        (
            "privileged",
            {"sidecars": [{**ROOT_SIDECAR, "securityContext": {"privileged": True}}]},
            True,
        ),
        (
            "baseline",
            {"sidecars": [{**ROOT_SIDECAR, "securityContext": {"privileged": True}}]},
            False,
        ),
    ],
)
def test_a_weaker_declared_level_allows_what_it_allows(level, overrides, accepted):
    if accepted:
        settings = parse(podSecurityLevel=level, **overrides)
        annotations = build_blueprint(settings).statefulset["metadata"]["annotations"]
        assert annotations["gke-stateful/pod-security-level"] == level
    else:
        assert refused(podSecurityLevel=level, **overrides)


def test_restricted_allows_binding_low_ports_only():
    def sidecar(*caps):
        context = {"capabilities": {"add": list(caps), "drop": ["ALL"]}}
        return [{"name": "side", "image": "busybox:1.36", "securityContext": context}]

    parse(sidecars=sidecar("NET_BIND_SERVICE"))
    (problem,) = refused(sidecars=sidecar("NET_BIND_SERVICE", "CHOWN"))
    assert "capabilities.add ['CHOWN']" in problem


def test_restricted_is_not_announced():
    annotations = build_blueprint(parse()).statefulset["metadata"]["annotations"]
    assert "gke-stateful/pod-security-level" not in annotations


def test_the_hint_names_only_weaker_levels():
    (problem,) = refused(podSecurityLevel="baseline", podSpecOverrides=HOST_NETWORK)
    assert "podSecurityLevel: privileged)" in problem
    (problem,) = refused(sidecars=[ROOT_SIDECAR])
    assert "podSecurityLevel: baseline or privileged)" in problem


def test_the_redis_sidecars_names_are_taken_when_they_run():
    redis = {k: v for k, v in VALID.items() if k not in ("name", "image")}
    redis |= {"preset": "redis", "replication": True, "replicas": 3, "storageSlots": 3}
    sidecars = [{"name": name, "image": "busybox:1.36"} for name in ("sentinel", "metrics")]
    with pytest.raises(SettingsError) as caught:
        parse_flat({**redis, "metrics": True, "sidecars": sidecars}, f"{PROJECT}:")
    text = "\n".join(caught.value.problems)
    assert "is already the Sentinel sidecar's" in text
    assert "is already the metrics exporter's" in text


# The Pod Security Standards' table (kubernetes.io/docs/concepts/security/pod-security-standards):
# for each thing a sidecar or the pod-spec overrides may do, the weakest level that allows it.
WEAKEST_LEVEL_ALLOWING = [
    ({"securityContext": {"privileged": True}}, None, "privileged"),
    ({"securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}, None, "privileged"),
    ({"securityContext": {"capabilities": {"add": ["CHOWN"]}}}, None, "baseline"),
    ({"securityContext": {"seccompProfile": {"type": "Unconfined"}}}, None, "privileged"),
    ({"securityContext": {"procMount": "Unmasked"}}, None, "privileged"),
    ({"securityContext": {"allowPrivilegeEscalation": True}}, None, "baseline"),
    ({"securityContext": {"runAsNonRoot": False}}, None, "baseline"),
    ({"securityContext": {"runAsUser": 0}}, None, "baseline"),
    ({"securityContext": {"capabilities": {"drop": ["NET_RAW"]}}}, None, "baseline"),
    ({"ports": [{"containerPort": 80, "hostPort": 80}]}, None, "privileged"),
    (None, {"hostPID": True}, "privileged"),
    (None, {"hostIPC": True}, "privileged"),
    (None, {"volumes": [{"name": "h", "hostPath": {"path": "/"}}]}, "privileged"),
    (None, {"securityContext": {"seccompProfile": {"type": "Unconfined"}}}, "privileged"),
]
LEVELS = ("restricted", "baseline", "privileged")


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(("sidecar", "overrides", "weakest"), WEAKEST_LEVEL_ALLOWING)
def test_each_level_allows_exactly_what_the_standard_allows(level, sidecar, overrides, weakest):
    settings = {"podSecurityLevel": level}
    if sidecar is not None:
        settings["sidecars"] = [{"name": "side", "image": "busybox:1.36", **sidecar}]
    if overrides is not None:
        settings["podSpecOverrides"] = overrides
    allowed = LEVELS.index(level) >= LEVELS.index(weakest)
    if overrides and "volumes" in overrides:
        allowed = False  # the pod's own volumes are never replaced, at any level
    if allowed:
        parse(**settings)
    else:
        assert refused(**settings)
