"""Where each input sits: each one checked in its place, misplaced ones refused with the
place they belong to, and settings given by name (a leaf's name is unique across the groups)
placed at their paths, as earlier versions' flat stack files and the tests name them.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from enum import Enum
from typing import Any

from pydantic.alias_generators import to_camel

from .app_settings import GROUPS, PATHS, TOP_LEVEL_SETTINGS, AppSettings, path_of
from .validation import SettingsError, parse_settings

# Top-level inputs that are not settings of the app record.
SECRET_INPUTS = ("password",)

# The groups of the inputs and their fields, and the other top-level inputs: the settings'
# own shape (a test holds it equal to StatefulAppArgs').
TOP_LEVEL: tuple[str, ...] = (*TOP_LEVEL_SETTINGS, *SECRET_INPUTS)


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


def in_place(args: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The inputs each in its place, with camelCase keys and plain values, and one problem
    per misplaced key (the password, not a setting, left out).

    Keys may be camelCase or snake_case; a problem names the path given and, when it is a
    known setting elsewhere, its place.
    """
    placed: dict[str, Any] = {}
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
            group = placed.setdefault(key, {})
            for given_leaf, leaf_value in value.items():
                leaf = _name(given_leaf)
                if leaf in known:
                    group[leaf] = plain(leaf_value)
                else:
                    problems.append(_misplaced(f"{key}.{given_leaf}", leaf))
        elif key in TOP_LEVEL:
            placed[key] = plain(value)
        else:
            problems.append(_misplaced(given, key))
    return placed, problems


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
    """Settings given by name placed at their paths (unknown names left at the top): how
    earlier versions' flat stack files and tests name settings."""
    result: dict[str, Any] = {}
    for key, value in flat.items():
        group, _, leaf = path_of(key).rpartition(".")
        (result.setdefault(group, {}) if group else result)[leaf] = value
    return result


def parse_args(
    args: Mapping[str, Any], prefix: str = "", provider_region: str | None = None
) -> AppSettings:
    """Validated settings from grouped inputs; SettingsError names each bad path."""
    placed, misplaced = in_place(args)
    problems = [prefix + p for p in misplaced]
    try:
        settings = parse_settings(placed, prefix, provider_region)
    except SettingsError as error:
        # (parse_settings already starts each of its problems with the prefix.)
        raise SettingsError(error.problems + problems) from None
    if problems:
        raise SettingsError(problems)
    return settings
