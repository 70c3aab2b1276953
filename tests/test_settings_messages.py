"""Refusals in plain words: every pattern-checked setting has its plain form, and no message
carries the validation library's wording or a regular expression, whatever the input."""

from __future__ import annotations

import typing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from components.arg_paths import path_of
from components.settings import AppSettings, SettingsError, parse_settings
from components.settings_messages import FORMS
from tests.helpers import PROJECT, VALID

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
    assert ("AppSettings", "snapshotStartTime") in fields  # the search finds them
    assert ("Toleration", "key") in fields
    missing = [key for _, key in fields if key not in FORMS]
    assert missing == []
    # and each form gives an example
    assert all("for example" in form for form in FORMS.values())


def problems_for(overrides: dict) -> list[str]:
    try:
        parse_settings({**VALID, **overrides}, f"{PROJECT}:", locate=path_of)
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
    key=st.sampled_from(sorted(AppSettings.model_fields)),
    value=st.one_of(
        st.text(max_size=12),
        st.integers(-(10**6), 10**7),
        st.booleans(),
        st.lists(st.text(max_size=5), max_size=3),
        st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
    ),
)
def test_no_refusal_speaks_the_librarys_language(key, value):
    field = AppSettings.model_fields[key]
    for problem in problems_for({field.alias or key: value}):
        assert not any(words in problem for words in LIBRARY_WORDING), problem
        assert problem.startswith(f"{PROJECT}:"), problem
