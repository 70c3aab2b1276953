"""Read the stack's Pulumi config into validated AppSettings, or stop cleanly."""

from __future__ import annotations

import pulumi
from pulumi.runtime.config import (
    CONFIG,
    get_config_env,
    get_config_secret_keys_env,
    is_config_secret,
)

from .settings import (
    AppSettings,
    SettingsError,
    config_keys,
    parse_settings,
    raw_settings,
)


class InvalidConfigError(pulumi.RunError):
    """Bad stack configuration: Pulumi reports the message without a traceback."""


class TransitionRefusedError(InvalidConfigError):
    """A valid configuration that the deployed state forbids moving to (it would replace or
    lose something the stack recorded)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            "change refused by what the stack recorded:\n" + "\n".join(f"  - {p}" for p in problems)
        )


# Keys read as Pulumi secrets, outside the settings, so that they never become plain values.
SECRET_KEYS = ("password",)


def unknown_keys(namespace: str) -> list[str]:
    """Keys set in this namespace that no setting reads: typos that would silently do nothing."""
    known = {*config_keys(), *SECRET_KEYS}
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


def load_password(settings: AppSettings, namespace: str | None = None) -> pulumi.Output[str] | None:
    """The app's password, from secret config: required when the app takes one, and refused
    when given in plain text (it would sit unencrypted in the stack file)."""
    config = pulumi.Config(namespace)
    key = f"{config.name}:password"
    given = config.get("password") is not None
    problems = []
    if settings.takes_password and not given:
        problems.append(
            f"{key}: required by this app, but not set (pulumi config set --secret {key} <value>)"
        )
    elif given and not settings.takes_password:
        problems.append(
            f"{key}: set, but this app takes no password (passwordEnv and passwordMount are empty)"
        )
    elif given and not (is_config_secret(key) or key in get_config_secret_keys_env()):
        problems.append(
            f"{key}: given in plain text; store it encrypted with "
            f"pulumi config set --secret {key} <value>"
        )
    if problems:
        raise InvalidConfigError(str(SettingsError(problems)))
    return config.get_secret("password") if given else None
