"""The whole program (`__main__.py`) on each of the three stacks, under the mock engine."""

import json
import runpy

import pytest
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.core.blueprint import build_blueprint
from components.offline import plan
from components.offline.mock_engine import start_mock_engine
from components.offline.render import render
from components.settings.arg_paths import GROUPS, TOP_LEVEL, parse_args
from components.stack.stack_config import load_project, resolve
from tests import relations
from tests.helpers import PROJECT, ROOT, STACKS, by_type, disk_zones, disks_by_name


def settings_of(values):
    """The stack's settings, read from its resolved config apart from the program's reader."""
    args = {}
    for key in TOP_LEVEL:
        if f"{PROJECT}:{key}" in values and key != "password":
            args[key] = values[f"{PROJECT}:{key}"]
    for group in GROUPS:
        if f"{PROJECT}:{group}" in values:
            args[group] = json.loads(values[f"{PROJECT}:{group}"])
    return parse_args(args, f"{PROJECT}:", values.get("gcp:region"))


@pytest.fixture(scope="module", params=STACKS)
def stack_run(request):
    stack = request.param
    project = load_project(ROOT)
    config = resolve(project, stack, [])
    settings = settings_of(config.values)
    return stack, render(ROOT, stack, []), build_blueprint(settings)


def canonical(objects):
    import json

    return sorted(json.dumps(o, sort_keys=True) for o in objects)


def without_shell_additions(objects):
    """The manifests less what only the shell knows: the Secret's data and its checksum."""
    result = []
    for obj in objects:
        obj = dict(obj)
        if obj["kind"] == "Secret":
            obj.pop("stringData", None)
        if obj["kind"] == "StatefulSet":
            obj = json.loads(json.dumps(obj))
            obj["spec"]["template"]["metadata"]["annotations"].pop("checksum/secret", None)
        result.append(obj)
    return result


def test_registered_objects_are_exactly_the_cores(stack_run):
    _, run, blueprint = stack_run
    assert canonical(without_shell_additions(plan.manifests(run))) == canonical(blueprint.manifests)
    assert sorted(disks_by_name(run.registrations)) == sorted(
        v.disk.name for v in blueprint.volumes
    )


@pytest.mark.parametrize("relation", relations.ALL_MANIFEST_RELATIONS, ids=lambda f: f.__name__)
def test_relations_hold_in_what_is_deployed(stack_run, relation):
    _, run, _ = stack_run
    assert relation(plan.manifests(run)) == []


def test_pv_zone_affinity_matches_the_registered_disk(stack_run):
    _, run, _ = stack_run
    disks = disk_zones(run.registrations)
    assert disks
    assert relations.zone_affinity_matches_disk(plan.manifests(run), disks) == []


def test_dependencies_run_disk_then_pv_then_statefulset(stack_run):
    _, run, _ = stack_run
    disks = disks_by_name(run.registrations)
    pvs = by_type(run.registrations, "kubernetes:core/v1:PersistentVolume")
    (sts,) = by_type(run.registrations, "kubernetes:apps/v1:StatefulSet")
    assert pvs and set(sts.dependencies) >= {pv.urn for pv in pvs}
    for pv in pvs:
        assert disks[pv.inputs["metadata"]["name"]].urn in pv.dependencies


def test_every_child_is_parented_to_a_component_of_the_app(stack_run):
    _, run, _ = stack_run
    tokens = {r.urn: r.type for r in run.registrations}
    for r in run.registrations:
        if r.custom:
            assert tokens[r.parent].startswith("gke-stateful:index:"), r.urn
        elif r.type.startswith("gke-stateful:index:"):
            assert tokens[r.parent] in ("pulumi:pulumi:Stack", "gke-stateful:index:StatefulApp")


def test_outputs_report_names_and_self_links(stack_run):
    _, run, blueprint = stack_run
    outputs = run.outputs
    assert outputs["podDnsNames"] == blueprint.names()["podDnsNames"]
    assert outputs["pvcNames"] == [v.pvc_name for v in blueprint.volumes]
    assert outputs["pvNames"] == outputs["diskNames"] == [v.disk.name for v in blueprint.volumes]
    assert outputs["srvNames"] and outputs["serviceDns"].endswith(".svc.cluster.local")
    for name, link in zip(outputs["diskNames"], outputs["diskSelfLinks"], strict=True):
        assert link.startswith("https://www.googleapis.com/compute/v1/projects/")
        assert link.endswith(f"/disks/{name}")


def test_stacks_differ_as_environments_do():
    project = load_project(ROOT)
    settings = {stack: settings_of(resolve(project, stack, []).values) for stack in STACKS}
    assert len({s.gcp_project for s in settings.values()}) == 3
    assert len({s.storage.region for s in settings.values()}) == 3
    assert len({s.storage.disk_type for s in settings.values()}) == 3
    prod, staging, dev = settings["prod"], settings["staging"], settings["dev"]
    assert prod.replicas >= 3 and len({z for slot in prod.slots for z in slot.zones}) >= 3
    assert prod.protection.protect and prod.snapshots.schedule is not None and prod.storage.kms_key
    assert all(slot.regional for slot in staging.slots)
    assert dev.protection.allow_data_deletion and not dev.protection.protect
    assert (
        settings["dev"].storage.disk_size_gb
        < settings["staging"].storage.disk_size_gb
        < settings["prod"].storage.disk_size_gb
    )


def test_invalid_config_stops_the_program_before_any_registration(tmp_path):
    project = load_project(ROOT)
    config = resolve(project, "dev", ["replicas=-1", 'storage.zones=["nowhere"]'])
    import pulumi

    monitor = start_mock_engine(PROJECT, "dev", config.values, config.secret_keys)
    with pytest.raises(pulumi.RunError) as caught:
        _sync_await(run_pulumi_func(lambda: runpy.run_path(str(project.main))))
    assert [r.type for r in monitor.registrations] == ["pulumi:pulumi:Stack"]
    message = str(caught.value)
    assert "gke-stateful:replicas: " in message and "given: '-1'" in message
    assert "gke-stateful:storage.zones[0]: " in message and "'nowhere'" in message
