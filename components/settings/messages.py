"""What a refused setting is told: its place, what is expected in plain words with an example,
and what was given; never the validation library's wording or a regular expression.

Every pattern-checked setting has its plain form in FORMS (a test holds each pattern to one);
the library's other error kinds are said the way a stack file is written.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from typing import Any

from pydantic.alias_generators import to_camel

from .app_settings import GROUPS


class _Hidden:
    """Stands for a given value that may hold a password."""

    def __repr__(self) -> str:
        return "(not shown: it may hold a password)"


HIDDEN = _Hidden()

# The plain form of each pattern-checked setting, by its flat config key (or a nested
# field's name), said with an example.
FORMS: dict[str, str] = {
    "gcpProject": "a GCP project ID: 6 to 30 lower-case letters, digits and '-', starting "
    "with a letter (for example acme-dev)",
    "zones": "a GCE zone: region and a letter (for example europe-west1-b)",
    "newerZones": "a GCE zone: region and a letter (for example europe-west1-b)",
    "cpuRequest": "a CPU quantity (for example 250m or 2), or empty",
    "cpuLimit": "a CPU quantity (for example 500m or 2), or empty",
    "memoryRequest": "a memory quantity in bytes or Ki, Mi, Gi, Ti, k, M, G, T (for example "
    "256Mi or 2Gi), or empty",
    "memoryLimit": "a memory quantity in bytes or Ki, Mi, Gi, Ti, k, M, G, T (for example "
    "512Mi or 2Gi), or empty",
    "snapshotStartTime": 'a whole hour in UTC, quoted, from "00:00" to "23:00" (for '
    'example "03:00")',
    "passwordEnv": "an environment variable name in capitals, digits and '_' (for example "
    "APP_PASSWORD), or empty",
    "passwordMount": "an absolute directory path without ':' or a trailing '/' (for example "
    "/etc/app-auth), or empty",
    "workloadIdentity": "a Google service account email (for example "
    "backup@acme-dev.iam.gserviceaccount.com), or empty",
    "priorityClassName": "a PriorityClass name: lower-case letters, digits, '-' and '.' "
    "(for example high-priority), or empty",
    "imagePullSecrets": "a Secret name: lower-case letters, digits, '-' and '.' (for "
    "example regcred)",
    "machineSeries": "a Compute Engine machine series (for example n2, c3 or n4), or empty",
    "maxmemory": "auto, or a memory quantity (for example 1536Mi)",
    "key": "a label key: letters, digits, '-', '_', '.', with an optional DNS prefix and '/' "
    "(for example example.com/dedicated)",
    "value": "a label value: letters, digits, '-', '_' and '.', at most 63 characters (for "
    "example batch)",
}


def _plain(item: Mapping[str, Any], loc: tuple[Any, ...], bounds: Callable[[str], tuple]) -> str:
    """The library's error said in plain words."""
    kind = item["type"]
    ctx = item.get("ctx", {})
    leaf = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    if kind == "string_pattern_mismatch":
        return f"expected {FORMS.get(leaf) or FORMS.get(_setting(loc), 'another form')}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        low, high = bounds(leaf)
        if low is not None and high is not None:
            return f"expected a whole number from {low} to {high}"
        if "ge" in ctx:
            return f"expected a number of at least {ctx['ge']}"
        if "le" in ctx:
            return f"expected a number of at most {ctx['le']}"
        if "gt" in ctx:
            return f"expected a number greater than {ctx['gt']}"
        if "lt" in ctx:
            return f"expected a number less than {ctx['lt']}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        low, high = bounds(leaf)
        if low is not None and high is not None:
            return f"expected a whole number from {low} to {high}"
        return "expected a whole number (for example 3)"
    if kind in ("bool_parsing", "bool_type"):
        return "expected true or false"
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", ""))
        choices = re.findall(r"'([^']*)'", expected)
        near = difflib.get_close_matches(str(item.get("input")), choices, n=1, cutoff=0.6)
        return f"expected {expected}" + (f" (did you mean {near[0]!r}?)" if near else "")
    if kind in ("string_type", "str_type"):
        return "expected text (a YAML string)"
    if kind in ("list_type", "tuple_type", "set_type"):
        return (
            "expected a list (a YAML sequence; on the command line a JSON array, for "
            "example --config 'storage.zones=[\"europe-west1-b\"]')"
        )
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        return "expected an object (a YAML mapping of key: value)"
    if kind in ("too_long", "string_too_long"):
        unit = "characters" if kind == "string_too_long" else "entries"
        return f"expected at most {ctx.get('max_length')} {unit}"
    if kind in ("too_short", "string_too_short"):
        unit = "characters" if kind == "string_too_short" else "entries"
        return f"expected at least {ctx.get('min_length')} {unit}"
    if kind in ("float_parsing", "float_type"):
        return "expected a number"
    # Our own validators' messages (ValueError) are already written for people.
    return item["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _place(loc: tuple[Any, ...]) -> str:
    place = str(loc[0]) if loc else ""
    for part in loc[1:]:
        place += f"[{part}]" if isinstance(part, int) else f".{to_camel(str(part))}"
    return place


def _setting(loc: tuple[Any, ...]) -> str:
    """The setting a problem's place is in: its group's field, or a top-level one."""
    return str(loc[1] if len(loc) > 1 and loc[0] in GROUPS else loc[0] if loc else "")


def _given(raw: Mapping[str, Any], loc: tuple[Any, ...]) -> Any:
    value: Any = raw
    for part in loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return "(default)"
    return value


def describe(
    errors: list[Any],
    raw: Mapping[str, Any],
    prefix: str,
    bounds: Callable[[str], tuple],
    secret_keys: frozenset[str] = frozenset(),
    known: Callable[[tuple[Any, ...]], list[str]] = lambda loc: [],
) -> list[str]:
    """One line per problem of the validation library's `errors`, found in the settings as
    given (`raw`, grouped as the inputs are): `<prefix><path>: <what is expected>; given:
    <value>`.

    `bounds(name)` gives a numeric setting's (low, high); `known(loc)` the keys allowed
    beside an unknown one; the value of a setting in `secret_keys` is never echoed."""
    problems = []
    for item in errors:
        loc = tuple(item["loc"])
        # A union's errors carry the branch's type name in their location: drop it.
        loc = tuple(p for p in loc if not (isinstance(p, str) and p[:1].isupper()))
        place = prefix + _place(loc)
        if item["type"] == "missing":
            problems.append(f"{place}: required, but not set")
        elif item["type"] == "extra_forbidden":
            near = difflib.get_close_matches(str(loc[-1]), known(loc[:-1]), n=1, cutoff=0.6)
            hint = f"; did you mean {near[0]}?" if near else ""
            problems.append(f"{place}: not a known setting{hint}")
        else:
            given = HIDDEN if _setting(loc) in secret_keys else _given(raw, loc)
            problems.append(f"{place}: {_plain(item, loc, bounds)}; given: {given!r}")
    return problems


def describe_rules(
    lines: list[str],
    raw: Mapping[str, Any],
    prefix: str,
    locate: Callable[[str], str],
    secret_keys: frozenset[str] = frozenset(),
) -> list[str]:
    """The problems of the rules across settings (`<name>: <rule>` each), in the same form:
    `<prefix><path>: <rule>; given: <value>`, the path `locate(name)`."""
    problems = []
    for line in lines:
        key, _, rule = line.partition(": ")
        path = locate(key)
        given = HIDDEN if key in secret_keys else _given(raw, tuple(path.split(".")))
        problems.append(f"{prefix}{path}: {rule}; given: {given!r}")
    return problems
