"""Where each setting sits in the grouped inputs, and the stack files of earlier versions:
the move between the flat record and the groups, and the forms 0.1.0 wrote."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.app_args import DiskType, Preset
from components.settings.arg_paths import (
    GROUPS,
    PATHS,
    TOP_LEVEL,
    grouped,
    in_place,
    parse_args,
    path_of,
)
from components.settings.legacy_config import legacy_keys, migration_message, new_form
from components.settings.validation import SettingsError
from tests.helpers import VALID


def test_paths_are_group_dot_leaf_or_the_top_level_name():
    assert path_of("diskSizeGb") == "storage.diskSizeGb"
    assert path_of("clientLabel") == "network.clientLabel"
    assert path_of("replicas") == "replicas"
    assert path_of("unknownThing") == "unknownThing"
    assert "password" not in PATHS and "password" in TOP_LEVEL
    assert set(GROUPS) >= {"storage", "snapshots", "protection", "container", "pods"}


def test_inputs_in_place_take_camel_and_snake_case_and_plain_enum_values():
    placed, problems = in_place(
        {
            "gcp_project": "p",
            "preset": Preset.REDIS,
            "storage": {"disk_size_gb": 20, "diskType": DiskType.PD_SSD},
            "network": None,
            "password": "kept apart",
        }
    )
    assert problems == []
    assert placed == {
        "gcpProject": "p",
        "preset": "redis",
        "storage": {"diskSizeGb": 20, "diskType": "pd-ssd"},
    }
    assert type(placed["preset"]) is str
    assert type(placed["storage"]["diskType"]) is str


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ({"storage": "big"}, "storage: expected an object of zones, storageSlots"),
        (
            {"network": {"diskSizeGb": 1}},
            "network.diskSizeGb: not a setting here; did you mean storage.diskSizeGb?",
        ),
        (
            {"storage": {"diskSize": 1}},
            "storage.diskSize: not a known setting; did you mean storage.diskSizeGb?",
        ),
        ({"replica": 3}, "replica: not a known setting; did you mean replicas?"),
        ({"diskSizeGb": 3}, "diskSizeGb: not a setting here; did you mean storage.diskSizeGb?"),
        (
            {"storage": {"qqqqqq": 1}},
            "storage.qqqqqq: not a known setting (known here: zones, storageSlots,",
        ),
    ],
)
def test_misplaced_keys_are_named_with_the_nearest_setting(args, problem):
    placed, problems = in_place(args)
    assert all(not value for value in placed.values())
    (only,) = problems
    assert only.startswith(problem), only


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(sorted(PATHS)),
        st.one_of(st.integers(), st.text(max_size=5), st.booleans()),
        max_size=12,
    )
)
def test_settings_given_by_name_land_at_their_paths(flat):
    placed, problems = in_place(grouped(flat))
    assert problems == []
    # Read back by path, each setting is where its name says: independent of grouped().
    for name, value in flat.items():
        group, _, leaf = PATHS[name].rpartition(".")
        assert (placed[group] if group else placed)[leaf] == value


def test_parse_args_prefixes_every_problem_with_the_namespace():
    with pytest.raises(SettingsError) as caught:
        parse_args({**grouped({**VALID, "replicas": -1}), "storag": {}}, "ns:")
    assert caught.value.problems[0].startswith("ns:replicas: ")
    assert "ns:storag: not a known setting; did you mean storage?" in caught.value.problems
    assert all(p.startswith("ns:") for p in caught.value.problems)
    with pytest.raises(SettingsError) as only_misplaced:
        parse_args({**grouped(VALID), "storag": {}}, "ns:")
    assert only_misplaced.value.problems == [
        "ns:storag: not a known setting; did you mean storage?"
    ]
    assert parse_args(grouped(VALID)).replicas == 3


@pytest.mark.parametrize(
    ("key", "old", "new"),
    [
        ("selectorLabels", ["app=web", "tier=db=x"], {"app": "web", "tier": "db=x"}),
        ("nodeSelector", ["pool=redis", "no-equals"], {"pool": "redis"}),
        ("env", ["A=b=c"], {"A": "b=c"}),
        ("clientLabel", ["team=a", "team=b"], [{"team": "a"}, {"team": "b"}]),
        ("readinessProbe", "", {"type": "none"}),
        ("readinessProbe", "tcp", {"type": "tcp"}),
        ("livenessProbe", "http:/healthz", {"type": "http", "path": "/healthz"}),
        ("startupProbe", "exec:redis-cli ping", {"type": "exec", "command": "redis-cli ping"}),
        (
            "tolerations",
            ["dedicated=redis:NoSchedule", "spot:NoExecute", "gpu"],
            [
                {"key": "dedicated", "value": "redis", "effect": "NoSchedule"},
                {"key": "spot", "effect": "NoExecute"},
                {"key": "gpu"},
            ],
        ),
        (
            "extraClaims",
            ["logs:/var/log/app:20", "odd:/x:big"],
            [
                {"name": "logs", "mountPath": "/var/log/app", "sizeGb": 20},
                {"name": "odd", "mountPath": "/x", "sizeGb": "big"},
            ],
        ),
        ("initContainers", '[{"name": "i", "image": "b"}]', [{"name": "i", "image": "b"}]),
        ("podSpecOverrides", '{"hostname": "x"}', {"hostname": "x"}),
        ("sidecars", "", None),
        ("sidecars", "not json", "not json"),
        ("diskSizeGb", 20, 20),
    ],
)
def test_each_form_of_0_1_0_has_its_new_form(key, old, new):
    assert new_form(key, old) == new


def test_legacy_keys_are_the_flat_names_of_grouped_settings():
    assert legacy_keys(["diskSizeGb", "replicas", "storage", "zones", "nonsense"]) == [
        "diskSizeGb",
        "zones",
    ]


def test_the_migration_message_is_the_block_to_paste():
    message = migration_message(
        "gke-stateful",
        {"diskSizeGb": 20, "clientLabel": ["app=web"], "protect": True, "sidecars": ""},
    )
    head, _, block = message.partition("\n")
    assert head == (
        "gke-stateful:diskSizeGb, gke-stateful:clientLabel, gke-stateful:protect, "
        "gke-stateful:sidecars: settings of an earlier version, now grouped by concern; "
        "replace them in the stack file with:"
    )
    assert yaml.safe_load(block) == {
        "config": {
            "gke-stateful:storage": {"diskSizeGb": 20},
            "gke-stateful:network": {"clientLabel": [{"app": "web"}]},
            "gke-stateful:protection": {"protect": True},
        }
    }


def test_several_redis_pods_of_0_1_0_stay_independent_servers():
    block = migration_message("gke-stateful", {"storageSlots": 3}, preset="redis")
    config = yaml.safe_load(block.partition("\n")[2])["config"]
    assert config["gke-stateful:redis"] == {"replication": False}
    one = migration_message("gke-stateful", {"storageSlots": 1}, preset="redis")
    assert "gke-stateful:redis" not in one
    kubia = migration_message("gke-stateful", {"storageSlots": 3}, preset="kubia")
    assert "gke-stateful:redis" not in kubia


def _ref(prop: dict) -> str:
    return prop.get("$ref", "").rsplit("/", 1)[-1]


def _schema_kind(prop: dict, types: dict) -> tuple:
    """What an input takes, as the package schema (from app_args.py) says: its JSON type, or
    an enum's values."""
    if "$ref" in prop:
        ref = types[_ref(prop)]
        if "enum" in ref:
            return ("enum", frozenset(e["value"] for e in ref["enum"]))
        return ("object",)
    return (prop["type"],)


def _settings_kind(prop: dict, defs: dict) -> tuple:
    """What a setting takes, as its own JSON schema (pydantic's, from the settings) says;
    optional settings by their one non-null type, Literals as an enum's values, values
    checked only once known (an Output's text) as `any`."""
    if "$ref" in prop:
        return _settings_kind(defs[_ref(prop)], defs)
    if "anyOf" in prop:
        (kind,) = {_settings_kind(p, defs) for p in prop["anyOf"] if p.get("type") != "null"}
        return kind
    if "enum" in prop or "const" in prop:
        return ("enum", frozenset(prop.get("enum", [prop.get("const")])))
    return (prop.get("type", "any"),)


def test_the_settings_have_the_inputs_shape_field_by_field():
    """The settings (pydantic, validated) and the inputs (app_args.py's TypedDicts, through
    the package schema) are two definitions: every group holds the same fields, in the same
    order, each taking the same kind of value (enums the same values)."""
    from components.package.package_schema import package_schema
    from components.settings.app_settings import GROUPS as SETTING_GROUPS
    from components.settings.app_settings import AppSettings

    schema = package_schema()
    types = schema["types"]
    (resource,) = schema["resources"].values()
    inputs = resource["inputProperties"]
    own = AppSettings.model_json_schema(by_alias=True)
    defs = own["$defs"]

    def compare(given: dict, settings: dict) -> None:
        assert list(given) == list(settings)
        for key in given:
            kind = _settings_kind(settings[key], defs)
            expected = _schema_kind(given[key], types)
            assert kind == expected or (kind == ("any",) and expected == ("string",)), key

    objects = [k for k, v in inputs.items() if "properties" in types.get(_ref(v), {})]
    assert list(SETTING_GROUPS) == objects
    # In the inputs' order, the groups among the everyday settings.
    assert [k for k in inputs if k != "password"] == list(own["properties"])
    top = {k: v for k, v in inputs.items() if k not in SETTING_GROUPS and k != "password"}
    compare(top, {k: v for k, v in own["properties"].items() if k not in SETTING_GROUPS})
    for group in SETTING_GROUPS:
        given = types[_ref(inputs[group])]["properties"]
        compare(given, defs[_ref(own["properties"][group])]["properties"])
