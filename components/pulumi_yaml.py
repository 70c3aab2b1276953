"""Stack and project files read the way the Pulumi CLI reads them, not the way PyYAML does.

The CLI decodes them with gopkg.in/yaml.v3, whose plain scalars follow YAML 1.2's core
schema where PyYAML follows YAML 1.1: `yes`, `no`, `on`, `off` are text, not booleans (only
true/True/TRUE and false/False/FALSE are); `12:00` is text, not the sexagesimal 720; `1e3`
is a float. yaml.v3 keeps two 1.1 habits: `0777` is octal and `_` may group digits
(resolve.go, resolve). A config value that is a scalar reaches the program as the text
written (config.Value.UnmarshalYAML decodes it into a string); a value that is a mapping or
a list reaches it as JSON of what yaml.v3 decoded, so its scalars are typed by those rules.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

# yaml.v3's resolve table, for plain (unquoted) scalars.
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULL = {"", "~", "null", "Null", "NULL"}
_SPECIAL_FLOATS = {
    ".nan": float("nan"),
    ".NaN": float("nan"),
    ".NAN": float("nan"),
    **{
        f"{sign}{inf}": float(f"{sign or '+'}inf")
        for sign in ("", "+", "-")
        for inf in (".inf", ".Inf", ".INF")
    },
}
# strconv.ParseInt(s, 0, 64) after removing underscores: decimal, 0x, 0o, 0b, and a leading
# 0 for octal.
_INT = re.compile(r"^[-+]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)$")
# yaml.v3's yamlStyleFloat.
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


def plain_scalar(text: str) -> Any:
    """A plain scalar's value by yaml.v3's rules."""
    if text in _BOOL:
        return _BOOL[text]
    if text in _NULL:
        return None
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    digits = text.replace("_", "")
    if digits and _INT.match(digits):
        sign = -1 if digits[0] == "-" else 1
        body = digits.lstrip("+-")
        if len(body) > 1 and body[0] == "0" and body[1] in "01234567":
            return sign * int(body, 8)
        return sign * int(body, 0)
    if _FLOAT.match(digits):
        return float(digits)
    return text


class PulumiLoader(yaml.SafeLoader):
    """PyYAML's safe loader with yaml.v3's scalar rules."""


def _construct_scalar(loader: PulumiLoader, node: yaml.ScalarNode) -> Any:
    if node.style:  # quoted or block: text as written
        return node.value
    return plain_scalar(node.value)


# Every scalar goes through one constructor: no implicit resolution of PyYAML's own.
PulumiLoader.yaml_implicit_resolvers = {}
PulumiLoader.add_constructor("tag:yaml.org,2002:str", _construct_scalar)


def _top_level(node: yaml.Node, loader: PulumiLoader) -> Any:
    """A config key's value: a scalar as its text (config.Value reads it into a string), a
    mapping or a list by the rules above."""
    if isinstance(node, yaml.ScalarNode):
        return "" if (not node.style and node.value in _NULL) else node.value
    return loader.construct_object(node, deep=True)


def load(text: str) -> Any:
    """A stack or project file: its document as Pulumi reads it, with the scalars directly
    under `config:` kept as the text written."""
    loader = PulumiLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        if not isinstance(root, yaml.MappingNode):
            return loader.construct_document(root)
        document: dict[Any, Any] = {}
        for key_node, value_node in root.value:
            key = loader.construct_object(key_node, deep=True)
            if key == "config" and isinstance(value_node, yaml.MappingNode):
                document[key] = {
                    loader.construct_object(k, deep=True): _top_level(v, loader)
                    for k, v in value_node.value
                }
            else:
                document[key] = loader.construct_object(value_node, deep=True)
        return document
    finally:
        loader.dispose()
