"""A stack's config values (by full key, as Pulumi hands them to programs) as StatefulApp
inputs and validated settings: what the program and the engine-free renderer share.

Imports nothing of the Pulumi SDK, so the fast render (`render --manifests-only`) can use it.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Collection, Mapping
from typing import Any

from pydantic.alias_generators import to_snake

from ..settings.app_settings import AppSettings
from ..settings.arg_paths import GROUPS, TOP_LEVEL
from ..settings.legacy_config import legacy_keys, migration_message
from ..settings.password_rules import password_problems
from ..settings.presets import PRESETS
from ..settings.validation import SettingsError

# The name the program gives its StatefulApp: it follows no setting, so no change of config
# moves a resource to a new identity.
PROGRAM_APP = "app"


# Keys read as Pulumi secrets, outside the settings, so that they never become plain values.
SECRET_KEYS = ("password",)
KNOWN_KEYS = (*TOP_LEVEL, *GROUPS)


def _unknown(namespace: str, key: str) -> str:
    near = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
    hint = f"did you mean {namespace}:{near[0]}?" if near else f"known: {', '.join(KNOWN_KEYS)}"
    return f"{namespace}:{key}: not a known config key; {hint}"


def _looks_like(namespace: str, name: str) -> bool:
    """A namespace that is not the project's but close to it: a typo, read by nobody."""
    return namespace != name and difflib.SequenceMatcher(None, namespace, name).ratio() >= 0.8


def misplaced_secrets(
    name: str, secret_keys: Collection[str], secret_paths: Mapping[str, list[str]] | None = None
) -> list[str]:
    """A secure value anywhere but the password as one text value: nothing else is kept
    secret, so it would be deployed in plain text. Where the stack file shows the paths of
    the secure values (`secret_paths`, read offline), each setting is named; a program is
    only told the key. Never echoes a value."""
    prefix = f"{name}:"
    problems = []
    for key in sorted(k for k in secret_keys if k.startswith(prefix)):
        short = key[len(prefix) :]
        paths = (secret_paths or {}).get(key) or [""]
        if short in SECRET_KEYS:
            if any(paths):
                problems.append(
                    f"{key}: expected one secure text value (pulumi config set --secret "
                    f"{key} <value>); given a list or object holding one at "
                    f"{', '.join(p for p in paths if p)}"
                )
            continue
        for path in paths:
            where = f"{key}.{path}".replace(".[", "[") if path else key
            problems.append(
                f"{where}: holds a secure value, but only {prefix}password is kept secret; "
                f"this setting would be deployed in plain text (a ConfigMap, the pod spec). "
                f"Give the secret as the password (security.passwordEnv, "
                f"security.passwordMount) instead"
            )
    return problems


def args_from_values(
    name: str, values: Mapping[str, str], secret_keys: Collection[str] = ()
) -> dict[str, Any]:
    """StatefulApp inputs from config values by full key (`<name>:<key>`, as Pulumi hands
    them to programs): top-level keys as given, each group as the object the stack file
    holds (the password is read apart, as a secret). A secure value (`secret_keys`) anywhere
    but the password is refused: nothing else is kept secret, so it would be deployed in
    plain text. Raises SettingsError, never echoing a secure value."""
    prefix = f"{name}:"
    keys = [key[len(prefix) :] for key in values if key.startswith(prefix)]
    misplaced = misplaced_secrets(name, secret_keys)
    if misplaced:
        raise SettingsError(misplaced)

    def get(key: str) -> str | None:
        return values.get(prefix + key)

    problems: list[str] = [
        f"{key}: {key.partition(':')[0]!r} is not this project's config namespace; did you "
        f"mean {name}:{key.partition(':')[2]}?"
        for key in values
        if _looks_like(key.partition(":")[0], name)
    ]
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
        raise SettingsError(problems)
    return args


def takes_password(args: Mapping[str, Any]) -> bool:
    """Whether the app of these (not yet validated) inputs takes a password: its
    security.passwordEnv or passwordMount, as given or from its preset."""
    name = args.get("preset")
    preset = PRESETS.get(str(getattr(name, "value", name)), {}).get("security", {})
    security = args.get("security")
    security = security if isinstance(security, Mapping) else {}
    return any(
        security.get(key, security.get(to_snake(key), preset.get(key)))
        for key in ("passwordEnv", "passwordMount")
    )


def password_config_problems(
    settings: AppSettings | None,
    key: str,
    given: str | None,
    secret: bool,
    args: Mapping[str, Any] | None = None,
) -> list[str]:
    """What is wrong with the password config `key`: `given` (None when unset), stored
    encrypted or not (`secret`). With `settings` None (they are invalid, and their problems
    are reported beside these), what the inputs `args` and the password show by themselves."""
    needed = (
        settings.security.takes_password if settings is not None else takes_password(args or {})
    )
    if needed and given is None:
        return [
            f"{key}: required by this app, but not set (pulumi config set --secret {key} <value>)"
        ]
    if settings is not None and given is not None and not needed:
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
