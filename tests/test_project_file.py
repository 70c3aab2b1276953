"""Pulumi.yaml declares every setting, with the type and default the settings use."""

from types import UnionType
from typing import Union, get_args, get_origin

import yaml

from components.config import SECRET_KEYS
from components.presets import PRESET_KEYS
from components.settings import AppSettings, config_keys
from tests.helpers import ROOT

PULUMI_TYPES = ("integer", "string", "boolean", "array")


def project():
    return yaml.safe_load((ROOT / "Pulumi.yaml").read_text())


def test_stack_config_lives_under_stacks():
    assert project()["stackConfigDir"] == "stacks"
    assert project()["name"] == "gke-stateful"


def test_every_setting_is_declared_with_type_and_description_and_nothing_else():
    declared = project()["config"]
    assert sorted(declared) == sorted([*config_keys(), *SECRET_KEYS])
    for key in SECRET_KEYS:
        assert declared[key]["secret"] is True
    for key, declaration in declared.items():
        # The fields Pulumi's project schema allows in a config type declaration.
        assert set(declaration) <= {"type", "items", "description", "secret", "default"}, key
        assert declaration["type"] != "array" or "items" in declaration, key
        assert declaration["description"], key
        assert declaration["type"] in PULUMI_TYPES, key


def pulumi_type(annotation) -> str:
    """The Pulumi config type a settings field is read as."""
    optional = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in (Union, UnionType) and len(optional) == 1:
        annotation = optional[0]
    if annotation is int:
        return "integer"
    if annotation is bool:
        return "boolean"
    if get_origin(annotation) is list:
        return "array"
    return "string"  # str, Literal[...] of strings, str | None


def test_declared_types_and_defaults_agree_with_the_settings():
    declared = project()["config"]
    for name, field in AppSettings.model_fields.items():
        declaration = declared[field.alias]
        assert declaration["type"] == pulumi_type(field.annotation), name
        if field.alias in PRESET_KEYS:
            # Set by the preset; a project default would override the preset's value.
            assert "default" not in declaration, name
            continue
        if field.is_required():
            continue
        default = field.get_default(call_default_factory=True)
        if default is None:
            assert "default" not in declaration, name
        else:
            assert declaration["default"] == default, name


def test_package_dependencies_match_the_requirements_file():
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    required = [line for line in lines if line and not line.startswith("#")]
    assert declared == required
