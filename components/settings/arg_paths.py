"""Where each setting sits in the grouped inputs: each input checked in its place.

A field's leaf name in its group is the setting's name (unique across groups), so the
inputs can be read by name: the presets fill settings by name, the messages quote the
value given for a name, earlier versions' flat stack files used the names, and
`validation` places them back into the groups the settings have. A misplaced input is
refused with the place it belongs to.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from enum import Enum
from typing import Any

from pydantic.alias_generators import to_camel

from .app_settings import GROUPS, TOP_LEVEL_SETTINGS, AppSettings
from .validation import SettingsError, parse_settings
from .validation import grouped as place_in_groups

# Top-level inputs that are not settings of the app record.
SECRET_INPUTS = ("password",)

# The groups of the inputs and their fields, and the other top-level inputs: the settings'
# own shape (a test holds it equal to StatefulAppArgs').
TOP_LEVEL: tuple[str, ...] = (*TOP_LEVEL_SETTINGS, *SECRET_INPUTS)
# Flat setting name -> its path in the grouped inputs ("storage.diskSizeGb" or "name").
PATHS: dict[str, str] = {
    **{key: key for key in TOP_LEVEL if key not in SECRET_INPUTS},
    **{leaf: f"{group}.{leaf}" for group, fields in GROUPS.items() for leaf in fields},
}


def path_of(flat_key: str) -> str:
    """The grouped path of a flat setting name (itself for an unknown name)."""
    return PATHS.get(flat_key, flat_key)


def plain(value: Any) -> Any:
    """`value` with every Enum member replaced by its value, recursively."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _name(key: str) -> str:
    """An input's camelCase name, whether given as the schema and stack files write it
    (`gcpProject`) or as the Python TypedDict does (`gcp_project`)."""
    return to_camel(key) if "_" in key else key


def flatten(args: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The flat settings record of grouped inputs, and one problem per misplaced key.

    Keys may be camelCase or snake_case; a problem names the path given and, when it is a
    known setting elsewhere, its place.
    """
    flat: dict[str, Any] = {}
    problems: list[str] = []
    for given, value in args.items():
        key = _name(given)
        if key in SECRET_INPUTS:
            continue
        if key in GROUPS:
            if value is None:
                continue
            if not isinstance(value, Mapping):
                problems.append(
                    f"{key}: expected an object of {', '.join(GROUPS[key])}; given: {value!r}"
                )
                continue
            known = list(GROUPS[key])
            for given_leaf, leaf_value in value.items():
                leaf = _name(given_leaf)
                if leaf in known:
                    flat[leaf] = plain(leaf_value)
                else:
                    problems.append(_misplaced(f"{key}.{given_leaf}", leaf))
        elif key in TOP_LEVEL:
            flat[key] = plain(value)
        else:
            problems.append(_misplaced(given, key))
    return flat, problems


def _misplaced(given: str, leaf: str) -> str:
    """Why `given` is not a setting, and the nearest one that is."""
    if leaf in PATHS and PATHS[leaf] != given:
        return f"{given}: not a setting here; did you mean {PATHS[leaf]}?"
    group, _, _ = given.rpartition(".")
    candidates = list(GROUPS[group]) if group in GROUPS else [*TOP_LEVEL, *GROUPS]
    near = difflib.get_close_matches(leaf, candidates, n=1)
    if near:
        return (
            f"{given}: not a known setting; did you mean {group + '.' if group else ''}{near[0]}?"
        )
    return f"{given}: not a known setting (known here: {', '.join(candidates)})"


def grouped(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Flat settings placed at their grouped paths (unknown names left at the top)."""
    return place_in_groups(flat, every_group=False)


def parse_args(
    args: Mapping[str, Any], prefix: str = "", provider_region: str | None = None
) -> AppSettings:
    """Validated settings from grouped inputs; SettingsError names each bad path."""
    flat, misplaced = flatten(args)
    problems = [prefix + p for p in misplaced]
    try:
        settings = parse_settings(flat, prefix, provider_region, path_of)
    except SettingsError as error:
        # (parse_settings already starts each of its problems with the prefix.)
        raise SettingsError(error.problems + problems) from None
    if problems:
        raise SettingsError(problems)
    return settings
