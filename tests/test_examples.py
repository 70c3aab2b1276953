"""The examples in other languages, checked against the package schema: every property they
set exists, with a type (and enum value) the schema allows, and each describes the same app
as the stack file it mirrors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import json5
import pytest
import yaml

from components.package.package_schema import package_schema
from components.settings.arg_paths import GROUPS, TOP_LEVEL, parse_args
from components.stack.stack_config import load_project, resolve
from tests.helpers import PROJECT, ROOT

EXAMPLES = ROOT / "examples"
TOKEN = "gke-stateful:index:StatefulApp"
SCHEMA = package_schema()
SECRET = "<a secret from config>"


def typescript_args(path: Path) -> dict[str, dict[str, Any]]:
    """Each `const <name>: gkeStateful.StatefulAppArgs = {...};` of a TypeScript file, read
    as JSON5 (calls such as config.requireSecret(...) stand for a secret string)."""
    text = path.read_text(encoding="utf-8")
    found = {}
    for match in re.finditer(r"const (\w+): gkeStateful\.StatefulAppArgs = \{", text):
        start = match.end() - 1
        depth = 0
        for end in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                break
        literal = re.sub(r"\b[a-zA-Z_][\w.]*\([^()]*\)", json.dumps(SECRET), text[start : end + 1])
        found[match[1]] = json5.loads(literal)
    return found


def yaml_args(path: Path) -> dict[str, Any]:
    program = yaml.safe_load(path.read_text(encoding="utf-8"))
    (resource,) = [r for r in program["resources"].values() if r["type"] == TOKEN]
    return resource["properties"]


def problems(value: Any, spec: dict[str, Any], where: str) -> list[str]:
    """Where `value` does not fit the schema's `spec`."""
    if "$ref" in spec:
        ref = spec["$ref"]
        if ref == "pulumi.json#/Any":
            return []
        kind = SCHEMA["types"][ref.removeprefix("#/types/")]
        if "enum" in kind:
            allowed = [e["value"] for e in kind["enum"]]
            return [] if value in allowed else [f"{where}: {value!r} is not one of {allowed}"]
        return object_problems(value, kind["properties"], kind.get("required", []), where)
    kind = spec.get("type")
    if kind == "string":
        return [] if isinstance(value, str) else [f"{where}: expected a string, got {value!r}"]
    if kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{where}: expected an integer, got {value!r}"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where}: expected a boolean, got {value!r}"]
    if kind == "array":
        if not isinstance(value, list):
            return [f"{where}: expected a list, got {value!r}"]
        return [p for i, v in enumerate(value) for p in problems(v, spec["items"], f"{where}[{i}]")]
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {value!r}"]
        inner = spec.get("additionalProperties", {"$ref": "pulumi.json#/Any"})
        return [p for k, v in value.items() for p in problems(v, inner, f"{where}.{k}")]
    raise AssertionError(f"{where}: unhandled schema {spec}")


def object_problems(value: Any, properties: dict, required: list[str], where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: expected an object, got {value!r}"]

    def at(key: str) -> str:
        return f"{where}.{key}" if where else key

    found = [f"{at(k)}: not a property" for k in value if k not in properties]
    found += [f"{at(k)}: required, missing" for k in required if k not in value]
    for key, item in value.items():
        if key in properties:
            found += problems(item, properties[key], at(key))
    return found


def schema_problems(args: dict[str, Any]) -> list[str]:
    resource = SCHEMA["resources"][TOKEN]
    return object_problems(args, resource["inputProperties"], resource["requiredInputs"], "")


def stack_settings(stack: str):
    """The settings the stack file gives, read as the program reads its config."""
    values = resolve(load_project(ROOT), stack, []).values
    args = {k: values[f"{PROJECT}:{k}"] for k in TOP_LEVEL if f"{PROJECT}:{k}" in values}
    args |= {g: json.loads(values[f"{PROJECT}:{g}"]) for g in GROUPS if f"{PROJECT}:{g}" in values}
    args.pop("password", None)
    return parse_args(args, "", values.get("gcp:region"))


def without_password(args: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if k != "password"}


EXAMPLE_APPS = [
    (
        "typescript devArgs",
        "dev",
        lambda: typescript_args(EXAMPLES / "typescript" / "index.ts")["devArgs"],
    ),
    (
        "typescript prodArgs",
        "prod",
        lambda: typescript_args(EXAMPLES / "typescript" / "index.ts")["prodArgs"],
    ),
    ("yaml dev", "dev", lambda: yaml_args(EXAMPLES / "yaml" / "dev" / "Pulumi.yaml")),
    ("yaml prod", "prod", lambda: yaml_args(EXAMPLES / "yaml" / "prod" / "Pulumi.yaml")),
]


@pytest.mark.parametrize(
    ("example", "stack", "read"), EXAMPLE_APPS, ids=[e[0] for e in EXAMPLE_APPS]
)
def test_every_property_an_example_sets_is_in_the_schema(example, stack, read):
    args = read()
    assert args["name"]
    assert schema_problems(args) == []


@pytest.mark.parametrize(
    ("example", "stack", "read"), EXAMPLE_APPS, ids=[e[0] for e in EXAMPLE_APPS]
)
def test_an_example_describes_the_same_app_as_its_stack_file(example, stack, read):
    args = read()
    region = "us-central1" if stack == "prod" else None
    assert parse_args(without_password(args), "", region) == stack_settings(stack)
    # An app that takes a password gets it from secret config, never written in.
    assert ("password" in args) == stack_settings(stack).security.takes_password
    if "password" in args:
        assert args["password"] in (SECRET, "${password}")


def test_the_schema_check_catches_a_wrong_name_type_or_enum_value():
    args = typescript_args(EXAMPLES / "typescript" / "index.ts")["prodArgs"]
    bad = {
        **args,
        "replica": 3,
        "storage": {**args["storage"], "diskType": "pd-magnetic", "diskSizeGb": "200"},
    }
    assert sorted(schema_problems(bad)) == [
        "replica: not a property",
        "storage.diskSizeGb: expected an integer, got '200'",
        "storage.diskType: 'pd-magnetic' is not one of "
        "['pd-standard', 'pd-balanced', 'pd-ssd', 'pd-extreme', 'hyperdisk-balanced']",
    ]


def test_the_typescript_example_is_a_complete_program():
    text = (EXAMPLES / "typescript" / "index.ts").read_text(encoding="utf-8")
    assert 'import * as gkeStateful from "@pulumi/gke-stateful";' in text
    assert 'new gkeStateful.StatefulApp("app", args)' in text
    package = json.loads((EXAMPLES / "typescript" / "package.json").read_text())
    assert package["dependencies"]["@pulumi/gke-stateful"] == "file:sdks/gke-stateful"
    project = yaml.safe_load((EXAMPLES / "typescript" / "Pulumi.yaml").read_text())
    assert (
        EXAMPLES / "typescript" / project["packages"]["gke-stateful"] / "PulumiPlugin.yaml"
    ).exists()
