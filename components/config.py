"""Read the stack's Pulumi config into validated AppSettings, or stop cleanly."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.runtime.config import (
    CONFIG,
    get_config_env,
    get_config_secret_keys_env,
    is_config_secret,
)

from .arg_paths import GROUPS, TOP_LEVEL, parse_args
from .legacy_config import legacy_keys, migration_message
from .password_rules import password_problems
from .settings import AppSettings, SettingsError


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
KNOWN_KEYS = (*TOP_LEVEL, *GROUPS)


def _engine_values() -> dict[str, str]:
    """The config the engine handed the program, by full key."""
    return {**get_config_env(), **CONFIG.get()}


def _unknown(namespace: str, key: str) -> str:
    near = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
    hint = f"did you mean {namespace}:{near[0]}?" if near else f"known: {', '.join(KNOWN_KEYS)}"
    return f"{namespace}:{key}: not a known config key; {hint}"


def args_from_values(name: str, values: Mapping[str, str]) -> dict[str, Any]:
    """StatefulApp inputs from config values by full key (`<name>:<key>`, as Pulumi hands
    them to programs): top-level keys as given, each group as the object the stack file
    holds (the password is read apart, as a secret). Raises InvalidConfigError."""
    prefix = f"{name}:"
    keys = [key[len(prefix) :] for key in values if key.startswith(prefix)]

    def get(key: str) -> str | None:
        return values.get(prefix + key)

    problems: list[str] = []
    legacy = legacy_keys(keys)
    if legacy:
        stored = {}
        for key in legacy:
            text = get(key) or ""
            try:
                stored[key] = json.loads(text)
            except json.JSONDecodeError:
                stored[key] = text
        problems.append(migration_message(name, stored, get("preset")))
    problems += [
        _unknown(name, key)
        for key in keys
        if key not in KNOWN_KEYS and key not in SECRET_KEYS and key not in legacy
    ]
    args: dict[str, Any] = {}
    for key in TOP_LEVEL:
        if key in SECRET_KEYS:
            continue
        value = get(key)
        if value is not None:
            args[key] = value
    for group in GROUPS:
        text = get(group)
        if text is None:
            continue
        try:
            args[group] = json.loads(text)
        except json.JSONDecodeError:
            args[group] = text
        if not isinstance(args[group], dict):
            problems.append(
                f"{name}:{group}: expected an object (YAML mapping) of settings; given: {text!r}"
            )
            del args[group]
    if problems:
        raise InvalidConfigError(str(SettingsError(problems)))
    return args


def load_args(namespace: str | None = None) -> dict[str, Any]:
    """The stack's config (as the engine handed it) as StatefulApp inputs."""
    return args_from_values(pulumi.Config(namespace).name, _engine_values())


def settings_from_args(name: str, args: dict[str, Any], region: str | None) -> AppSettings:
    """Validate the whole config once, before any resource is registered; each problem
    names its config key and path. `region` is the GCP provider's (gcp:region)."""
    try:
        return parse_args(args, f"{name}:", region)
    except SettingsError as error:
        raise InvalidConfigError(str(error)) from None


def load_settings(args: dict[str, Any] | None = None, namespace: str | None = None) -> AppSettings:
    """Validate the whole config (`args`, read by `load_args` unless given) once, before any
    resource is registered; each problem names its config key and path."""
    config = pulumi.Config(namespace)
    if args is None:
        args = load_args(namespace)
    return settings_from_args(config.name, args, pulumi.Config("gcp").get("region"))


def password_config_problems(
    settings: AppSettings, key: str, given: str | None, secret: bool
) -> list[str]:
    """What is wrong with the password config `key`: `given` (None when unset), stored
    encrypted or not (`secret`)."""
    if settings.takes_password and given is None:
        return [
            f"{key}: required by this app, but not set (pulumi config set --secret {key} <value>)"
        ]
    if given is not None and not settings.takes_password:
        return [
            f"{key}: set, but this app takes no password (security.passwordEnv and "
            f"security.passwordMount are empty)"
        ]
    if given is not None and not secret:
        return [
            f"{key}: given in plain text; store it encrypted with "
            f"pulumi config set --secret {key} <value>"
        ]
    if given is not None:
        return [f"{key}: {p}" for p in password_problems(given)]
    return []


def load_password(settings: AppSettings, namespace: str | None = None) -> pulumi.Output[str] | None:
    """The app's password, from secret config: required when the app takes one, and refused
    when given in plain text (it would sit unencrypted in the stack file)."""
    config = pulumi.Config(namespace)
    key = f"{config.name}:password"
    given = config.get("password")
    secret = is_config_secret(key) or key in get_config_secret_keys_env()
    problems = password_config_problems(settings, key, given, secret)
    if problems:
        raise InvalidConfigError(str(SettingsError(problems)))
    return config.get_secret("password") if given is not None else None
