"""Pulumi.yaml declares every input of the app, as the package schema describes it; every
description states the default the settings really take."""

import re

import pytest
import yaml

from components.package.package_schema import package_schema, project_config
from components.settings.arg_paths import GROUPS, PATHS
from components.settings.presets import PRESET_KEYS
from components.settings.validation import setting_fields
from tests.helpers import ROOT

PULUMI_TYPES = ("integer", "string", "boolean")
SCHEMA = package_schema()


def project():
    return yaml.safe_load((ROOT / "Pulumi.yaml").read_text())


def test_stack_config_lives_under_stacks():
    assert project()["stackConfigDir"] == "stacks"
    assert project()["name"] == "gke-stateful"


def test_the_config_block_is_the_one_generated_from_the_schema():
    assert project()["config"] == project_config(SCHEMA)


def test_every_declaration_is_one_pulumi_accepts():
    declared = project()["config"]
    assert declared["password"]["secret"] is True
    for key, declaration in declared.items():
        # The fields Pulumi's project schema allows in a config type declaration; groups are
        # objects, which it cannot type (pulumi/pulumi#11321), so they have no type.
        assert set(declaration) <= {"type", "description", "secret"}, key
        assert declaration["description"], key
        assert declaration.get("type", "object") in (*PULUMI_TYPES, "object"), key
        assert ("type" in declaration) == (key not in GROUPS), key


def leaf_description(path: str) -> str:
    inputs = SCHEMA["resources"]["gke-stateful:index:StatefulApp"]["inputProperties"]
    group, _, leaf = path.rpartition(".")
    if not group:
        return inputs[leaf]["description"]
    ref = inputs[group]["$ref"].removeprefix("#/types/")
    return SCHEMA["types"][ref]["properties"][leaf]["description"]


def written(value) -> str:
    """A default as a description writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == [] or value == {}:
        return "[]" if isinstance(value, list) else "{}"
    if hasattr(value, "type"):  # a probe
        return value.type
    return str(value)


@pytest.mark.parametrize("key", sorted(PATHS), ids=str)
def test_each_description_states_the_default_the_settings_take(key):
    field = setting_fields()[key]
    text = leaf_description(PATHS[key])
    if field.is_required():
        assert "Default:" not in text or text.endswith("from the preset, else required."), key
        return
    stated = re.search(r"Default: (.*?)\.?$", text)
    assert stated, f"{key}: no default stated in {text!r}"
    default = field.get_default(call_default_factory=True)
    said = stated[1]
    if said.startswith("from the preset"):
        assert key in PRESET_KEYS, key
        said = said.removeprefix("from the preset").removeprefix(", else ").strip()
        if said in ("none", "required") and default in (None, "", [], {}):
            return
        if hasattr(default, "type") and said == default.type:
            return
    if default is None or (default in ("", [], {}) and said not in ("[]", "{}")):
        # No value: the description says what happens instead (none, the type's own, ...).
        assert said and not said[0].isdigit(), key
        return
    assert said == written(default), f"{key}: says {said!r}, the settings take {default!r}"


def test_package_dependencies_match_the_requirements_file():
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    required = [line for line in lines if line and not line.startswith("#")]
    assert declared == required
