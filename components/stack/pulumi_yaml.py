"""Stack and project files read the way the Pulumi CLI reads them, not the way PyYAML does.

The CLI decodes them with gopkg.in/yaml.v3 into untyped values (sdk/go/common/resource/
config/object.go, object.UnmarshalYAML and unmarshalObject), whose plain scalars follow
yaml.v3's resolve (resolve.go, resolve and resolveMapList): YAML 1.2's booleans (only
true/True/TRUE and false/False/FALSE; `yes`, `no`, `on`, `off` are text), no sexagesimal
numbers (`12:00` is text, not 720), `1e3` a float, and two 1.1 habits kept: a leading `0` is
octal (`0777` is 511) and `_` may group digits. A date becomes Go's time.String() text.
The program then receives a scalar as text: a string as written, a boolean or a number as
its JSON (object.MarshalString: `0777` arrives as "511", `1e3` as "1000"), an empty value
as empty text; a mapping or a list as JSON of the decoded values, where a null stays null
(`stack_config.config_string`). The CLI writes the file back and parses it again
(workspace/loaders.go, LoadProjectStackBytes), which changes none of this.

Read at pulumi/pulumi 1b5949891b3c (sdk/go.mod: gopkg.in/yaml.v3 v3.0.1) and go-yaml v3.0.1
(f6f7691b1fde), and confirmed with a Go program running the same loading steps.
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
# A date alone (yaml.v3's allowedTimestampFormats "2006-1-2"); other timestamp forms stay
# text here.
_DATE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
# yaml.v3's yamlStyleFloat.
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


def plain_scalar(text: str) -> Any:
    """A plain scalar's value by yaml.v3's rules."""
    date = _DATE.match(text)
    if date:
        year, month, day = (int(part) for part in date.groups())
        return f"{year:04d}-{month:02d}-{day:02d} 00:00:00 +0000 UTC"
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


class PulumiLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader (libyaml's parser where PyYAML has it) with yaml.v3's scalar
    rules."""


def _construct_scalar(loader: PulumiLoader, node: yaml.ScalarNode) -> Any:
    if node.style:  # quoted or block: text as written
        return node.value
    return plain_scalar(node.value)


# Every scalar goes through one constructor: no implicit resolution of PyYAML's own.
PulumiLoader.yaml_implicit_resolvers = {}
PulumiLoader.add_constructor("tag:yaml.org,2002:str", _construct_scalar)


def load(text: str) -> Any:
    """A stack or project file's document as Pulumi decodes it."""
    return yaml.load(text, Loader=PulumiLoader)  # a SafeLoader with yaml.v3's scalars
