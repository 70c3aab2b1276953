"""The component package, as other Pulumi languages see it: its schema, checked against
Pulumi's package metaschema, and StatefulApp constructed through the plugin's gRPC server,
started as the language host starts it, against a stand-in engine on the loopback."""

from __future__ import annotations

import json
import os
import re
from importlib import metadata
from typing import Any

import grpc
import jsonschema
import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s
import pytest
from pulumi.runtime.proto import errors_pb2, status_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.app import StatefulApp
from components.offline.mock_engine import start_mock_engine
from components.package.package_schema import package_schema
from tests.grpc_engine import PluginSession, outputs, secret, start_plugin
from tests.helpers import ROOT, shared_reference, shipped_reference

# The integration tier (runs the plugin over gRPC).
pytestmark = pytest.mark.integration

METASCHEMA = shipped_reference("pulumi-package-metaschema.json")
TOKEN = "gke-stateful:index:StatefulApp"
PASSWORD = "correct horse battery staple"
# The inputs that pass through to Kubernetes or GCE and may be Outputs; every other input
# shapes names, counts, placement or validation and is plain.
PASS_THROUGH = {"image", "password", "StorageArgs.kmsKey"}

REDIS = {
    "name": "redis",
    "preset": "redis",
    "namespace": "db",
    "gcpProject": "acme-test-project",
    "volumeScope": "redis-test",
    "replicas": 3,
    "storage": {
        "zones": ["us-central1-a", "us-central1-b", "us-central1-c"],
        "placement": ["us-central1-a", "us-central1-b", "us-central1-c"],
        "storageSlots": 3,
        "diskType": "pd-ssd",
        "diskSizeGb": 200,
        "extraClaims": [{"name": "logs", "mountPath": "/var/log/redis", "sizeGb": 20}],
    },
    "snapshots": {"snapshotSchedule": "hourly", "snapshotHoursInCycle": 4},
    "protection": {"protect": True},
    "container": {"memoryLimit": "2Gi", "env": {"TZ": "UTC"}},
    "pods": {
        "tolerations": [{"key": "dedicated", "value": "redis", "effect": "NoSchedule"}],
        "nodeSelector": {"pool": "redis"},
    },
    "network": {"clientLabel": [{"app.kubernetes.io/part-of": "checkout"}]},
    "rollout": {"minReadySeconds": 10},
    "redis": {"replication": True},
}
KUBIA = {
    "name": "kubia",
    "preset": "kubia",
    "namespace": "db",
    "gcpProject": "acme-test-project",
    "volumeScope": "kubia-test",
    "storage": {"zones": ["us-central1-a"], "storageSlots": 1},
}


@pytest.fixture(scope="module")
def plugin():
    session = start_plugin(ROOT)
    yield session
    session.close()


@pytest.fixture(scope="module")
def schema(plugin) -> dict[str, Any]:
    return json.loads(plugin.schema())


def test_the_plugin_serves_the_schema_generated_in_process(schema):
    assert schema == package_schema()
    assert list(schema["resources"]) == [TOKEN]
    assert schema["resources"][TOKEN]["isComponent"] is True


def test_the_schema_is_valid_under_pulumis_metaschema(schema):
    # The metaschema's patterns are ECMA regexes: their named groups, `(?<major>`, are
    # written `(?P<major>` in Python's.
    text = METASCHEMA.read_text().replace("(?<", "(?P<")
    metaschema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(metaschema)
    errors = list(jsonschema.Draft202012Validator(metaschema).iter_errors(schema))
    assert errors == []


def test_the_shipped_metaschema_is_the_reference_copy():
    """The shipped metaschema is the team's reference file, byte for byte, wherever that
    reference is present; CI sets GKE_STATEFUL_REQUIRE_REFERENCE and so requires it."""
    reference = shared_reference(METASCHEMA.name)
    if reference is None:
        if os.environ.get("GKE_STATEFUL_REQUIRE_REFERENCE"):
            pytest.fail("shared/reference/pulumi-package-metaschema.json is required here")
        pytest.skip("no shared/reference/ beside the project: the shipped copy is used as is")
    assert METASCHEMA.read_bytes() == reference.read_bytes()


def refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [v for k, v in value.items() if k == "$ref"] + [
            r for v in value.values() for r in refs(v)
        ]
    if isinstance(value, list):
        return [r for v in value for r in refs(v)]
    return []


# The other packages' resources the schema may refer to, by the class that registers them.
REFERENCED = {
    "kubernetes": [k8s.apps.v1.StatefulSet],
    "gcp": [gcp.compute.Disk, gcp.compute.RegionDisk],
}


def test_every_reference_resolves(schema):
    found = refs(schema)
    assert found
    external = set()
    for ref in found:
        if ref.startswith("#/types/"):
            assert ref.removeprefix("#/types/") in schema["types"], ref
        elif ref.startswith("/"):
            # Another package's schema, by the version the plugin pins and installs.
            package, version, rest = ref[1:].split("/", 2)
            installed = metadata.version(f"pulumi-{package}")
            assert version == f"v{installed}", ref
            assert {"name": package, "version": installed} in schema["dependencies"]
            tokens = [c.pulumi_type.replace("/", "%2F") for c in REFERENCED[package]]  # type: ignore[attr-defined]
            assert rest.removeprefix("schema.json#/resources/") in tokens, ref
            external.add(rest)
        else:
            assert ref == "pulumi.json#/Any", ref
    assert len(external) == 3  # the StatefulSet, zonal and regional disks


def test_the_plugin_pins_the_provider_versions_its_schema_refers_to():
    pins = dict(
        re.findall(
            r"^([a-z-]+)==(\S+)$", (ROOT / "provider" / "requirements.txt").read_text(), re.M
        )
    )
    for package in ("pulumi", "pulumi-gcp", "pulumi-kubernetes", "pulumi-random"):
        assert pins[package] == metadata.version(package), package


def properties(schema) -> list[tuple[str, dict[str, Any]]]:
    """Every property of the package: inputs, outputs and object types, by owner.name."""
    resource = schema["resources"][TOKEN]
    found = [(name, p) for name, p in resource["inputProperties"].items()]
    found += [(f"output {name}", p) for name, p in resource["properties"].items()]
    for type_name, spec in schema["types"].items():
        owner = type_name.rsplit(":", 1)[-1]
        found += [(f"{owner}.{name}", p) for name, p in spec.get("properties", {}).items()]
    return found


def test_every_property_type_and_enum_value_is_documented(schema):
    assert schema["resources"][TOKEN]["description"]
    for name, prop in properties(schema):
        assert len(prop.get("description", "")) > 10, name
    for type_name, spec in schema["types"].items():
        assert spec.get("description"), type_name
        for value in spec.get("enum", []):
            assert value.get("description"), (type_name, value)


def test_only_pass_through_inputs_accept_outputs(schema):
    not_plain = {
        name
        for name, prop in properties(schema)
        if not name.startswith(("output ", "RetiredSlot.")) and not prop.get("plain")
    }
    assert not_plain == PASS_THROUGH
    assert schema["resources"][TOKEN]["inputProperties"]["password"]["secret"] is True
    node_selector = schema["types"]["gke-stateful:index:PodArgs"]["properties"]["nodeSelector"]
    # A plain map whose values may be Outputs (a node pool's name from another resource).
    assert node_selector["plain"] is True
    assert node_selector["additionalProperties"]["type"] == "string"
    assert "plain" not in node_selector["additionalProperties"]


def test_closed_sets_are_enums(schema):
    enums = {name.rsplit(":", 1)[-1] for name, spec in schema["types"].items() if "enum" in spec}
    assert {"Preset", "DiskType", "FsType", "SnapshotFrequency", "ProbeType"} <= enums
    disk_types = schema["types"]["gke-stateful:index:DiskType"]["enum"]
    assert [v["value"] for v in disk_types] == [
        "pd-standard",
        "pd-balanced",
        "pd-ssd",
        "pd-extreme",
        "hyperdisk-balanced",
    ]


def test_required_inputs_are_the_ones_without_a_default(schema):
    resource = schema["resources"][TOKEN]
    assert sorted(resource["requiredInputs"]) == ["gcpProject", "name", "storage", "volumeScope"]
    storage = schema["types"]["gke-stateful:index:StorageArgs"]
    assert sorted(storage["required"]) == ["storageSlots", "zones"]


# --- Construct over gRPC -------------------------------------------------------------------


def in_process(args: dict[str, Any], name: str, project: str, stack: str):
    """The same component, created by a Python program under the mock engine."""
    monitor = start_mock_engine(project, stack, {})
    _sync_await(run_pulumi_func(lambda: StatefulApp(name, args)))  # type: ignore[arg-type]
    return [r for r in monitor.registrations if r.type != "pulumi:pulumi:Stack"]


def comparable(registrations) -> list[tuple]:
    """Registrations in URN order (children of different parents register concurrently)."""
    return sorted(
        [
            (
                r.urn,
                r.type,
                r.custom,
                r.parent,
                sorted(r.dependencies),
                json.dumps(r.options, sort_keys=True),
                json.dumps(r.inputs, sort_keys=True),
            )
            for r in registrations
        ]
    )


def constructed(plugin: PluginSession, name: str, args: dict[str, Any]):
    before = len(plugin.monitor.registrations)
    response = plugin.construct(name, args)
    return response, plugin.monitor.registrations[before:]


def test_construct_registers_what_the_python_program_registers(plugin):
    response, over_grpc = constructed(plugin, "cache", {**REDIS, "password": secret(PASSWORD)})
    assert response.urn == f"urn:pulumi:test::consumer::{TOKEN}::cache"
    program = in_process(
        {**REDIS, "password": pulumi.Output.secret(PASSWORD)}, "cache", "consumer", "test"
    )
    assert comparable(over_grpc) == comparable(program)
    types = {r.type for r in over_grpc}
    assert {"gcp:compute/disk:Disk", "kubernetes:apps/v1:StatefulSet"} <= types
    assert len([r for r in over_grpc if r.type == "gcp:compute/disk:Disk"]) == 6  # 3 slots x 2


def test_the_password_arrives_and_stays_secret(plugin):
    response, regs = constructed(
        plugin, "secret-check", {**REDIS, "volumeScope": "redis-s", "password": secret(PASSWORD)}
    )
    (secret_resource,) = [r for r in regs if r.type == "kubernetes:core/v1:Secret"]
    # Masked by the recorder only because it arrived marked secret: a plain value would show.
    assert secret_resource.inputs["stringData"] == {
        "auth.conf": "[secret]",
        "password": "[secret]",
        "sentinel.conf": "[secret]",  # Sentinel's auth-pass line, with replication
    }
    assert PASSWORD not in repr([r.inputs for r in regs])
    assert PASSWORD not in json.dumps(outputs(response), default=str)
    assert all(PASSWORD not in m for m in plugin.engine.messages)


def test_outputs_are_typed_and_name_the_objects(plugin, schema):
    response, _ = constructed(plugin, "outputs", {**KUBIA, "volumeScope": "kubia-o"})
    state = outputs(response)
    # Every output the schema declares has a value.
    assert set(state) == set(schema["resources"][TOKEN]["properties"])
    assert state["statefulSetName"] == "kubia"
    assert state["podDnsNames"] == ["kubia-0.kubia.db.svc.cluster.local"]
    assert state["storageSlots"] == 1
    assert state["placement"] == ["us-central1-a"]
    assert state["retiredSlots"] == []
    assert state["diskNames"][0].startswith("kubia-o-db-kubia-data-")
    # The StatefulSet and the disks themselves, as references to the providers' resources.
    assert isinstance(state["statefulSet"], pulumi.Resource)
    (disk,) = state["zonalDisks"]
    assert isinstance(disk, pulumi.Resource) and state["regionalDisks"] == []


def invalid(plugin: PluginSession, args: dict[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    before = len(plugin.monitor.registrations)
    with pytest.raises(grpc.RpcError) as caught:
        plugin.construct("bad", args)
    error = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    assert plugin.monitor.registrations[before:] == []  # nothing registered
    status = status_pb2.Status()
    for key, value in error.trailing_metadata():
        if key == "grpc-status-details-bin":
            status.ParseFromString(value)
    details = errors_pb2.InputPropertiesError()
    assert status.details and status.details[0].Unpack(details)
    found = [(e.property_path, e.reason) for e in details.errors]
    assert "Traceback" not in error.details() + repr(found)
    return error.details(), found


@pytest.mark.parametrize(
    ("change", "path", "reason"),
    [
        ({"storage": None}, "storage", "Missing required input 'storage'"),
        ({"storage": {"storageSlots": 3}}, "storage.zones", "Missing required input"),
        (
            {"storage": {**REDIS["storage"], "diskSizeGb": 5}},
            "storage.diskSizeGb",
            "expected 10 to 65536",
        ),
        ({"replicas": 2.5}, "replicas", "whole number"),
        ({"replicas": 4}, "storage.storageSlots", "expected at least replicas (4)"),
        ({"preset": "mysql"}, "preset", "Invalid value mysql"),
        ({"name": "Redis"}, "name", "DNS-1035"),
        ({"password": None}, "password", "required by this app"),
        ({"container": {"readinessProbe": {"type": "http"}}}, "container.readinessProbe", "path"),
        ({"network": {"clientLabel": [{"bad key!": "x"}]}}, "network.clientLabel[0]", "label"),
    ],
)
def test_a_missing_or_invalid_input_is_refused_naming_the_property(plugin, change, path, reason):
    args = {**REDIS, "password": secret(PASSWORD), **change}
    args = {k: v for k, v in args.items() if v is not None}
    _, errors = invalid(plugin, args)
    assert any(p == path and reason in r for p, r in errors), errors


# --- several apps in one stack -------------------------------------------------------------


def test_two_apps_in_one_namespace_share_no_name(plugin):
    _, redis = constructed(
        plugin, "cache-two", {**REDIS, "volumeScope": "shared", "password": secret(PASSWORD)}
    )
    _, kubia = constructed(plugin, "web-two", {**KUBIA, "volumeScope": "shared"})
    both = redis + kubia
    assert len({r.urn for r in both}) == len(both)
    kinds = {}
    for r in both:
        if r.type.startswith("kubernetes:") and "metadata" in r.inputs:
            key = (r.type, r.inputs["metadata"].get("namespace"), r.inputs["metadata"]["name"])
            assert key not in kinds, key
            kinds[key] = r.name
    disks = [r.inputs["name"] for r in both if r.type == "gcp:compute/disk:Disk"]
    assert len(set(disks)) == len(disks) == 7


def test_two_apps_in_one_python_program():
    monitor = start_mock_engine("consumer", "two", {})

    def program():
        StatefulApp("cache", {**REDIS, "password": pulumi.Output.secret(PASSWORD)})  # type: ignore[arg-type]
        StatefulApp("web", {**KUBIA, "namespace": "web"})  # type: ignore[arg-type]

    _sync_await(run_pulumi_func(program))
    urns = [r.urn for r in monitor.registrations]
    assert len(set(urns)) == len(urns)
    apps = [r for r in monitor.registrations if r.type == TOKEN]
    assert sorted(r.name for r in apps) == ["cache", "web"]  # registered concurrently


# --- pass-through inputs ---------------------------------------------------------------------


def test_pass_through_inputs_may_be_outputs_of_other_resources():
    monitor = start_mock_engine("consumer", "outputs", {})

    def later(value: str) -> pulumi.Output[str]:
        return pulumi.Output.from_input(value).apply(lambda v: v)

    def program():
        args = {
            **REDIS,
            "image": later("registry.example/redis:7.2.5"),
            "storage": {
                **REDIS["storage"],
                "kmsKey": later("projects/p/locations/l/keyRings/r/cryptoKeys/k"),
            },
            "pods": {"nodeSelector": {"pool": later("redis-pool")}},
            "password": pulumi.Output.secret(PASSWORD),
        }
        StatefulApp("cache", args)  # type: ignore[arg-type]

    _sync_await(run_pulumi_func(program))
    (sts,) = [r for r in monitor.registrations if r.type == "kubernetes:apps/v1:StatefulSet"]
    pod = sts.inputs["spec"]["template"]["spec"]
    assert pod["containers"][0]["image"] == "registry.example/redis:7.2.5"
    assert pod["nodeSelector"] == {"pool": "redis-pool"}
    disks = [r for r in monitor.registrations if r.type == "gcp:compute/disk:Disk"]
    assert {d.inputs["diskEncryptionKey"]["kmsKeySelfLink"] for d in disks} == {
        "projects/p/locations/l/keyRings/r/cryptoKeys/k"
    }


def test_a_known_pass_through_value_is_still_checked():
    start_mock_engine("consumer", "checked", {})
    with pytest.raises(pulumi.RunError, match="image: expected an image reference"):
        _sync_await(run_pulumi_func(lambda: StatefulApp("c", {**KUBIA, "image": "redis 7"})))  # type: ignore[arg-type]


SAME_ERRORS = [
    {"storage": {**KUBIA["storage"], "diskSizeGb": 5}},
    {"name": "Kubia"},
    {"replicas": 2},
    {"storage": {**KUBIA["storage"], "zones": ["europe-west1"]}},
    {"network": {"clientLabel": [{"app": "bad value"}]}},
    {"rollout": {"updateStrategy": "OnDelete", "partition": 1}},
    {"pods": {"tolerations": [{"key": "a", "operator": "Exists", "value": "b"}]}},
]


@pytest.mark.parametrize("change", SAME_ERRORS, ids=lambda c: next(iter(c)))
def test_the_provider_and_a_stack_file_give_the_same_errors(plugin, tmp_path, change):
    """The same bad settings through the plugin and through a stack file of the program:
    the same problems, by the same paths (the stack's with its namespace)."""
    import shutil

    import yaml

    from components.offline.render import main

    args = {**KUBIA, **change}
    _, over_grpc = invalid(plugin, args)
    program = tmp_path / "program"
    (program / "stacks").mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", program)
    shutil.copy(ROOT / "__main__.py", program)
    stack = {"config": {f"gke-stateful:{k}": v for k, v in args.items()}}
    (program / "stacks" / "Pulumi.s.yaml").write_text(yaml.safe_dump(stack))
    err = tmp_path / "err"
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stderr(buffer):
        code = main(["--stack", "s", "--out", str(tmp_path / "o"), "--program", str(program)])
    assert code == 2
    from_stack = [
        line.removeprefix("  - gke-stateful:").split(": ", 1)
        for line in buffer.getvalue().splitlines()
        if line.startswith("  - gke-stateful:")
    ]
    assert sorted(map(tuple, from_stack)) == sorted(over_grpc)
    assert not err.exists()
