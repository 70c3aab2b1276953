"""Read the stack's Pulumi config into validated AppSettings, or stop cleanly."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.runtime.config import (
    CONFIG,
    get_config_env,
    get_config_secret_keys_env,
    is_config_secret,
)

from ..settings.app_settings import AppSettings
from ..settings.arg_paths import parse_args
from ..settings.validation import SettingsError
from .config_values import SECRET_KEYS, args_from_values, password_config_problems

__all__ = ["SECRET_KEYS", "InvalidConfigError", "TransitionRefusedError"]


class InvalidConfigError(pulumi.RunError):
    """Bad stack configuration: Pulumi reports the message without a traceback."""


class TransitionRefusedError(InvalidConfigError):
    """A valid configuration that the deployed state forbids moving to (it would replace or
    lose something the stack has deployed or recorded)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            "change refused by what the stack has deployed or recorded:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )


def _engine_values() -> dict[str, str]:
    """The config the engine handed the program, by full key."""
    return {**get_config_env(), **CONFIG.get()}


def load_args(namespace: str | None = None) -> dict[str, Any]:
    """The stack's config (as the engine handed it) as StatefulApp inputs; bad keys stop
    the program before any registration."""
    try:
        values = _engine_values()
        secret = [key for key in values if is_config_secret(key)]
        secret += [key for key in get_config_secret_keys_env() if key not in secret]
        return args_from_values(pulumi.Config(namespace).name, values, secret)
    except SettingsError as error:
        raise InvalidConfigError(str(error)) from None


def load_settings(args: dict[str, Any] | None = None, namespace: str | None = None) -> AppSettings:
    """Validate the whole config (`args`, read by `load_args` unless given) once, before any
    resource is registered; each problem names its config key and path."""
    config = pulumi.Config(namespace)
    if args is None:
        args = load_args(namespace)
    try:
        return parse_args(args, f"{config.name}:", pulumi.Config("gcp").get("region"))
    except SettingsError as error:
        # Every problem at once: what the password shows by itself too.
        password = password_config_problems(None, *_password_config(namespace), args)
        raise InvalidConfigError(str(SettingsError([*error.problems, *password]))) from None


def _password_config(namespace: str | None) -> tuple[str, str | None, bool]:
    """The password's full key, its value as given (None when unset) and whether it is
    stored encrypted."""
    config = pulumi.Config(namespace)
    key = f"{config.name}:password"
    secret = is_config_secret(key) or key in get_config_secret_keys_env()
    return key, config.get("password"), secret


def load_password(settings: AppSettings, namespace: str | None = None) -> pulumi.Output[str] | None:
    """The app's password, from secret config: required when the app takes one, and refused
    when given in plain text (it would sit unencrypted in the stack file)."""
    key, given, secret = _password_config(namespace)
    problems = password_config_problems(settings, key, given, secret)
    if problems:
        raise InvalidConfigError(str(SettingsError(problems)))
    return pulumi.Config(namespace).get_secret("password") if given is not None else None
