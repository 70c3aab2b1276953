"""The package schema of `gke-stateful`, inferred from the component's annotations, and what
is derived from it: the stack program's config declarations in `Pulumi.yaml`.

Pulumi's analyzer (pulumi.provider.experimental) reads `StatefulApp`'s `args` TypedDict and
its typed outputs; the docstrings under the fields become the descriptions. Two things the
analyzer cannot say are added here: the password is a secret input, and the package's
version.
"""

from __future__ import annotations

import json
from importlib import metadata
from typing import Any

from pulumi.provider.experimental.analyzer import Analyzer
from pulumi.provider.experimental.schema import generate_schema

PACKAGE = "gke-stateful"
SECRET_INPUTS = ("password",)


def package_version() -> str:
    """The installed distribution's version, or the source tree's."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "0.2.0"


def components() -> list[type]:
    from ..app import StatefulApp

    return [StatefulApp]


def _tidy(value: Any) -> Any:
    """Descriptions on one line each (docstrings wrap and indent them)."""
    if isinstance(value, dict):
        return {
            k: " ".join(v.split()) if k == "description" and isinstance(v, str) else _tidy(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    return value


def with_secret_inputs(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with every secret input marked `secret: true`."""
    for resource in schema.get("resources", {}).values():
        for name in SECRET_INPUTS:
            if name in resource.get("inputProperties", {}):
                resource["inputProperties"][name]["secret"] = True
    return schema


def package_schema(version: str | None = None) -> dict[str, Any]:
    """The schema `pulumi package get-schema` shows for this package."""
    analyzer = Analyzer(PACKAGE)
    result = analyzer.analyze(components())
    schema = generate_schema(
        PACKAGE,
        version or package_version(),
        None,
        result["component_definitions"],
        result["type_definitions"],
        sorted(result["dependencies"], key=lambda d: f"{d.name}{d.version}"),
    ).to_json()
    return with_secret_inputs(_tidy(json.loads(json.dumps(schema))))


def project_config(schema: dict[str, Any]) -> dict[str, Any]:
    """`Pulumi.yaml` config declarations for the stack program: one per input of
    StatefulApp, typed where Pulumi's project config has the type. Groups are objects,
    which it cannot declare (pulumi/pulumi#11321), so they carry only their description."""
    inputs = schema["resources"][f"{PACKAGE}:index:StatefulApp"]["inputProperties"]
    declared: dict[str, Any] = {}
    for name, prop in inputs.items():
        entry: dict[str, Any] = {}
        kind = prop.get("type")
        if "$ref" in prop:
            ref = schema["types"][prop["$ref"].removeprefix("#/types/")]
            kind = ref["type"] if "enum" in ref else None
        if kind in ("string", "integer", "boolean"):
            entry["type"] = kind
        if prop.get("secret"):
            entry["secret"] = True
        entry["description"] = prop["description"]
        declared[name] = entry
    return declared


def main(argv: list[str] | None = None) -> int:
    """Print the package schema (JSON), or with --project-config the `config:` block of
    Pulumi.yaml."""
    import argparse
    import sys

    import yaml

    parser = argparse.ArgumentParser(prog="python -m components.package.package_schema")
    parser.add_argument("--project-config", action="store_true")
    options = parser.parse_args(argv)
    schema = package_schema()
    if options.project_config:
        block = {"config": project_config(schema)}
        sys.stdout.write(yaml.safe_dump(block, sort_keys=False, width=96, allow_unicode=True))
    else:
        sys.stdout.write(json.dumps(schema, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
