"""The guards' refusals word for word: a person reads them to decide what to do, so the key,
the slot, both values and the way out must all be there, exactly. Pure functions, written
out here rather than computed by the code under test."""

from __future__ import annotations

import pytest

from components.core.blueprint import build_blueprint
from components.core.replacement import replacement_problems
from components.core.slot_record import slot_problems, slot_record
from components.offline.preview_gate import PreviewFileError, data_losses, urn_type
from tests.helpers import make_settings

MOVE = (
    "to move the slot's data, snapshot its disk, raise its entry in slotGenerations and set "
    "its slotSnapshots entry (docs/operations.md, 'Moving a slot')"
)
ZONES = ["europe-west1-b", "europe-west1-c"]


def record(**overrides):
    settings = make_settings(**overrides)
    return slot_record(settings, build_blueprint(settings).volumes[0])


def placed(*entries):
    return record(zones=ZONES, placement=[*entries, "europe-west1-b", "europe-west1-b"])


def test_a_zonal_disk_cannot_become_regional():
    (problem,) = slot_problems(placed("europe-west1-b"), placed("europe-west1-b+europe-west1-c"), 0)
    assert problem == (
        'placement: slot 0 (data-kubia-0) was created in ["europe-west1-b"], the config now '
        'puts it in ["europe-west1-b", "europe-west1-c"]; a zonal disk cannot become '
        f"regional: a disk's zone is fixed; {MOVE}"
    )


def test_a_regional_disk_cannot_become_zonal():
    (problem,) = slot_problems(placed("europe-west1-b+europe-west1-c"), placed("europe-west1-b"), 0)
    assert "; a regional disk cannot become zonal: a disk's zone is fixed" in problem


def test_another_zone_of_the_same_form_says_no_form():
    (problem,) = slot_problems(placed("europe-west1-b"), placed("europe-west1-c"), 0)
    assert problem == (
        'placement: slot 0 (data-kubia-0) was created in ["europe-west1-b"], the config now '
        f'puts it in ["europe-west1-c"]: a disk\'s zone is fixed; {MOVE}'
    )


def test_another_disk_type():
    (problem,) = slot_problems(record(), record(diskType="pd-ssd"), 0)
    assert problem == (
        "diskType: slot 0 (data-kubia-0) was created as pd-balanced, now pd-ssd: a disk's type "
        f"is fixed; {MOVE}"
    )


def test_another_name_names_the_key_that_changed_it():
    (problem,) = slot_problems(record(), record(name="other"), 0)
    assert problem == (
        "name: slot 0 (data-other-0) has disk kubia-test-apps-kubia-data-158748-0; the config "
        "now names disk kubia-test-apps-other-data-e58053-0, a different, empty one; keep name "
        "as it was (names are fixed for the life of a slot), or give the slot a new generation "
        "in slotGenerations"
    )


def test_several_name_parts_are_all_named():
    (problem,) = slot_problems(record(), record(name="other", namespace="elsewhere"), 0)
    assert problem.startswith("namespace: slot 0 (data-other-0) has disk ")
    assert "the config (with name) now names disk " in problem


def test_an_adopted_disk_for_a_slot_that_has_one_is_one_problem():
    (problem,) = slot_problems(record(), record(adoptDisks=["pv-a"]), 0)
    assert problem.startswith(
        "adoptDisks: slot 0 (data-kubia-0) has disk kubia-test-apps-kubia-data-158748-0; the "
        "config now names disk pv-a, a different, empty one; keep adoptDisks as it was"
    )


def test_a_slot_recorded_as_adopted_names_adoption():
    adopted = record(adoptDisks=["pv-a"])
    (problem,) = slot_problems(adopted, record(), 0)
    assert problem.startswith("adoptDisks: slot 0 (data-kubia-0) has disk pv-a; ")


def test_an_unchanged_slot_and_a_new_one_pass():
    assert slot_problems(record(), record(), 0) == []
    assert slot_problems(None, record(), 0) == []
    assert slot_problems({}, record(), 0) == []


def test_the_slot_index_is_the_one_given():
    (problem,) = slot_problems(record(), record(diskType="pd-ssd"), 7)
    assert problem.startswith("diskType: slot 7 (data-kubia-0) ")


# --- the StatefulSet's fields ---------------------------------------------------------------

IDENTITY = {
    "name": "app",
    "namespace": "ns",
    "serviceName": "app",
    "selector": {"matchLabels": {"b": "2", "a": "1"}},
    "podManagementPolicy": "OrderedReady",
    "volumeClaimTemplates": [{"metadata": {"name": "data"}}],
}


def test_a_field_change_shows_both_values_sorted_and_the_runbook():
    (problem,) = replacement_problems(
        IDENTITY, {**IDENTITY, "selector": {"matchLabels": {"a": "9"}}}, False, "guard-stash"
    )
    assert problem == (
        "allowStatefulSetReplacement: changing selectorLabels (or name, which the default "
        "selector follows) changes the StatefulSet's spec.selector, which Kubernetes cannot "
        "update: pulumi-kubernetes would delete the StatefulSet with all its pods before "
        'creating it again. Recorded {"matchLabels": {"a": "1", "b": "2"}}, now '
        '{"matchLabels": {"a": "9"}}. Keep the old value; or move the pods over without '
        "downtime (docs/operations.md, 'Replacing the StatefulSet': `kubectl delete "
        "statefulset --cascade=orphan`, `pulumi refresh`, `pulumi up --replace <URN of the "
        "Stash guard-stash>`); or accept the outage with allowStatefulSetReplacement: true"
    )


def test_a_name_change_shows_both_names():
    (problem,) = replacement_problems(IDENTITY, {**IDENTITY, "name": "other"}, True, "g")
    assert problem == (
        'name: the StatefulSet was created as "app"; a new name is a new StatefulSet whose '
        "pods get new claims, with no disk pinned to them, while the old pods stop: now "
        '"other". Keep it; a new name is a new stack, restored from snapshots'
    )


@pytest.mark.parametrize(("length", "shown"), [(118, 120), (119, 120), (200, 120)])
def test_long_values_are_cut_at_120_characters(length, shown):
    old = {**IDENTITY, "serviceName": "x" * (length - 2)}  # json adds two quotes
    (problem,) = replacement_problems(old, {**IDENTITY, "serviceName": "y"}, False, "g")
    value = problem.split("Recorded ", 1)[1].split(", now ", 1)[0]
    assert len(value) == min(length, shown)
    assert value.endswith("...") == (length > 120)


def test_nothing_recorded_means_nothing_refused():
    assert replacement_problems(None, IDENTITY, False, "g") == []
    assert replacement_problems(IDENTITY, IDENTITY, False, "g") == []


# --- the preview gate's edges -------------------------------------------------------------


def test_a_type_under_nested_components_is_the_last_one():
    urn = "urn:pulumi:s::p::a:index:A$b:index:B$gcp:compute/disk:Disk::d"
    assert urn_type(urn) == "gcp:compute/disk:Disk"
    with pytest.raises(PreviewFileError, match="not a Pulumi URN: 'nope'"):
        urn_type("nope")


def test_a_step_without_a_urn_is_no_data():
    assert data_losses({"steps": [{"op": "delete"}]}) == []


def test_a_replacement_lists_the_keys_when_there_are_no_replace_reasons():
    step = {
        "op": "replace",
        "urn": "urn:pulumi:s::p::gcp:compute/disk:Disk::d",
        "keys": ["zone", "type"],
    }
    assert data_losses({"steps": [step]}) == ["disk d: replaced (for zone, type)"]


def test_an_error_without_a_message_is_still_one():
    preview = {"steps": [], "diagnostics": [{"severity": "error"}]}
    assert data_losses(preview) == ["the preview failed: (no message)"]


def test_diagnostics_that_are_not_a_list_are_not_a_preview():
    with pytest.raises(PreviewFileError, match="'diagnostics' is not a list"):
        data_losses({"steps": [], "diagnostics": {"a": 1}})
    with pytest.raises(PreviewFileError, match="expected an object with 'steps'"):
        data_losses({"steps": {}})
