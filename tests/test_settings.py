"""Settings: every bad value is refused before anything is registered, naming its key."""

import pulumi
import pytest
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.app import StatefulApp
from components.offline.mock_engine import start_mock_engine
from components.settings.app_settings import AppSettings
from components.settings.arg_paths import GROUPS, PATHS, TOP_LEVEL, grouped, parse_args, path_of
from components.settings.validation import SettingsError, setting_fields
from components.stack.config import InvalidConfigError, load_settings
from tests.helpers import PROJECT, VALID, app_args, run_under_mocks, stack_config

NS = PROJECT

# (key, bad value, words the error must contain)
BAD_VALUES = [
    ("name", "Kubia", "DNS-1035"),
    ("name", "1kubia", "DNS-1035"),
    ("name", "k" * 53, "at most 52"),
    ("name", "kubia-", "DNS-1035"),
    ("namespace", "Apps", "DNS-1123"),
    ("namespace", "n" * 64, "at most 63"),
    (
        "gcpProject",
        "Acme",
        "expected a GCP project ID: 6 to 30 lower-case letters",
    ),
    (
        "gcpProject",
        "abc",
        "expected a GCP project ID: 6 to 30 lower-case letters",
    ),
    ("zones", ["europe-west1"], "expected a GCE zone: region and a letter"),
    ("zones", "europe-west1-b", "expected a list"),
    ("zones", [], "at least 1"),
    ("replicas", -1, "expected a whole number from 0 to 1000"),
    ("replicas", "three", "expected a whole number"),
    ("replicas", 1001, "expected a whole number from 0 to 1000"),
    ("image", "", "expected an image reference in ASCII"),
    ("image", "redis 7", "expected an image reference in ASCII"),
    ("args", "--appendonly", "expected a list"),
    ("containerPort", 0, "expected a whole number from 1 to 65535"),
    ("containerPort", 70000, "expected a whole number from 1 to 65535"),
    ("servicePort", "http", "expected a whole number"),
    ("portName", "a-very-long-port-name", "IANA"),
    ("portName", "web--1", "IANA"),
    ("portName", "8080", "IANA"),
    ("claimName", "Data", "DNS-1123"),
    ("mountPath", "var/data", "absolute path"),
    ("mountPath", "/", "absolute path"),
    ("diskType", "pd-magnetic", "pd-standard"),
    ("diskSizeGb", 5, "10 to 65536"),
    ("diskSizeGb", 70000, "10 to 65536"),
    ("storageSlots", 0, "expected a whole number from 1 to 1000"),
    ("storageSlots", 2, "at least replicas (3)"),
    ("slotGenerations", [0, -1], "expected a number of at least 0"),
    ("regionalDisks", "maybe", "expected true or false"),
    ("regionalDisks", "yes", "expected true or false"),
    ("networkPolicy", 1, "expected true or false"),
    ("snapshotSchedule", "monthly", "hourly"),
    ("snapshotStartTime", "03:30", 'expected a whole hour in UTC, quoted, from "00:00"'),
    ("snapshotWeekDay", "sunday", "SUNDAY"),
    ("snapshotRetentionDays", 0, "expected a whole number from 1 to 65536"),
    ("protect", "yes please", "expected true or false"),
    ("allowDataDeletion", "sometimes", "expected true or false"),
    ("snapshotHoursInCycle", 24, "expected a whole number from 1 to 23"),
    ("snapshotKeepOnSourceDelete", "maybe", "expected true or false"),
    ("provisionedIops", 0, "expected a number of at least 1"),
    ("placement", "us-central1-a", "expected a list"),
    ("serviceName", "Redis", "DNS-1035"),
    ("selectorLabels", "app=x", "expected an object"),
    ("preset", "mysql", "'none', 'kubia' or 'redis'"),
    ("runAsUser", 0, "expected a whole number from 1 to 2147483647"),
    ("readinessProbe", {"type": "grpc"}, "'tcp', 'http', 'exec' or 'none'"),
    ("livenessProbe", {"type": "exec"}, "an exec probe needs a command"),
    ("livenessProbe", {"type": "http", "path": "healthz"}, "starting with '/'"),
    ("livenessProbe", {"type": "tcp", "path": "/"}, "a tcp probe takes no path"),
    ("startupProbe", "tcp", "expected an object"),
    ("cpuRequest", "lots", "expected a CPU quantity (for example 250m or 2), or empty"),
    ("memoryLimit", "1GB", "expected a memory quantity in bytes or Ki, Mi, Gi, Ti, k, M, G, T"),
    ("env", {"NO-DASH": "x"}, "expected environment variable names"),
    ("env", ["A=b"], "expected an object"),
    ("configFilePath", "app.conf", "absolute path"),
    ("passwordEnv", "lower", "expected an environment variable name in capitals, digits and '_'"),
    ("workloadIdentity", "someone@gmail.com", "expected a Google service account email"),
    ("maxUnavailable", 0, "expected a whole number from 1 to 1000"),
    ("clientLabel", [{"bad key!": "x"}], "is not a Kubernetes label"),
    ("clientLabel", {"app": "x"}, "expected a list"),
    ("podManagementPolicy", "Random", "'OrderedReady' or 'Parallel'"),
    ("updateStrategy", "Recreate", "'RollingUpdate' or 'OnDelete'"),
    ("ordinalsStart", -1, "expected a whole number from 0 to 1000000"),
    ("awaitTimeoutSeconds", 10, "expected a whole number from 60 to 86400"),
    ("terminationGracePeriodSeconds", -1, "expected a whole number from 0 to 3600"),
    ("passwordConfigLine", "requirepass x", "expected a line with {password}"),
    ("nodeSelector", {"bad key!": "x"}, "not Kubernetes label keys"),
    ("tolerations", [{"key": "dedicated", "effect": "Sometimes"}], "'NoSchedule'"),
    ("tolerations", [{"key": "a", "operator": "Exists", "value": "b"}], "takes no value"),
    ("tolerations", [{"value": "b"}], "required"),
    (
        "priorityClassName",
        "High",
        "expected a PriorityClass name: lower-case letters, digits, '-' and '.'",
    ),
    (
        "imagePullSecrets",
        ["Creds"],
        "expected a Secret name: lower-case letters, digits, '-' and '.'",
    ),
    ("accessMode", "ReadWriteMany", "'ReadWriteOnce' or 'ReadWriteOncePod'"),
    ("machineSeries", "N2", "expected a Compute Engine machine series"),
    ("initContainers", [{}], "expected a container with a name and an image"),
    ("sidecars", "not json", "expected a list"),
    ("podSpecOverrides", [1], "expected an object"),
    (
        "extraClaims",
        [{"name": "logs", "mountPath": "/l", "sizeGb": 0}],
        "expected a number of at least 1",
    ),
    ("fsType", "ntfs", "ext4"),
    ("volumeScope", "Bad_Scope", "GCE name"),
    ("volumeScope", "s" * 31, "at most 30"),
]


@pytest.mark.parametrize(("key", "value", "expected"), BAD_VALUES, ids=lambda x: str(x)[:20])
def test_bad_value_is_refused_naming_its_path_expectation_and_value(key, value, expected):
    with pytest.raises(SettingsError) as caught:
        parse_args(grouped({**VALID, key: value}), f"{NS}:")
    (problem,) = caught.value.problems
    place, _, rest = problem.partition(": ")
    # The setting's path, down to the item or field at fault (`storage.zones[0]`).
    assert place.startswith(f"{NS}:{path_of(key)}"), problem
    assert place[len(f"{NS}:{path_of(key)}") :][:1] in ("", "[", "."), problem
    assert expected in rest
    assert "; given: " in rest or rest == "required, but not set"


@pytest.mark.parametrize(
    "key", ["gcpProject", "zones", "name", "image", "storageSlots", "volumeScope"]
)
def test_missing_required_key_is_named(key):
    raw = {k: v for k, v in VALID.items() if k != key}
    with pytest.raises(SettingsError) as caught:
        parse_args(grouped(raw), f"{NS}:")
    assert caught.value.problems == [f"{NS}:{path_of(key)}: required, but not set"]


def test_every_problem_is_reported_at_once():
    with pytest.raises(SettingsError) as caught:
        parse_args(grouped({**VALID, "replicas": -1, "zones": ["nowhere"]}), f"{NS}:")
    places = [p.split(": ")[0] for p in caught.value.problems]
    assert places == [f"{NS}:storage.zones[0]", f"{NS}:replicas"]


def test_valid_settings_take_documented_defaults():
    settings = parse_args(grouped(VALID))
    assert settings.storage.disk_type == "pd-balanced"
    assert settings.storage.disk_size_gb == 10
    assert settings.storage.fs_type == "ext4"
    assert settings.storage.claim_name == "data"


def test_every_setting_has_one_place_in_the_grouped_inputs():
    assert sorted(PATHS) == sorted(setting_fields())
    # The validated settings are grouped as the inputs are: each group's model holds exactly
    # its group's inputs, and the top level the rest (the password is never a setting).
    for group, leaves in GROUPS.items():
        model = AppSettings.model_fields[group].annotation
        assert sorted(f.alias for f in model.model_fields.values()) == sorted(leaves), group
    top = [f.alias for n, f in AppSettings.model_fields.items() if n not in GROUPS]
    assert sorted(top) == sorted(k for k in TOP_LEVEL if k != "password")
    assert len(set(PATHS.values())) == len(PATHS)
    # And the settings read back from their grouped form are the same settings.
    settings = parse_args(grouped(VALID))
    assert parse_args(app_args(settings)) == settings


def config_for(values):
    return stack_config(values)


def test_program_reads_pulumi_config_into_settings():
    settings, _ = run_under_mocks(
        load_settings, config=config_for({**VALID, "replicas": "2", "args": ["a", "b"]})
    )
    assert isinstance(settings, AppSettings)
    assert settings.replicas == 2
    assert settings.container.args == ["a", "b"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({**VALID, "replicas": "-1"}, f"{NS}:replicas: "),
        (
            {**VALID, "args": "not json"},
            f"{NS}:container.args: expected a list (a YAML sequence; on the command line a "
            "JSON array, for example --config 'storage.zones=[\"europe-west1-b\"]'); given: "
            "'not json'",
        ),
        ({**VALID, "replica": "3"}, f"{NS}:replica: not a known config key; did you mean"),
    ],
)
def test_program_stops_with_a_clean_error_and_registers_nothing(values, expected):
    monitor = start_mock_engine(PROJECT, "test", config_for(values))
    with pytest.raises(InvalidConfigError) as caught:
        _sync_await(run_pulumi_func(lambda: StatefulApp("kubia", app_args(load_settings()))))
    assert expected in str(caught.value)
    assert isinstance(caught.value, pulumi.RunError)  # Pulumi prints it without a traceback
    assert [r.type for r in monitor.registrations] == ["pulumi:pulumi:Stack"]


def test_a_copy_refuses_a_setting_outside_its_group():
    settings = parse_args(grouped(VALID))
    with pytest.raises(ValueError, match="AppSettings has no field memory_limit"):
        settings.model_copy(update={"memory_limit": "64Mi"})
    container = settings.container.model_copy(update={"memory_limit": "64Mi"})
    copied = settings.model_copy(update={"container": container})
    assert copied.container.memory_limit == "64Mi"
    assert settings.container.memory_limit != "64Mi"  # the original is untouched
