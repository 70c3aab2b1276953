"""The `gke-stateful` provider: StatefulApp for Pulumi programs in every language.

Pulumi's component provider (pulumi.provider.experimental) infers the schema from
StatefulApp's annotations and constructs it on request. Two things are added on top, which
is why the entry point builds this provider itself rather than calling
`component_provider_host`: the password is marked secret in the schema, and every input is
validated before the component is constructed, so a bad input comes back as an
InputPropertiesError naming each property (the engine shows them without a traceback; an
error raised inside the constructor would come back with one).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pulumi
from pulumi.errors import InputPropertiesError
from pulumi.provider import main
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.provider import ConstructResult

from ..app import StatefulApp, validated
from ..settings.validation import SettingsError
from .package_schema import PACKAGE, package_schema, package_version


class GkeStatefulProvider(ComponentProvider):
    """Hosts StatefulApp as `gke-stateful:index:StatefulApp`."""

    def __init__(self, version: str | None = None) -> None:
        version = version or package_version()
        super().__init__([StatefulApp], PACKAGE, None, version)
        self.schema = json.dumps(package_schema(version))

    def construct(
        self,
        name: str,
        resource_type: str,
        inputs: dict[str, Any],
        options: pulumi.ResourceOptions | None = None,
    ) -> ConstructResult:
        self.validate_resource_type(PACKAGE, resource_type)
        inputs = integral(inputs)
        component = resource_type.rsplit(":", 1)[-1]
        args = self.map_inputs(inputs, self._component_defs[component])
        try:
            validated(args)  # type: ignore[arg-type]
        except SettingsError as error:
            errors = []
            for problem in error.problems:
                path, _, reason = problem.partition(": ")
                errors.append({"property_path": path, "reason": reason})
            raise InputPropertiesError(f"invalid inputs of {component} {name!r}", errors) from None
        return super().construct(name, resource_type, inputs, options)


def integral(value: Any) -> Any:
    """Inputs with every whole-number float made an int again: the wire carries all numbers
    as floats (protobuf Struct), and a count, a size or a port is an int to the component, as
    it is to a Python program (an error then says `given: 5`, not `given: 5.0`)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral(v) for v in value]
    return value


def serve(args: list[str]) -> None:
    """Run the provider's gRPC server for the engine (args: the engine's address and flags)."""
    main(GkeStatefulProvider(), args)


if __name__ == "__main__":
    serve(sys.argv[1:])
