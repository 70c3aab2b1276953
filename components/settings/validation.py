"""Settings validated as a whole: each setting's own rule, then the rules across settings,
every problem said once, in plain words, naming where it is set."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from . import cross_rules
from .app_settings import GROUPS, AppSettings, path_of
from .messages import describe, describe_rules
from .presets import with_preset


class SettingsError(ValueError):
    """Invalid settings: one line per problem, each naming the config key and the value given."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def parse_settings(
    args: Mapping[str, Any], prefix: str = "", provider_region: str | None = None
) -> AppSettings:
    """Validate settings grouped as the inputs are (camelCase keys); raise SettingsError
    naming each bad setting.

    The preset the settings name fills every setting they leave unset. Each problem starts
    with `prefix` and the setting's path, then says what was expected and what was given.
    `provider_region` is the GCP provider's region (`gcp:region`), when one is set.
    """
    try:
        # Every group is there, so that a required setting left out is named, not its group.
        settings = AppSettings.model_validate({group: {} for group in GROUPS} | with_preset(args))
    except ValidationError as error:
        raise SettingsError(
            describe(error.errors(), args, prefix, bounds, SECRET_SETTINGS, known_keys)
        ) from None
    problems = cross_rules.problems(settings, provider_region)
    if problems:
        raise SettingsError(describe_rules(problems, args, prefix, path_of, SECRET_SETTINGS))
    return settings


def setting_fields() -> dict[str, FieldInfo]:
    """Every setting's field by its config key: the top level's, then each group's."""
    fields = {f.alias or n: f for n, f in AppSettings.model_fields.items() if n not in GROUPS}
    for group in GROUPS:
        model = AppSettings.model_fields[group].annotation
        fields |= {f.alias or n: f for n, f in model.model_fields.items()}  # type: ignore[union-attr]
    return fields


# Settings whose given value may hold a password typed in by mistake: never echoed.
SECRET_SETTINGS = frozenset({"passwordConfigLine", "env"})


def known_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys of the structured setting at `loc` (a probe, a toleration, a claim)."""
    model: Any = AppSettings
    for part in loc:
        if isinstance(part, int):
            continue
        fields = {f.alias or n: f for n, f in model.model_fields.items()}
        if part not in fields:
            return []
        hint = fields[part].annotation
        candidates = [hint, *typing.get_args(hint)]
        candidates += [inner for c in candidates for inner in typing.get_args(c)]
        model = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
        if model is None:
            return []
    return [f.alias or n for n, f in model.model_fields.items()]


def bounds(key: str) -> tuple[Any, Any]:
    """A numeric setting's (low, high), by its config key; (None, None) when it has none."""
    field = setting_fields().get(key)
    low = high = None
    for rule in field.metadata if field else ():
        low = getattr(rule, "ge", low)
        high = getattr(rule, "le", high)
    return low, high
