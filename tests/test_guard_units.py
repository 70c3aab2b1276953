"""Edges of the guards' smaller rules that mutation testing found unchecked: the replace
rules for types and paths the table does not list, the slot record's refusals word for
word, the preview files' errors, the StatefulSet's identity and the guard that holds values
back. Expected values are written here, from the rules as documented."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from components.core.blueprint import build_blueprint
from components.core.replace_rules import (
    DISK,
    PV,
    forces_replacement,
    ignored_fields,
    recorded_fields,
)
from components.core.replacement import replacement_identity, replacement_problems
from components.core.slot_record import _pv_fact, slot_facts, slot_problems
from components.offline.change_preview import PreviousStateError, load_previous
from components.offline.preview_gate import PreviewFileError, check_preview_file, data_losses
from tests.helpers import make_settings, resolve, run_under_mocks

# --- the replace rules beyond the table's rows ------------------------------------------------


def test_a_random_resource_is_replaced_for_any_change_and_an_unknown_type_for_none():
    assert forces_replacement("random:index/randomBytes:RandomBytes", "length", {}, {}) is True
    assert forces_replacement("gcp:other/thing:Thing", "anything", {}, {}) is False
    assert ignored_fields("gcp:other/thing:Thing") == []
    assert recorded_fields("gcp:other/thing:Thing", "pd-ssd") == []


def test_a_kubernetes_kind_outside_the_list_is_replaced_for_its_name_only():
    namespace = {"kind": "Namespace"}
    assert forces_replacement("kubernetes:core/v1:Namespace", "metadata.name", {}, namespace)
    assert not forces_replacement("kubernetes:core/v1:Namespace", "metadata.labels", {}, namespace)


def test_a_path_holding_a_forcing_field_forces_too():
    # The whole spec changed (a PV written anew): it holds spec.csi, which forces.
    assert forces_replacement(PV, "spec", {}, {"kind": "PersistentVolume"}) is True
    assert forces_replacement(PV, "specs", {}, {"kind": "PersistentVolume"}) is False


def test_a_size_that_is_not_a_number_forces_nothing():
    assert forces_replacement(DISK, "size", {"size": "10"}, {"size": 5}) is False
    assert forces_replacement(DISK, "size", {"size": 10}, {"size": "5"}) is False


# --- the slot record --------------------------------------------------------------------------


def facts(**overrides):
    settings = make_settings(**overrides)
    return slot_facts(build_blueprint(settings).volumes[0])


def test_a_zonal_slot_records_its_zone_and_a_regional_one_its_replica_zones():
    zonal = facts()
    assert zonal["disk"]["zone"] == "europe-west1-b" and "replicaZones" not in zonal["disk"]
    regional = facts(
        zones=["europe-west1-b", "europe-west1-c"],
        regionalDisks=True,
        placement=["europe-west1-b+europe-west1-c"],
    )
    assert "zone" not in regional["disk"]
    assert regional["disk"]["region"] == "europe-west1"
    assert len(regional["disk"]["replicaZones"]) == 2


def test_a_pv_fact_missing_on_the_way_is_none():
    assert _pv_fact({"metadata": {}}, "spec.csi") is None
    assert _pv_fact({"spec": "text"}, "spec.csi") is None
    assert _pv_fact({"spec": {"csi": {"fsType": "ext4", "volumeHandle": "h"}}}, "spec.csi") == {
        "fsType": "ext4"
    }


def record(disk: str, adopted: bool = False, **parts):
    base = {"volumeScope": "s", "namespace": "ns", "name": "app", "claimName": "data"}
    return {
        "disk": disk,
        "adopted": adopted,
        "parts": {**base, "ordinalsStart": 0, **parts},
        "zones": ["z1"],
        "type": "pd-ssd",
        "pv": disk,
        "claim": "data-app-0",
        "index": 0,
        "facts": {},
    }


def test_a_new_disk_name_names_the_keys_that_changed_it():
    (problem,) = slot_problems(record("a"), record("b", namespace="n2", name="x", claimName="c"), 0)
    assert problem == (
        "namespace: slot 0 (data-app-0) has disk a; the config (with name, claimName) now names "
        "disk b, a different, empty one; keep namespace as it was (names are fixed for the "
        "life of a slot), or give the slot a new generation in slotGenerations"
    )


def test_a_disk_adopted_in_place_of_a_created_one_is_named_first():
    (problem,) = slot_problems(record("a"), record("legacy", adopted=True, name="x"), 0)
    assert problem.startswith(
        "adoptDisks: slot 0 (data-app-0) has disk a; the config (with name) now names disk legacy"
    )
    (back,) = slot_problems(record("legacy", adopted=True), record("a", name="x"), 0)
    assert back.startswith(
        "adoptDisks: slot 0 (data-app-0) has disk legacy; the config (with name)"
    )


def test_a_disk_turned_between_created_and_adopted_under_its_name_is_refused():
    # Created, then adopted under the same name: the engine's read of the same id would take
    # the disk out of the stack (a relinquish), unprotected and no longer snapshotted.
    (relinquish,) = slot_problems(record("a"), record("a", adopted=True), 0)
    assert relinquish == (
        "adoptDisks: slot 0 (data-app-0) has disk a, which this stack created; adopting it "
        "would take it out of the stack (no longer protected, retained or snapshotted): keep "
        "the slot's adoptDisks entry empty"
    )
    # Adopted, then created under the same name: GCE refuses a second disk by that name.
    (create,) = slot_problems(record("a", adopted=True), record("a"), 0)
    assert create.startswith("adoptDisks: slot 0 (data-app-0) adopted disk a, which the stack")
    assert "keep the slot's adoptDisks entry" in create


def test_a_record_met_at_another_position_is_refused_as_an_ordinals_start_change():
    # Volumes named by ordinal (legacyVolumeNames): under a new ordinalsStart the slot at
    # index 0 meets the record of the slot that was at index 1, names and all.
    (problem,) = slot_problems({**record("a"), "index": 1.0}, record("a"), 0)
    assert problem.startswith(
        "ordinalsStart: slot 0 (data-app-0) has the record of slot 1: the stack's volumes are "
        "named by ordinal"
    )
    assert (
        slot_problems({k: v for k, v in record("a").items() if k != "index"}, record("a"), 0) == []
    )


def test_an_adopted_disk_s_pv_renamed_names_the_key_that_renamed_it():
    recorded = {**record("legacy", adopted=True), "pv": "pv-old"}
    current = {**record("legacy", adopted=True, ordinalsStart=1), "pv": "pv-new"}
    (problem,) = slot_problems(recorded, current, 0)
    assert problem.startswith(
        "ordinalsStart: slot 0 (data-app-0) has PV pv-old for adopted disk legacy; the config "
        "now names the PV pv-new: pulumi-kubernetes would replace the PV"
    )
    assert slot_problems(recorded, {**current, "pv": "pv-old"}, 0) == []
    # No part changed, yet another PV name (a naming of another version): put on claimName.
    (renamed,) = slot_problems(recorded, {**recorded, "pv": "pv-new"}, 0)
    assert renamed.startswith("claimName: slot 0 (data-app-0) has PV pv-old")


def test_an_adopted_disk_s_project_and_file_system_are_facts_like_a_created_one_s():
    def adopted(project, fs_type):
        pv = {"spec.csi": {"driver": "pd.csi.storage.gke.io", "fsType": fs_type}}
        facts = {"disk": {"project": project}, "pv": pv}
        return {**record("legacy", adopted=True), "facts": facts}

    problems = slot_problems(adopted("p", "ext4"), adopted("q", "xfs"), 0)
    assert [p.split(":")[0] for p in problems] == ["gcpProject", "fsType"]
    # Said as what it is: a read disk, which no new generation can replace.
    assert problems[0] == (
        'gcpProject: slot 0 (data-app-0) was recorded with disk project "p", now "q": the '
        "slot would read another disk than the one it adopted; keep gcpProject as it was (an "
        "adopted slot keeps its disk and PV)"
    )
    assert "slotGenerations" not in problems[1] and "replace the PV" in problems[1]
    # A record written before adopted disks had facts judges the name only.
    assert slot_problems(record("legacy", adopted=True), adopted("q", "xfs"), 0) == []


def test_a_new_disk_type_does_not_concern_an_adopted_slot():
    # diskType shapes the disks the stack creates; an adopted disk keeps its own type.
    recorded = record("pv-a", adopted=True)
    assert slot_problems(recorded, {**recorded, "type": "pd-balanced"}, 0) == []
    created = record("a")
    (problem,) = slot_problems(created, {**created, "type": "pd-balanced"}, 0)
    assert problem.startswith("diskType: slot 0 (data-app-0) was created as pd-ssd")


def test_an_adopted_slot_named_another_disk_is_told_it_keeps_its_own():
    (problem,) = slot_problems(record("pv-b", adopted=True), record("pv-c", adopted=True), 0)
    assert problem == (
        "adoptDisks: slot 0 (data-app-0) has disk pv-b; the config now names disk pv-c, "
        "another disk; keep adoptDisks as it was (an adopted slot reads one disk for its life)"
    )


def test_a_new_disk_name_with_no_part_changed_is_put_on_adopt_disks():
    (problem,) = slot_problems(record("a"), record("b"), 0)
    assert problem.startswith("adoptDisks: slot 0 (data-app-0) has disk a; the config now names")


def with_facts(disk_facts, pv_facts):
    return {**record("a"), "facts": {"disk": disk_facts, "pv": pv_facts}}


def test_a_fact_dropped_from_the_config_is_a_change_and_unknown_facts_keep_their_name():
    recorded = with_facts({"project": "p", "provisionedIops": 5000}, {"metadata.namespace": "x"})
    current = with_facts({"project": "p"}, {"metadata.namespace": "y"})
    assert slot_problems(recorded, current, 0) == [
        "provisionedIops: slot 0 (data-app-0) was created with disk provisionedIops 5000, now "
        "null: the provider would replace the disk (the old one deleted first) and the slot "
        "would start on an empty disk; keep provisionedIops as it was, or to move the slot's "
        "data, snapshot its disk, raise its entry in slotGenerations and set its slotSnapshots "
        "entry (docs/operations.md, 'Moving a slot')",
        'metadata.namespace: slot 0 (data-app-0) was created with pv metadata.namespace "x", '
        'now "y": pulumi-kubernetes would replace the PV (the old one deleted first, which its '
        "bound claim holds back) and mount the slot's disk otherwise; keep metadata.namespace "
        "as it was, or to move the slot's data, snapshot its disk, raise its entry in "
        "slotGenerations and set its slotSnapshots entry (docs/operations.md, 'Moving a slot')",
    ]


def test_facts_in_a_shape_this_version_cannot_read_are_skipped_and_the_rest_still_judged():
    # A record of another shape (a later version's) must not stop the update with a crash;
    # its name, zones and type are still compared.
    recorded = {**record("a"), "facts": ["disk", "pv"], "type": "pd-standard"}
    current = with_facts({"project": "p"}, {"metadata.namespace": "y"})
    (problem,) = slot_problems(recorded, current, 0)
    assert problem.startswith("diskType: slot 0 (data-app-0) was created as pd-standard, now")
    assert slot_problems(with_facts({"project": "p"}, {}), {**record("a"), "facts": "x"}, 0) == []


# --- the StatefulSet's identity -----------------------------------------------------------------


def statefulset(namespace: str = "ns", service: str = "app"):
    return {
        "metadata": {"name": "app", "namespace": namespace},
        "spec": {"serviceName": service, "selector": {"app": "a"}, "replicas": 3},
    }


def test_the_identity_holds_the_name_the_namespace_and_the_fields_that_replace():
    assert replacement_identity(statefulset()) == {
        "name": "app",
        "namespace": "ns",
        "serviceName": "app",
        "selector": {"app": "a"},
        "podManagementPolicy": None,
        "volumeClaimTemplates": None,
        "ordinalsStart": 0,
    }
    moved = statefulset()
    moved["spec"]["ordinals"] = {"start": 2}
    assert replacement_identity(moved)["ordinalsStart"] == 2


def test_a_new_first_ordinal_is_refused_even_where_replacement_is_allowed():
    # Volumes named by ordinal have no slot record at ordinals the stack never had, so the
    # StatefulSet's record stops a range of ordinals that misses the old one.
    recorded = replacement_identity(statefulset()) | {"ordinalsStart": 1.0}
    current = replacement_identity(statefulset()) | {"ordinalsStart": 3}
    (problem,) = replacement_problems(recorded, current, True, "stash")
    assert problem.startswith(
        "ordinalsStart: the StatefulSet's pods start at ordinal 1; from 3 they are other pods"
    )
    assert "fixed for the life of a stack" in problem
    older = {k: v for k, v in recorded.items() if k != "ordinalsStart"}
    assert replacement_problems(older, current, True, "stash") == []
    assert replacement_problems(recorded, recorded, False, "stash") == []


def test_a_long_recorded_value_is_cut_at_120_characters():
    recorded = replacement_identity(statefulset(service="s" * 118))  # 120 with its quotes
    current = replacement_identity(statefulset(service="t" * 119))  # 121 with its quotes
    (problem,) = replacement_problems(recorded, current, False, "stash")
    assert f'Recorded "{"s" * 118}", now "{"t" * 116}.... Keep' in problem


# --- the files the gates read ---------------------------------------------------------------


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "file.json"
    path.write_text(content, encoding="utf-8")
    return path


def test_the_preview_gate_names_its_option_and_what_the_file_lacks(tmp_path):
    missing = tmp_path / "nowhere.json"
    with pytest.raises(PreviewFileError, match=f"^--check-preview: {missing} not found$"):
        check_preview_file(missing)
    with pytest.raises(PreviewFileError, match=r"^--check-preview: .* is not JSON"):
        check_preview_file(write(tmp_path, "{"))
    with pytest.raises(PreviewFileError, match=r"^--check-preview: expected a JSON object$"):
        check_preview_file(write(tmp_path, "[]"))
    with pytest.raises(PreviewFileError) as caught:
        data_losses({"diagnostics": []})
    assert str(caught.value) == (
        "expected an object with 'steps', as `pulumi preview --json` writes"
    )
    with pytest.raises(PreviewFileError) as caught:
        data_losses({"steps": [], "diagnostics": "error"})
    assert str(caught.value) == "'diagnostics' is not a list, as `pulumi preview --json` writes"


def test_an_earlier_plan_is_read_from_its_resources_and_errors_name_previous(tmp_path):
    plan = {"resources": [{"urn": "u", "type": "t"}]}
    assert load_previous(write(tmp_path, json.dumps(plan))) == [{"urn": "u", "type": "t"}]
    missing = tmp_path / "gone.json"
    with pytest.raises(PreviousStateError, match=f"^--previous: {missing} not found$"):
        load_previous(missing)


def test_a_stack_export_skips_providers_and_names_each_resource_by_its_urn(tmp_path):
    export = {
        "deployment": {
            "resources": [
                {
                    "urn": "urn:pulumi:s::p::pulumi:providers:gcp::default",
                    "type": "pulumi:providers:gcp",
                },
                {"urn": "urn:pulumi:s::p::x:index:App$t::app-plain", "type": "t"},
            ]
        }
    }
    (only,) = load_previous(write(tmp_path, json.dumps(export)))
    assert (only["name"], only["type"], only["inputs"]) == ("app-plain", "t", {})


# --- the guard that holds values back -------------------------------------------------------


def test_values_are_held_back_until_every_guard_is_clear():
    import pulumi

    from components.stack.config import TransitionRefusedError
    from components.stash_guard import refused_unless_clear

    clear, _ = run_under_mocks(
        lambda: refused_unless_clear([pulumi.Output.from_input([]), pulumi.Output.from_input([])])
    )
    assert resolve(clear) is True
    with pytest.raises(TransitionRefusedError) as caught:
        run_under_mocks(
            lambda: refused_unless_clear(
                [pulumi.Output.from_input(["a: no"]), pulumi.Output.from_input(["b: no", "c: no"])]
            )
        )
    assert caught.value.problems == ["a: no", "b: no", "c: no"]


def test_a_guard_without_dependencies_keeps_value_knownness_and_secrecy_not_resources():
    import pulumi
    from pulumi.runtime.sync_await import _sync_await

    from components.stash_guard import without_dependencies

    async def given(value):
        return value

    def build():
        thing = pulumi.CustomResource("test:index:Thing", "thing", {"a": 1})
        secret = pulumi.Output.secret(thing.id.apply(lambda _: ["x", 1]))
        unknown = pulumi.Output({thing}, given("v"), given(False), given(False))
        return thing, secret, without_dependencies(secret), without_dependencies(unknown)

    (thing, secret, kept, unknown), _ = run_under_mocks(build)
    assert resolve(kept) == ["x", 1]
    assert _sync_await(kept.is_secret()) is True and _sync_await(kept.is_known()) is True
    assert _sync_await(kept.resources()) == set()
    assert _sync_await(secret.resources()) == {thing}  # what it leaves out
    assert _sync_await(unknown.is_known()) is False
    assert _sync_await(unknown.is_secret()) is False


# --- names ----------------------------------------------------------------------------------


def test_a_named_port_publishes_its_tcp_srv_record_by_default():
    from components.settings.naming import srv_name

    assert srv_name("redis", "redis", "db") == "_redis._tcp.redis.db.svc.cluster.local"
    assert srv_name("dns", "ns1", "db", "UDP") == "_dns._udp.ns1.db.svc.cluster.local"


def test_the_snapshot_schedule_is_named_after_the_app_and_snapshots():
    from components.settings.naming import resource_policy_name

    # The readable join, then 6 hex digits of SHA-256 over the exact parts (NUL-separated).
    digest = hashlib.sha256(b"scope\0ns\0app\0snapshots").hexdigest()[:6]
    assert resource_policy_name("scope", "ns", "app") == f"scope-ns-app-snapshots-{digest}"


def test_a_gce_label_value_is_lower_case_and_cut_with_a_hash_past_63_characters():
    from components.settings.naming import gce_label_value

    assert gce_label_value("Kubia-Dev_1.x") == "kubia-dev_1-x"
    long = "a" * 70
    digest = hashlib.sha256(long.encode()).hexdigest()[:8]
    assert gce_label_value(long) == "a" * 54 + "-" + digest
    assert gce_label_value("b" * 63) == "b" * 63


@pytest.mark.parametrize(
    ("key", "value"),
    [("volumeScope", "other-scope"), ("claimName", "other"), ("ordinalsStart", 1), ("name", "x")],
)
def test_the_record_names_each_part_of_the_disks_name_by_its_key(key, value):
    from components.core.slot_record import slot_record

    def recorded(**overrides):
        settings = make_settings(**overrides)
        return slot_record(settings, build_blueprint(settings).volumes[0])

    problems = slot_problems(recorded(), recorded(**{key: value}), 0)
    assert problems and problems[0].startswith(f"{key}: slot 0 (")


def test_a_slot_record_holds_what_later_updates_compare_and_an_adopted_disk_its_pv_facts():
    from components.core.slot_record import slot_record

    settings = make_settings()
    made = slot_record(settings, build_blueprint(settings).volumes[0])
    assert set(made) == {
        "disk",
        "adopted",
        "parts",
        "zones",
        "type",
        "pv",
        "claim",
        "index",
        "facts",
    }
    assert made["pv"] == build_blueprint(settings).volumes[0].pv_name
    assert made["facts"]["disk"]["project"] == "acme-test-project"
    adopting = make_settings(adoptDisks=["legacy-0"])
    adopted = slot_record(adopting, build_blueprint(adopting).volumes[0])
    assert adopted["adopted"] is True
    # Of an adopted disk only its project (part of the id it is read by); its PV as any.
    assert adopted["facts"]["disk"] == {"project": "acme-test-project"}
    assert adopted["facts"]["pv"]["spec.csi"] == {
        "driver": "pd.csi.storage.gke.io",
        "fsType": "ext4",
    }
    assert adopted["facts"]["pv"]["metadata.name"] == adopted["pv"]


def test_a_recorded_whole_number_is_shown_as_given():
    from components.core.engine_values import whole

    assert (whole(1.0), whole(1.5), whole(3), whole("x"), whole(None)) == (1, 1.5, 3, "x", None)
    assert isinstance(whole(2.0), int)
