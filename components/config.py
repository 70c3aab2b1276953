"""Read the stack's Pulumi config into validated AppSettings, or stop cleanly."""

from __future__ import annotations

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from components.settings import (
    AppSettings,
    SettingsError,
    config_keys,
    parse_settings,
    raw_settings,
)


class InvalidConfigError(pulumi.RunError):
    """Bad stack configuration: Pulumi reports the message without a traceback."""


def unknown_keys(namespace: str) -> list[str]:
    """Keys set in this namespace that no setting reads: typos that would silently do nothing."""
    known = set(config_keys())
    prefix = f"{namespace}:"
    given = {**get_config_env(), **CONFIG.get()}
    return sorted(
        f"{key}: not a known config key (known: {', '.join(sorted(known))})"
        for key in given
        if key.startswith(prefix) and key[len(prefix) :] not in known
    )


def load_settings(namespace: str | None = None) -> AppSettings:
    """Validate the whole config once, before any resource is registered."""
    config = pulumi.Config(namespace)
    raw, problems = raw_settings(config.get, config.name)
    problems += unknown_keys(config.name)
    try:
        settings = parse_settings(raw, config.name, pulumi.Config("gcp").get("region"))
    except SettingsError as error:
        problems += error.problems
    if problems:
        raise InvalidConfigError(str(SettingsError(problems)))
    return settings
