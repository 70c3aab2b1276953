"""Settings: every bad value is refused before anything is registered, naming its key."""

import pulumi
import pytest
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.app import StatefulApp
from components.config import InvalidConfigError, load_settings
from components.mock_engine import start_mock_engine
from components.settings import (
    AppSettings,
    SettingsError,
    config_keys,
    parse_settings,
)
from components.stack_config import config_string
from tests.helpers import PROJECT, VALID, run_under_mocks

NS = PROJECT

# (key, bad value, words the error must contain)
BAD_VALUES = [
    ("name", "Kubia", "DNS-1035"),
    ("name", "1kubia", "DNS-1035"),
    ("name", "k" * 53, "at most 52"),
    ("name", "kubia-", "DNS-1035"),
    ("namespace", "Apps", "DNS-1123"),
    ("namespace", "n" * 64, "at most 63"),
    ("gcpProject", "Acme", "pattern"),
    ("gcpProject", "abc", "pattern"),
    ("zones", ["europe-west1"], "pattern"),
    ("zones", "europe-west1-b", "valid list"),
    ("zones", [], "at least 1"),
    ("replicas", -1, "greater than or equal to 0"),
    ("replicas", "three", "valid integer"),
    ("replicas", 1001, "less than or equal to 1000"),
    ("image", "", "at least 1"),
    ("image", "redis 7", "pattern"),
    ("args", "--appendonly", "valid list"),
    ("containerPort", 0, "greater than or equal to 1"),
    ("containerPort", 70000, "less than or equal to 65535"),
    ("servicePort", "http", "valid integer"),
    ("portName", "a-very-long-port-name", "IANA"),
    ("portName", "web--1", "IANA"),
    ("portName", "8080", "IANA"),
    ("claimName", "Data", "DNS-1123"),
    ("mountPath", "var/data", "absolute path"),
    ("mountPath", "/", "absolute path"),
    ("diskType", "pd-magnetic", "pd-standard"),
    ("diskSizeGb", 5, "10 to 65536"),
    ("diskSizeGb", 70000, "10 to 65536"),
    ("storageSlots", 0, "greater than or equal to 1"),
    ("storageSlots", 2, "at least replicas (3)"),
    ("slotGenerations", [0, -1], "greater than or equal to 0"),
    ("regionalDisks", "maybe", "expected true or false"),
    ("regionalDisks", "yes", "expected true or false"),
    ("networkPolicy", 1, "expected true or false"),
    ("snapshotSchedule", "monthly", "hourly"),
    ("snapshotStartTime", "03:30", "pattern"),
    ("snapshotWeekDay", "sunday", "SUNDAY"),
    ("snapshotRetentionDays", 0, "greater than or equal to 1"),
    ("protect", "yes please", "expected true or false"),
    ("allowDataDeletion", "sometimes", "expected true or false"),
    ("snapshotHoursInCycle", 24, "less than or equal to 23"),
    ("snapshotKeepOnSourceDelete", "maybe", "expected true or false"),
    ("provisionedIops", 0, "greater than or equal to 1"),
    ("placement", "us-central1-a", "valid list"),
    ("serviceName", "Redis", "DNS-1035"),
    ("selectorLabels", "app=x", "valid list"),
    ("preset", "mysql", "'none', 'kubia' or 'redis'"),
    ("runAsUser", 0, "greater than or equal to 1"),
    ("readinessProbe", "grpc", "expected tcp, http:/<path>"),
    ("livenessProbe", "exec:", "expected tcp, http:/<path>"),
    ("cpuRequest", "lots", "pattern"),
    ("memoryLimit", "1GB", "pattern"),
    ("env", ["NO_EQUALS"], "pattern"),
    ("configFilePath", "app.conf", "absolute path"),
    ("passwordEnv", "lower", "pattern"),
    ("workloadIdentity", "someone@gmail.com", "pattern"),
    ("maxUnavailable", 0, "greater than or equal to 1"),
    ("clientLabel", ["bad"], "expected a Kubernetes label"),
    ("podManagementPolicy", "Random", "'OrderedReady' or 'Parallel'"),
    ("updateStrategy", "Recreate", "'RollingUpdate' or 'OnDelete'"),
    ("ordinalsStart", -1, "greater than or equal to 0"),
    ("awaitTimeoutSeconds", 10, "greater than or equal to 60"),
    ("terminationGracePeriodSeconds", -1, "greater than or equal to 0"),
    ("passwordConfigLine", "requirepass x", "expected a line with {password}"),
    ("nodeSelector", ["pool"], "expected a Kubernetes label"),
    ("tolerations", ["dedicated=redis:Sometimes"], "expected key[=value]"),
    ("priorityClassName", "High", "pattern"),
    ("imagePullSecrets", ["Creds"], "pattern"),
    ("accessMode", "ReadWriteMany", "'ReadWriteOnce' or 'ReadWriteOncePod'"),
    ("machineSeries", "N2", "pattern"),
    ("initContainers", "[{}]", "each with a name and image"),
    ("sidecars", "not json", "expected a JSON array of containers"),
    ("podSpecOverrides", "[1]", "expected a JSON object"),
    ("fsType", "ntfs", "ext4"),
    ("volumeScope", "Bad_Scope", "GCE name"),
    ("volumeScope", "s" * 31, "at most 30"),
]


@pytest.mark.parametrize(("key", "value", "expected"), BAD_VALUES, ids=lambda x: str(x)[:20])
def test_bad_value_is_refused_naming_key_expectation_and_value(key, value, expected):
    with pytest.raises(SettingsError) as caught:
        parse_settings({**VALID, key: value}, NS)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{NS}:{key}: ")
    assert expected in problem
    assert repr(value) in problem


@pytest.mark.parametrize(
    "key", ["gcpProject", "zones", "name", "image", "storageSlots", "volumeScope"]
)
def test_missing_required_key_is_named_with_how_to_set_it(key):
    raw = {k: v for k, v in VALID.items() if k != key}
    with pytest.raises(SettingsError) as caught:
        parse_settings(raw, NS)
    assert caught.value.problems == [
        f"{NS}:{key}: required, but not set (pulumi config set {NS}:{key} <value>)"
    ]


def test_every_problem_is_reported_at_once():
    with pytest.raises(SettingsError) as caught:
        parse_settings({**VALID, "replicas": -1, "zones": ["nowhere"]}, NS)
    assert [p.split(":")[1] for p in caught.value.problems] == ["zones", "replicas"]


def test_valid_settings_take_documented_defaults():
    settings = parse_settings(VALID, NS)
    assert settings.disk_type == "pd-balanced"
    assert settings.disk_size_gb == 10
    assert settings.fs_type == "ext4"
    assert settings.claim_name == "data"


def test_config_keys_are_the_camel_case_aliases():
    assert config_keys()[:4] == ["preset", "name", "serviceName", "selectorLabels"]
    assert "diskSizeGb" in config_keys()


def config_for(values):
    return {f"{NS}:{k}": config_string(v) for k, v in values.items()}


def test_program_reads_pulumi_config_into_settings():
    settings, _ = run_under_mocks(
        load_settings, config=config_for({**VALID, "replicas": "2", "args": ["a", "b"]})
    )
    assert isinstance(settings, AppSettings)
    assert settings.replicas == 2
    assert settings.args == ["a", "b"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({**VALID, "replicas": "-1"}, f"{NS}:replicas: "),
        (
            {**VALID, "args": "not json"},
            f"{NS}:args: expected a list (JSON array); given: 'not json'",
        ),
        ({**VALID, "replica": "3"}, f"{NS}:replica: not a known config key"),
    ],
)
def test_program_stops_with_a_clean_error_and_registers_nothing(values, expected):
    monitor = start_mock_engine(PROJECT, "test", config_for(values))
    with pytest.raises(InvalidConfigError) as caught:
        _sync_await(run_pulumi_func(lambda: StatefulApp("kubia", load_settings())))
    assert expected in str(caught.value)
    assert isinstance(caught.value, pulumi.RunError)  # Pulumi prints it without a traceback
    assert [r.type for r in monitor.registrations] == ["pulumi:pulumi:Stack"]
