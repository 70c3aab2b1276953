"""The configuration reference (docs/configuration.md), written from the package schema:
every input and every setting of every group, its type, its default and what it does.

    python -m components.package.config_reference [--write]
        print it, or replace it in docs/configuration.md

`tests/test_config_reference.py` fails when the document's copy differs from this output.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from .package_schema import PACKAGE, package_schema

START = (
    "<!-- configuration-reference:start (python -m components.package.config_reference --write) -->"
)
END = "<!-- configuration-reference:end -->"
TOKEN = f"{PACKAGE}:index:StatefulApp"
DEFAULT = re.compile(r"\s*Default: (.*?)\.?$")


def _type(schema: dict[str, Any], spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        ref = spec["$ref"]
        if ref == "pulumi.json#/Any":
            return "any"
        kind = schema["types"][ref.removeprefix("#/types/")]
        if "enum" in kind:
            return " \\| ".join(f"`{e['value']}`" for e in kind["enum"])
        fields = ", ".join(f"`{name}`" for name in kind["properties"])
        return f"object ({fields})"
    kind = spec.get("type", "any")
    if kind == "array":
        return f"list of {_type(schema, spec['items'])}"
    if kind == "object":
        return f"map of {_type(schema, spec.get('additionalProperties', {}))}"
    return kind


def _row(schema: dict[str, Any], path: str, spec: dict[str, Any], required: bool) -> str:
    text = spec.get("description", "")
    found = DEFAULT.search(text)
    meaning = text[: found.start()] if found else text
    default = "required" if required else (found[1] if found else "none")
    extras = []
    if spec.get("secret"):
        extras.append("secret")
    if not spec.get("plain") and "$ref" not in spec and spec.get("type") != "object":
        extras.append("may be an Output")
    meaning = meaning.replace("|", "\\|") + (f" ({', '.join(extras)})" if extras else "")
    meaning, default = (t.replace("<", "&lt;").replace(">", "&gt;") for t in (meaning, default))
    return f"| `{path}` | {_type(schema, spec)} | {default} | {meaning} |"


def reference(schema: dict[str, Any] | None = None) -> str:
    """The reference as Markdown: the top-level inputs, then one table per group."""
    schema = schema or package_schema()
    resource = schema["resources"][TOKEN]
    required = set(resource.get("requiredInputs", []))
    head = "| setting | type | default | meaning |\n|---|---|---|---|"
    top = []
    groups = []
    for name, spec in resource["inputProperties"].items():
        ref = spec.get("$ref", "")
        kind = schema["types"].get(ref.removeprefix("#/types/"), {})
        if "properties" in kind:
            groups.append((name, spec, kind))
        else:
            top.append(_row(schema, name, spec, name in required))
    parts = [head, *top]
    for name, spec, kind in groups:
        needed = set(kind.get("required", []))
        status = " (required)" if name in required else ""
        parts += [
            "",
            f"**`{name}`**{status}: {spec['description']} In a stack file: `{PACKAGE}:{name}`.",
            "",
            head,
            *(
                _row(schema, f"{name}.{leaf}", leaf_spec, leaf in needed)
                for leaf, leaf_spec in kind["properties"].items()
            ),
        ]
    return "\n".join(parts) + "\n"


def with_reference(readme: str, text: str) -> str:
    """`readme` with the block between the markers replaced by `text`."""
    start, end = readme.index(START) + len(START), readme.index(END)
    return readme[:start] + "\n\n" + text + "\n" + readme[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m components.package.config_reference")
    parser.add_argument("--write", action="store_true", help="replace it in docs/configuration.md")
    options = parser.parse_args(argv)
    text = reference()
    if options.write:
        path = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
        path.write_text(with_reference(path.read_text(encoding="utf-8"), text), encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
