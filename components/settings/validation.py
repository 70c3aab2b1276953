"""Settings validated as a whole: each setting's own rule, then the rules across settings,
every problem said once, in plain words, naming where it is set."""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_snake
from pydantic.fields import FieldInfo

from . import cross_rules
from .app_settings import GROUPS, AppSettings
from .messages import describe, describe_rules
from .presets import with_preset


class SettingsError(ValueError):
    """Invalid settings: one line per problem, each naming the config key and the value given."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def parse_settings(
    raw: dict[str, Any],
    prefix: str = "",
    provider_region: str | None = None,
    locate: Callable[[str], str] = str,
) -> AppSettings:
    """Validate flat settings; raise SettingsError naming each bad setting.

    The preset the settings name fills every setting they leave unset. Each problem starts
    with `prefix` and the setting's place, `locate(name)` (its grouped path), then says what
    was expected and what was given. `provider_region` is the GCP provider's region
    (`gcp:region`), when one is set.
    """
    try:
        settings = AppSettings.model_validate(grouped(with_preset(raw)))
    except ValidationError as error:
        errors = [{**item, "loc": _ungrouped(item["loc"])} for item in error.errors()]
        raise SettingsError(
            describe(errors, raw, prefix, locate, bounds, SECRET_SETTINGS, known_keys)
        ) from None
    problems = cross_rules.problems(settings, provider_region)
    if problems:
        raise SettingsError(describe_rules(problems, raw, prefix, locate, SECRET_SETTINGS))
    return settings


# The group each setting sits in, by its config key (and by its Python name).
GROUP_OF: dict[str, str] = {
    name: group for group, keys in GROUPS.items() for key in keys for name in (key, to_snake(key))
}


def grouped(flat: Mapping[str, Any], every_group: bool = True) -> dict[str, Any]:
    """Settings by name placed in their groups (unknown names left at the top). With
    `every_group`, each group is there even when empty, so that a required setting left out
    is reported by its own name, not as its whole group missing."""
    result: dict[str, Any] = {group: {} for group in GROUPS} if every_group else {}
    for key, value in flat.items():
        group = GROUP_OF.get(key)
        (result.setdefault(group, {}) if group else result)[key] = value
    return result


def _ungrouped(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """A problem's place without its group: the setting's name leads, as messages expect."""
    return loc[1:] if loc and loc[0] in GROUPS and len(loc) > 1 else loc


def setting_fields() -> dict[str, FieldInfo]:
    """Every setting's field by its config key: the top level's, then each group's."""
    fields = {f.alias or n: f for n, f in AppSettings.model_fields.items() if n not in GROUPS}
    for group in GROUPS:
        model = AppSettings.model_fields[group].annotation
        fields |= {f.alias or n: f for n, f in model.model_fields.items()}  # type: ignore[union-attr]
    return fields


def _model_of(key: str) -> type[BaseModel]:
    """The model that holds setting `key`: its group's, or the top level's."""
    group = GROUP_OF.get(key)
    if group is None:
        return AppSettings
    return AppSettings.model_fields[group].annotation  # type: ignore[return-value]


# Settings whose given value may hold a password typed in by mistake: never echoed.
SECRET_SETTINGS = frozenset({"passwordConfigLine", "env"})


def known_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys of the structured setting at `loc` (a probe, a toleration, a claim)."""
    model: Any = _model_of(str(loc[0])) if loc else AppSettings
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
