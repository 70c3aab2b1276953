"""Refusals in plain words: every pattern-checked setting has its plain form, and no message
carries the validation library's wording or a regular expression, whatever the input."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from enum import Enum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from components.settings.app_settings import AppSettings
from components.settings.messages import FORMS
from components.settings.validation import SettingsError, setting_fields
from tests.helpers import PROJECT, VALID, parse_flat

# What the library says and we must not: its phrases, and the marks of a regular expression.
LIBRARY_WORDING = ("Input should", "String should", "should match pattern", "Value error", "^(")


def models(model: type[BaseModel]) -> list[type[BaseModel]]:
    """`model` and every model its fields hold (probes, tolerations, claims)."""
    found = [model]
    for field in model.model_fields.values():
        for hint in [field.annotation, *typing.get_args(field.annotation)]:
            for inner in [hint, *typing.get_args(hint)]:
                if isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in found:
                    found += models(inner)
    return found


def patterned_fields() -> list[tuple[str, str]]:
    """(model, config key) of every field checked by a pattern, however deep its type."""

    def has_pattern(obj: typing.Any) -> bool:
        if getattr(obj, "pattern", None):
            return True
        return any(has_pattern(m) for m in getattr(obj, "metadata", []) or []) or any(
            has_pattern(arg) for arg in typing.get_args(obj)
        )

    result = []
    for model in models(AppSettings):
        for name, field in model.model_fields.items():
            if has_pattern(field) or has_pattern(field.annotation):
                result.append((model.__name__, field.alias or name))
    return result


def test_every_pattern_has_its_plain_form():
    fields = patterned_fields()
    assert ("SnapshotSettings", "snapshotStartTime") in fields  # the search finds them
    assert ("Toleration", "value") in fields
    missing = [key for _, key in fields if key not in FORMS]
    assert missing == []
    # and each form gives an example
    assert all("for example" in form for form in FORMS.values())


def problems_for(overrides: dict) -> list[str]:
    try:
        parse_flat({**VALID, **overrides}, f"{PROJECT}:")
    except SettingsError as error:
        return error.problems
    return []


@pytest.mark.parametrize(("_model", "key"), patterned_fields())
def test_a_value_against_a_pattern_is_refused_in_plain_words(_model, key):
    nested = {"key": {"tolerations": [{"key": "a b c"}]}, "value": None}
    if key in nested:
        if nested[key] is None:
            overrides = {"tolerations": [{"key": "dedicated", "value": "a b"}]}
        else:
            overrides = nested[key]
    elif key in ("zones", "newerZones", "imagePullSecrets"):
        overrides = {key: ["Not Valid!"]}
    else:
        overrides = {key: "Not Valid!"}
    (problem,) = problems_for(overrides)
    assert "expected " in problem and "for example" in problem, problem
    assert not any(words in problem for words in LIBRARY_WORDING), problem


@settings(max_examples=200, deadline=None)
@given(
    key=st.sampled_from(sorted(setting_fields())),
    value=st.one_of(
        st.text(max_size=12),
        st.integers(-(10**6), 10**7),
        st.booleans(),
        st.lists(st.text(max_size=5), max_size=3),
        st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
    ),
)
def test_no_refusal_speaks_the_librarys_language(key, value):
    for problem in problems_for({key: value}):
        assert not any(words in problem for words in LIBRARY_WORDING), problem
        assert problem.startswith(f"{PROJECT}:"), problem


def library_error(annotation, value, **field) -> dict:
    """The validation library's own error for `value` against `annotation`."""
    from typing import Annotated

    from pydantic import Field, TypeAdapter, ValidationError

    adapter = TypeAdapter(Annotated[annotation, Field(**field)] if field else annotation)
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    (item,) = caught.value.errors()
    return item


class Color(Enum):
    RED = "red"
    BLUE = "blue"


LIST = (
    "expected a list (a YAML sequence; on the command line a JSON array, for example "
    "--config 'storage.zones=[\"europe-west1-b\"]')"
)


def no_bounds(_):
    return (None, None)


@pytest.mark.parametrize(
    ("annotation", "value", "field", "said"),
    [
        (int, "x", {}, "expected a whole number (for example 3)"),
        (int, 1.5, {}, "expected a whole number (for example 3)"),
        (int, 9, {"le": 5}, "expected a number of at most 5"),
        (int, 1, {"ge": 5}, "expected a number of at least 5"),
        (float, "x", {}, "expected a number"),
        (bool, "maybe", {}, "expected true or false"),
        (bool, [], {}, "expected true or false"),
        (str, 3, {}, "expected text (a YAML string)"),
        (dict[str, int], 3, {}, "expected an object (a YAML mapping of key: value)"),
        (
            list[int],
            3,
            {"max_length": 2},
            "expected a list (a YAML sequence; on the command line a JSON array, for "
            "example --config 'storage.zones=[\"europe-west1-b\"]')",
        ),
        (list[int], [1, 2, 3], {"max_length": 2}, "expected at most 2 entries"),
        (list[int], [], {"min_length": 1}, "expected at least 1 entries"),
        (str, "abc", {"max_length": 2}, "expected at most 2 characters"),
        (str, "", {"min_length": 1}, "expected at least 1 characters"),
        (int, 0, {"gt": 0}, "expected a number greater than 0"),
        (int, 9, {"lt": 5}, "expected a number less than 5"),
        (float, [], {}, "expected a number"),
        (tuple[int, ...], 3, {}, LIST),
        (set[int], 3, {}, LIST),
        (Mapping[str, int], 3, {}, "expected an object (a YAML mapping of key: value)"),
        (Color, "green", {}, "expected 'red' or 'blue'"),
    ],
)
def test_each_kind_of_library_error_is_said_plainly(annotation, value, field, said):
    from components.settings.messages import _plain

    item = library_error(annotation, value, **field)
    assert _plain(item, ("someSetting",), no_bounds) == said


def test_a_range_is_said_whole_when_both_ends_are_known():
    from components.settings.messages import _plain

    item = library_error(int, 9, le=5)
    assert _plain(item, ("replicas",), lambda _: (0, 5)) == "expected a whole number from 0 to 5"
    item = library_error(int, "x")
    assert _plain(item, ("replicas",), lambda _: (0, 5)) == "expected a whole number from 0 to 5"
    # One end only: the library's bound is said.
    assert _plain(library_error(int, 9, le=5), ("x",), lambda _: (0, None)) == (
        "expected a number of at most 5"
    )


def test_a_pattern_is_said_by_the_nearest_named_field():
    from components.settings.messages import FORMS, _plain

    item = library_error(str, "x y", pattern=r"^\S+$")
    assert _plain(item, ("tolerations", 0, "key"), no_bounds) == f"expected {FORMS['key']}"
    assert _plain(item, ("zones", 0), no_bounds) == f"expected {FORMS['zones']}"
    assert _plain(item, ("unknownKey",), no_bounds) == "expected another form"


def test_our_own_messages_pass_through_without_the_librarys_prefix():
    from components.settings.messages import _plain

    item = {"type": "value_error", "msg": "Value error, expected a DNS label", "ctx": {}}
    assert _plain(item, ("name",), no_bounds) == "expected a DNS label"
    item = {"type": "assertion_error", "msg": "Assertion failed, expected a port", "ctx": {}}
    assert _plain(item, ("port",), no_bounds) == "expected a port"
    item = {"type": "literal_error", "msg": "...", "ctx": {"expected": "'a' or 'b'"}}
    assert _plain(item, ("fsType",), no_bounds) == "expected 'a' or 'b'"


def test_a_rule_between_settings_shows_what_was_given_or_that_it_was_left_unset():
    assert problems_for({"replicas": 3, "storageSlots": 2}) == [
        f"{PROJECT}:storage.storageSlots: expected at least replicas (3): every pod needs its "
        "own storage; raise storageSlots to 3; given: 2"
    ]
    (problem,) = problems_for({"zones": ["europe-west1-b", "europe-west1-c"]})
    assert problem.startswith(f"{PROJECT}:storage.placement: required with 2 zones")
    assert problem.endswith("; given: '(default)'")


def test_a_value_that_may_hold_a_password_is_never_shown():
    secret = "hunter2hunter2"
    for overrides in (
        {"env": {"LOG-LEVEL": secret}},  # a field's own check
        {"env": {"DB_PASSWORD": secret}},  # a rule between settings
        {"passwordConfigLine": f"requirepass {secret}"},
    ):
        (problem,) = problems_for(overrides)
        assert secret not in problem
        assert problem.endswith("; given: (not shown: it may hold a password)"), problem


@pytest.mark.parametrize(
    ("probe", "said"),
    [
        ({"type": "http", "path": "/", "pth": "/x"}, "not a known setting; did you mean path?"),
        ({"type": "tcp", "zzzzzz": 1}, "not a known setting"),
    ],
)
def test_an_unknown_key_in_a_probe_gets_the_nearest_known_one_if_any(probe, said):
    problems = problems_for({"readinessProbe": probe})
    unknown = [p for p in problems if "not a known setting" in p]
    assert len(unknown) == 1
    assert unknown[0].endswith(f": {said}"), unknown
