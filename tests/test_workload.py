"""The production workload: secure pods, health, resources, availability, rollout, config,
secrets and the seeds' apps as presets."""

import pulumi
import pytest
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.app import StatefulApp
from components.core.blueprint import build_blueprint
from components.offline.mock_engine import start_mock_engine
from components.settings.validation import SettingsError
from components.stack.config import InvalidConfigError, load_password, load_settings
from tests.helpers import PROJECT, VALID, app_args, by_type, make_settings, parse_flat, stack_config

STS = "kubernetes:apps/v1:StatefulSet"
SECRET = "kubernetes:core/v1:Secret"


def pod(bp):
    return bp.statefulset["spec"]["template"]["spec"]


def main_container(bp):
    (container,) = pod(bp)["containers"]
    return container


def test_pods_meet_the_restricted_pod_security_standard():
    bp = build_blueprint(make_settings())
    security = pod(bp)["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["runAsUser"] > 0 and security["runAsGroup"] > 0
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert security["fsGroup"] == 10001
    assert security["fsGroupChangePolicy"] == "OnRootMismatch"
    container = main_container(bp)["securityContext"]
    assert container["allowPrivilegeEscalation"] is False
    assert container["capabilities"] == {"drop": ["ALL"]}
    assert container["readOnlyRootFilesystem"] is True
    assert container["runAsNonRoot"] is True
    # A read-only root still gets a writable /tmp.
    assert {"name": "tmp", "mountPath": "/tmp"} in main_container(bp)["volumeMounts"]
    assert {"name": "tmp", "emptyDir": {}} in pod(bp)["volumes"]


def test_writable_root_is_an_explicit_choice():
    bp = build_blueprint(make_settings(readOnlyRootFilesystem=False))
    assert main_container(bp)["securityContext"]["readOnlyRootFilesystem"] is False
    assert "volumes" not in pod(bp)


def test_dedicated_service_account_without_token_unless_asked():
    bp = build_blueprint(make_settings())
    assert pod(bp)["serviceAccountName"] == bp.service_account["metadata"]["name"] == "kubia"
    assert pod(bp)["automountServiceAccountToken"] is False
    assert bp.service_account["automountServiceAccountToken"] is False
    assert "annotations" not in bp.service_account["metadata"]
    gsa = "redis-backup@acme-stateful-prod.iam.gserviceaccount.com"
    bp = build_blueprint(make_settings(automountServiceAccountToken=True, workloadIdentity=gsa))
    assert pod(bp)["automountServiceAccountToken"] is True
    assert bp.service_account["metadata"]["annotations"] == {"iam.gke.io/gcp-service-account": gsa}


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"type": "tcp"}, {"tcpSocket": {"port": "http"}}),
        ({"type": "http", "path": "/healthz"}, {"httpGet": {"path": "/healthz", "port": "http"}}),
        (
            {"type": "exec", "command": "redis-cli ping"},
            {"exec": {"command": ["sh", "-c", "redis-cli ping"]}},
        ),
    ],
)
def test_probe_forms(form, expected):
    container = main_container(build_blueprint(make_settings(readinessProbe=form)))
    assert container["readinessProbe"].items() >= expected.items()
    assert container["readinessProbe"]["periodSeconds"] == 10


def test_no_startup_probe_unless_asked_and_resources_from_settings():
    container = main_container(build_blueprint(make_settings(cpuLimit="2", memoryLimit="1Gi")))
    assert "startupProbe" not in container
    assert container["livenessProbe"]["tcpSocket"] == {"port": "http"}
    assert container["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }


def test_soft_anti_affinity_between_replicas():
    (term,) = pod(build_blueprint(make_settings()))["affinity"]["podAntiAffinity"][
        "preferredDuringSchedulingIgnoredDuringExecution"
    ]
    assert term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    assert term["podAffinityTerm"]["labelSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": "kubia",
        "app.kubernetes.io/instance": "kubia",
    }


def test_disruption_budget_and_network_policy():
    bp = build_blueprint(make_settings(clientLabel=[{"app.kubernetes.io/part-of": "checkout"}]))
    assert bp.disruption_budget["spec"] == {
        "maxUnavailable": 1,
        "selector": {"matchLabels": bp.statefulset["spec"]["selector"]["matchLabels"]},
    }
    policy = bp.network_policy["spec"]
    assert policy["podSelector"] == {
        "matchLabels": bp.statefulset["spec"]["selector"]["matchLabels"]
    }
    (rule,) = policy["ingress"]
    assert rule["ports"] == [{"port": 8080, "protocol": "TCP"}]
    assert rule["from"] == [
        {"podSelector": {"matchLabels": bp.statefulset["spec"]["selector"]["matchLabels"]}},
        {"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "checkout"}}},
    ]
    # Several client labels are alternatives, and clients may live in other namespaces.
    bp = build_blueprint(
        make_settings(clientLabel=[{"app": "web"}, {"app": "worker"}], clientNamespaces=["shop"])
    )
    clients = bp.network_policy["spec"]["ingress"][0]["from"][1:]
    assert [c["podSelector"]["matchLabels"] for c in clients] == [{"app": "web"}, {"app": "worker"}]
    assert all(
        c["namespaceSelector"]["matchExpressions"]
        == [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["shop"]}]
        for c in clients
    )
    assert build_blueprint(make_settings(networkPolicy=False)).network_policy is None


def test_client_service_and_not_ready_addresses_are_optional():
    bp = build_blueprint(make_settings())
    assert bp.client_service is None
    assert bp.service["spec"]["publishNotReadyAddresses"] is False
    bp = build_blueprint(make_settings(clientService=True, publishNotReadyAddresses=True))
    assert bp.client_service["spec"]["type"] == "ClusterIP"
    assert bp.client_service["metadata"]["name"] == "kubia-client"
    assert bp.client_service["spec"]["selector"] == bp.service["spec"]["selector"]
    assert bp.service["spec"]["publishNotReadyAddresses"] is True


def test_rollout_settings_and_safe_replacement():
    bp = build_blueprint(
        make_settings(
            podManagementPolicy="Parallel",
            partition=2,
            minReadySeconds=15,
            awaitTimeoutSeconds=1200,
        )
    )
    spec = bp.statefulset["spec"]
    assert spec["podManagementPolicy"] == "Parallel"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}
    assert spec["minReadySeconds"] == 15
    annotations = bp.statefulset["metadata"]["annotations"]
    # Never orphan: a destroy would leave the pods running (pulumi-kubernetes reads the
    # annotation from the old state on every delete).
    assert annotations["pulumi.com/deletionPropagationPolicy"] == "foreground"
    assert annotations["pulumi.com/timeoutSeconds"] == "1200"
    on_delete = build_blueprint(make_settings(updateStrategy="OnDelete")).statefulset["spec"]
    assert on_delete["updateStrategy"] == {"type": "OnDelete"}


def test_config_file_is_mounted_and_rolls_the_pods_when_it_changes():
    a = build_blueprint(make_settings(configFile="maxmemory 1gb\n", configFilePath="/etc/r/r.conf"))
    b = build_blueprint(make_settings(configFile="maxmemory 2gb\n", configFilePath="/etc/r/r.conf"))
    assert a.config_map["data"] == {"r.conf": "maxmemory 1gb\n"}
    mount = next(m for m in main_container(a)["volumeMounts"] if m["name"] == "config")
    assert mount == {
        "name": "config",
        "mountPath": "/etc/r/r.conf",
        "subPath": "r.conf",
        "readOnly": True,
    }

    def checksum(bp):
        return bp.statefulset["spec"]["template"]["metadata"]["annotations"]["checksum/config"]

    assert checksum(a) != checksum(b)
    assert build_blueprint(make_settings()).config_map is None


def test_env_entries_become_plain_variables():
    env = main_container(build_blueprint(make_settings(env={"LOG_LEVEL": "debug", "A": "b=c"})))[
        "env"
    ]
    # By name: a map's order does not survive every language's SDK, so it is not used.
    assert env == [{"name": "A", "value": "b=c"}, {"name": "LOG_LEVEL", "value": "debug"}]


# --- presets ---------------------------------------------------------------------------


def preset(which, **overrides):
    raw = {k: v for k, v in VALID.items() if k not in ("name", "image")}
    if which == "redis":
        raw["replication"] = False  # several pods: the stack must say; independent here
    return parse_flat({**raw, "preset": which, **overrides}, f"{PROJECT}:")


def test_kubia_preset_is_seed_003():
    bp = build_blueprint(preset("kubia"))
    container = main_container(bp)
    assert container["image"] == "luksa/kubia-pet"
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert bp.service["spec"]["ports"][0]["port"] == 80
    assert {"name": "data", "mountPath": "/var/data"} in container["volumeMounts"]
    assert bp.volumes[0].pvc_name == "data-kubia-0"
    assert bp.secret is None


def test_redis_preset_is_seed_004_with_password_auth():
    bp = build_blueprint(preset("redis"))
    container = main_container(bp)
    assert container["image"] == "redis:7.0"
    # The seed's server, with its password from the Secret and a ceiling under the limit.
    assert container["args"] == [
        "/etc/redis-auth/auth.conf",
        "--appendonly",
        "yes",
        "--maxmemory",
        str(int(512 * 2**20 * 0.6)),
        "--maxmemory-policy",
        "noeviction",
    ]
    assert container["ports"] == [{"name": "redis", "containerPort": 6379, "protocol": "TCP"}]
    assert {"name": "redis-data", "mountPath": "/data"} in container["volumeMounts"]
    assert {"name": "auth", "mountPath": "/etc/redis-auth", "readOnly": True} in container[
        "volumeMounts"
    ]
    assert bp.volumes[0].pvc_name == "redis-data-redis-0"
    assert bp.secret["metadata"]["name"] == "redis-auth" and "stringData" not in bp.secret
    assert "env" not in container  # the password is a file, never an environment variable
    probe = container["readinessProbe"]["exec"]["command"][2]
    assert probe.startswith('REDISCLI_AUTH="$(cat /etc/redis-auth/password; printf .)"; ')
    assert probe.endswith(
        'info="$(redis-cli INFO replication)" || exit 1; '
        'case "$info" in *role:master*) exit 0 ;; *master_link_status:up*) ;; *) exit 1 ;; esac; '
        'case "$info" in *master_sync_in_progress:0*) exit 0 ;; esac; exit 1'
    )


def test_redis_args_and_probe_follow_a_moved_password_mount():
    container = main_container(build_blueprint(preset("redis", passwordMount="/secrets/redis")))
    assert container["args"][0] == "/secrets/redis/auth.conf"
    assert "cat /secrets/redis/password" in container["readinessProbe"]["exec"]["command"][2]
    assert {"name": "auth", "mountPath": "/secrets/redis", "readOnly": True} in container[
        "volumeMounts"
    ]


@pytest.mark.parametrize(
    ("password", "line"),
    [
        ("s3cret", 'requirepass "s3cret"\n'),
        ('with space "and" quotes', 'requirepass "with space \\"and\\" quotes"\n'),
        ("back\\slash\nnewline", 'requirepass "back\\\\slash\\nnewline"\n'),
        ("tab\tand\rreturn", 'requirepass "tab\\tand\\rreturn"\n'),
    ],
)
def test_the_redis_config_line_quotes_any_password(password, line):
    from components.password_secret import quoted

    assert f"requirepass {quoted(password)}\n" == line


def test_a_stack_overrides_any_preset_field():
    settings = preset("redis", image="redis:7.2.5", memoryLimit="4Gi", name="cache")
    container = main_container(build_blueprint(settings))
    assert container["image"] == "redis:7.2.5"
    assert container["resources"]["limits"]["memory"] == "4Gi"
    assert settings.storage.claim_name == "redis-data" and settings.name == "cache"


def test_unknown_preset_is_refused():
    with pytest.raises(SettingsError) as caught:
        preset("mysql")
    assert any(
        p.startswith(f"{PROJECT}:preset: ") and "'mysql'" in p for p in caught.value.problems
    )


# --- the password, end to end ------------------------------------------------------------


def redis_config(**extra):
    raw = {k: v for k, v in VALID.items() if k not in ("name", "image")}
    return stack_config({**raw, "preset": "redis", "replication": False, **extra})


def run_program_body(config, secret_keys):
    monitor = start_mock_engine(PROJECT, "test", config, secret_keys)

    def body():
        settings = load_settings()
        StatefulApp(settings.name, app_args(settings, password=load_password(settings)))

    _sync_await(run_pulumi_func(body))
    return monitor.registrations


def test_the_password_reaches_a_secret_and_never_plain_text():
    key = f"{PROJECT}:password"
    regs = run_program_body(redis_config(password="s3cret-Value"), [key])
    (secret,) = by_type(regs, SECRET)
    assert secret.inputs["stringData"] == {"auth.conf": "[secret]", "password": "[secret]"}
    assert "s3cret-Value" not in repr(regs)
    (sts,) = by_type(regs, STS)
    checksum = sts.inputs["spec"]["template"]["metadata"]["annotations"]["checksum/secret"]
    assert checksum != "[secret]" and len(checksum) == 64  # rolls pods, stays readable
    assert "s3cret-Value" not in repr([r.inputs for r in regs])
    other = run_program_body(redis_config(password="another-password"), [key])
    (sts2,) = by_type(other, STS)
    assert sts2.inputs["spec"]["template"]["metadata"]["annotations"]["checksum/secret"] != checksum


@pytest.mark.parametrize(
    ("extra", "secret_keys", "expected"),
    [
        ({}, [], "password: required by this app"),
        ({"password": "plain"}, [], "password: given in plain text"),
        ({"password": ""}, [f"{PROJECT}:password"], "password: empty; an empty password turns"),
        ({"password": "short"}, [f"{PROJECT}:password"], "password: expected at least 12"),
        (
            {"password": "nul\0in the middle"},
            [f"{PROJECT}:password"],
            "password: holds a NUL character",
        ),
    ],
)
def test_password_problems_stop_the_program_cleanly(extra, secret_keys, expected):
    with pytest.raises(InvalidConfigError) as caught:
        run_program_body(redis_config(**extra), secret_keys)
    assert f"{PROJECT}:{expected}" in str(caught.value)
    assert isinstance(caught.value, pulumi.RunError)


def test_a_password_for_an_app_that_takes_none_is_refused():
    config = stack_config(VALID)
    config[f"{PROJECT}:password"] = "x"
    with pytest.raises(InvalidConfigError, match="this app takes no password"):
        run_program_body(config, [f"{PROJECT}:password"])


# --- scheduling and the rest of the pod spec ---------------------------------------------


def test_dedicated_node_pools_priority_and_pull_secrets():
    spec = pod(
        build_blueprint(
            make_settings(
                nodeSelector={"cloud.google.com/gke-nodepool": "redis"},
                tolerations=[
                    {"key": "dedicated", "value": "redis", "effect": "NoSchedule"},
                    {"key": "spot", "effect": "NoExecute"},
                ],
                priorityClassName="data-critical",
                imagePullSecrets=["registry-creds"],
            )
        )
    )
    assert spec["nodeSelector"] == {"cloud.google.com/gke-nodepool": "redis"}
    assert spec["tolerations"] == [
        {"key": "dedicated", "operator": "Equal", "value": "redis", "effect": "NoSchedule"},
        {"key": "spot", "operator": "Exists", "effect": "NoExecute"},
    ]
    assert spec["priorityClassName"] == "data-critical"
    assert spec["imagePullSecrets"] == [{"name": "registry-creds"}]


def test_read_write_once_pod_reaches_pvs_and_claim_templates_alike():
    from tests import relations

    bp = build_blueprint(make_settings(accessMode="ReadWriteOncePod"))
    assert {tuple(v.pv["spec"]["accessModes"]) for v in bp.volumes} == {("ReadWriteOncePod",)}
    (template,) = bp.statefulset["spec"]["volumeClaimTemplates"]
    assert template["spec"]["accessModes"] == ["ReadWriteOncePod"]
    assert relations.pvs_fit_claim_templates(bp.manifests) == []


def test_a_sidecar_keeps_its_own_security_settings_over_the_defaults():
    sidecar = [{"name": "exporter", "image": "e:1", "securityContext": {"runAsUser": 20000}}]
    spec = pod(build_blueprint(make_settings(sidecars=sidecar)))
    context = spec["containers"][1]["securityContext"]
    assert context["runAsUser"] == 20000 and context["allowPrivilegeEscalation"] is False


def test_init_containers_and_sidecars_keep_the_restricted_profile():
    init = [
        {
            "name": "ids",
            "image": "busybox:1.36",
            "command": ["sh", "-c", "echo ${HOSTNAME##*-} > /var/data/myid"],
        }
    ]
    sidecar = [{"name": "exporter", "image": "oliver006/redis_exporter:v1.62.0"}]
    spec = pod(build_blueprint(make_settings(initContainers=init, sidecars=sidecar)))
    (init_container,) = spec["initContainers"]
    assert init_container["command"][2].endswith("/var/data/myid")
    assert [c["name"] for c in spec["containers"]] == ["kubia", "exporter"]
    for container in (init_container, spec["containers"][1]):
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}


def test_the_escape_hatch_merges_any_pod_field_last():
    overrides = {
        "hostAliases": [{"ip": "10.0.0.1", "hostnames": ["db"]}],
        "securityContext": {"sysctls": [{"name": "net.core.somaxconn", "value": "1024"}]},
    }
    spec = pod(build_blueprint(make_settings(podSpecOverrides=overrides)))
    assert spec["hostAliases"] == [{"ip": "10.0.0.1", "hostnames": ["db"]}]
    assert spec["securityContext"]["sysctls"][0]["name"] == "net.core.somaxconn"
    assert spec["securityContext"]["runAsNonRoot"] is True  # merged, not replaced


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"machineSeries": "c4"}, "machine series c4 attaches Hyperdisk only"),
        (
            {"machineSeries": "n1", "diskType": "hyperdisk-balanced"},
            "machine series n1 cannot attach hyperdisk-balanced",
        ),
        (
            {
                "machineSeries": "c3",
                "zones": ["us-central1-a", "us-central1-b"],
                "regionalDisks": True,
            },
            "regional Persistent Disk attaches to e2, n1, n2, n2d only",
        ),
    ],
)
def test_disk_type_is_checked_against_the_machine_series(overrides, expected):
    with pytest.raises(SettingsError) as caught:
        parse_flat({**VALID, **overrides}, f"{PROJECT}:")
    assert any(expected in p for p in caught.value.problems), caught.value.problems
    assert parse_flat({**VALID, "machineSeries": "n2"}, f"{PROJECT}:")
    assert parse_flat({**VALID, "machineSeries": "c4", "diskType": "hyperdisk-balanced"}, PROJECT)


def test_ordinals_can_start_above_zero():
    from tests import relations

    bp = build_blueprint(make_settings(ordinalsStart=5, replicas=2, storageSlots=3))
    assert bp.statefulset["spec"]["ordinals"] == {"start": 5}
    assert [v.ordinal for v in bp.volumes] == [5, 6, 7]
    assert [v.pvc_name for v in bp.volumes] == ["data-kubia-5", "data-kubia-6", "data-kubia-7"]
    assert bp.names()["podDnsNames"] == [
        "kubia-5.kubia.apps.svc.cluster.local",
        "kubia-6.kubia.apps.svc.cluster.local",
    ]
    assert [r["slot"] for r in bp.names()["retiredSlots"]] == [7]
    assert [p["metadata"]["name"] for p in bp.claim_patches] == ["data-kubia-5", "data-kubia-6"]
    for relation in relations.ALL_MANIFEST_RELATIONS:
        assert relation(bp.manifests) == []
    assert "ordinals" not in build_blueprint(make_settings()).statefulset["spec"]


def test_the_secret_holds_the_password_and_its_quoted_config_line():
    key = f"{PROJECT}:password"
    monitor = start_mock_engine(PROJECT, "test", redis_config(password='a pa ss"word'), [key])

    def body():
        settings = load_settings()
        StatefulApp(settings.name, app_args(settings, password=load_password(settings)))

    _sync_await(run_pulumi_func(body))
    (secret,) = [r for r in monitor.resources.values() if r.urn.endswith("-auth")]
    string_data = secret.state["stringData"]
    assert string_data["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
    assert string_data["value"] == {
        "password": 'a pa ss"word',
        "auth.conf": 'requirepass "a pa ss\\"word"\n',
    }


@pytest.mark.parametrize(
    ("password", "expected"),
    [("", "empty"), ("too-short", "at least 12 characters, got 9"), ("a\0" * 8, "NUL")],
)
def test_a_library_caller_gets_the_same_password_rules(password, expected):
    import pulumi

    settings = preset("redis")
    start_mock_engine(PROJECT, "lib", {})
    with pytest.raises(pulumi.RunError, match=f"password: .*{expected}"):
        _sync_await(
            run_pulumi_func(lambda: StatefulApp("r", app_args(settings, password=password)))
        )


def test_a_password_known_only_at_deploy_time_is_checked_when_known():
    from components.password_secret import config_file

    assert config_file("requirepass {password}", "long enough password") == (
        'requirepass "long enough password"\n'
    )
    with pytest.raises(ValueError, match="password: expected at least 12"):
        config_file("requirepass {password}", "short")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"memoryLimit": "2Gi"}, ["--maxmemory", str(int(2 * 2**30 * 0.6))]),
        ({"memoryLimit": "512Mi"}, ["--maxmemory", str(int(512 * 2**20 * 0.6))]),
        ({"memoryLimit": "1G"}, ["--maxmemory", "600000000"]),
        ({"memoryLimit": "2Gi", "maxmemory": "1536Mi"}, ["--maxmemory", str(1536 * 2**20)]),
        ({"memoryLimit": ""}, None),
    ],
)
def test_redis_gets_a_memory_ceiling_under_its_limit(overrides, expected):
    args = main_container(build_blueprint(preset("redis", **overrides)))["args"]
    if expected is None:
        assert "--maxmemory" not in args
        return
    at = args.index("--maxmemory")
    assert args[at : at + 2] == expected
    assert args[at + 2 : at + 4] == ["--maxmemory-policy", "noeviction"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"preset": "kubia", "maxmemory": "1Gi"}, "apply with the redis preset only"),
        ({"maxmemory": "2Gi", "memoryLimit": "2Gi"}, "expected less than memoryLimit (2Gi)"),
        ({"maxmemory": "lots"}, "auto, or a memory quantity"),
        ({"maxmemoryPolicy": "allkeys-random"}, "'noeviction'"),
    ],
)
def test_bad_memory_ceilings_are_refused(overrides, expected):
    with pytest.raises(SettingsError) as caught:
        preset(overrides.pop("preset", "redis"), **overrides)
    assert any("redis.maxmemory" in p and expected in p for p in caught.value.problems), (
        caught.value.problems
    )


def redis_pods(**overrides):
    return build_blueprint(preset("redis", replication=True, **overrides))


@pytest.mark.parametrize(
    ("extra", "after"),
    [
        ([], "yes"),
        (["--replica-serve-stale-data", "no"], "no"),
        (["--replica-serve-stale-data", "NO", "--Replica-Serve-Stale-Data", "yes"], "yes"),
        (["--replica-serve-stale-data", "yes", "--replica-serve-stale-data", "No"], "no"),
        (["--replica-serve-stale-data", "no; reboot"], "yes"),
    ],
)
def test_a_server_with_a_role_serves_reads_as_its_args_say(extra, after):
    # Undecided, it serves none; once it has a role, what the container's args say (the
    # last value, as Redis reads them), or Redis' default. Nothing else reaches the shell.
    args = ["{passwordMount}/auth.conf", "--appendonly", "yes", *extra]
    start = pod(redis_pods(args=args))["containers"][0]["command"][2]
    assert start.count(f"replica-serve-stale-data {after} >/dev/null") == 2
    assert "--replica-serve-stale-data no --replica-announce-ip" in start
    assert "reboot" not in start


def test_replication_with_three_pods_runs_sentinel_beside_each():
    bp = redis_pods()
    spec = pod(bp)
    redis, sentinel = spec["containers"]
    assert sentinel["name"] == "sentinel"
    assert sentinel["ports"] == [{"name": "sentinel", "containerPort": 26379, "protocol": "TCP"}]
    assert all(p["name"] != "sentinel" for p in redis["ports"])
    assert sentinel["securityContext"]["readOnlyRootFilesystem"] is True
    assert {"name": "tmp", "mountPath": "/tmp"} in sentinel["volumeMounts"]
    script = sentinel["command"][2]
    # Its state lives on the pod's disk, its config (with the password) in /tmp only.
    assert sentinel["workingDir"] == "/data"
    assert {"name": "redis-data", "mountPath": "/data"} in sentinel["volumeMounts"]
    assert "state=sentinel-state.conf" in script and "> /tmp/sentinel.conf" in script
    assert "SENTINEL MONITOR redis $primary 6379 2" in script
    assert (
        "sentinel announce-hostnames yes" in script
        and "cat /etc/redis-auth/sentinel.conf" in script
    )
    # The server starts undecided (a replica of nothing, never promoted, serving no reads),
    # then chooses, and serves reads as Redis does by default once it has a role.
    start = redis["command"][2]
    assert start.endswith(
        'exec redis-server "$@" --replicaof 127.0.0.1 1 --replica-priority 0 '
        '--replica-serve-stale-data no --replica-announce-ip "$self"\n'
    )
    assert start.count("CONFIG SET replica-priority 100 replica-serve-stale-data yes") == 2
    assert start.index("decide &") < start.index("exec redis-server")
    assert "SENTINEL master redis" in start and "primary=" not in start
    assert "SENTINEL failover redis" in redis["lifecycle"]["preStop"]["exec"]["command"][2]
    (rule,) = bp.network_policy["spec"]["ingress"]
    assert {"port": 26379, "protocol": "TCP"} in rule["ports"]
    assert bp.service["spec"]["publishNotReadyAddresses"] is True
    names = bp.names()
    assert names["masterName"] == "redis" and len(names["sentinelAddresses"]) == 3
    assert names["sentinelAddresses"][0].endswith(":26379")


@pytest.mark.parametrize(
    ("overrides", "containers", "addresses"),
    [({"sentinel": False}, 1, 0), ({"replicas": 2, "storageSlots": 2}, 1, 0)],
)
def test_replication_without_sentinel(overrides, containers, addresses):
    bp = redis_pods(**overrides)
    assert len(pod(bp)["containers"]) == containers
    assert "lifecycle" not in pod(bp)["containers"][0]
    assert len(bp.names()["sentinelAddresses"]) == addresses
    assert "SENTINEL" not in pod(bp)["containers"][0]["command"][2]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"replication": False, "sentinel": True}, "sentinel: needs replication: true"),
        (
            {"replication": True, "sentinel": True, "replicas": 2, "storageSlots": 2},
            "sentinel: expected at least 3 replicas, got 2",
        ),
        ({"replication": True, "minReplicasToWrite": 3}, "expected fewer than replicas (3)"),
    ],
)
def test_sentinel_and_replication_rules(overrides, expected):
    with pytest.raises(SettingsError) as caught:
        preset("redis", **overrides)
    assert any(expected in p for p in caught.value.problems), caught.value.problems


def test_several_redis_pods_need_a_replication_choice():
    raw = {k: v for k, v in VALID.items() if k not in ("name", "image")}
    with pytest.raises(SettingsError) as caught:
        parse_flat({**raw, "preset": "redis"}, f"{PROJECT}:")
    (problem,) = caught.value.problems
    assert problem.startswith(f"{PROJECT}:redis.replication: required with more than one")


def test_an_isolated_primary_refuses_writes_before_a_replica_can_be_promoted():
    """An isolated primary refuses writes at most min-replicas-max-lag + 2 s after the cut
    (whole-second lag, recounted each second: redis replication.c, refreshGoodSlavesCount);
    a Sentinel judges it down no sooner than down-after - 1 s after the cut (it pings every
    second). The first must come first."""
    settings = preset("redis", replicas=3, storageSlots=3, replication=True)
    pod = build_blueprint(settings).statefulset["spec"]["template"]["spec"]
    redis, sentinel = pod["containers"][0], pod["containers"][1]
    args = redis["args"]
    lag = int(args[args.index("--min-replicas-max-lag") + 1])
    script = sentinel["command"][2]
    down_after = int(script.split("down-after-milliseconds redis ")[1].split('"')[0])
    assert (lag + 2) * 1000 < down_after - 1000


def test_with_shifted_ordinals_the_first_ordinal_bootstraps_and_every_pod_is_a_peer():
    bp = redis_pods(ordinalsStart=1)
    redis, sentinel = pod(bp)["containers"]
    names = [f"redis-{i}.redis.apps.svc.cluster.local" for i in (1, 2, 3)]
    start = redis["command"][2]
    assert f"for pod in {' '.join(names)}; do" in start
    # A new cluster's first pod is the first ordinal's, and a majority is 2 of 3.
    assert f'[ "$self" = "{names[0]}" ]' in start and '[ "$stated" -ge 2 ]' in start
    ready = sentinel["readinessProbe"]["exec"]["command"][2]
    assert f"for pod in {' '.join(names)}; do" in ready
    assert "redis-0." not in start + ready
