"""Stack files of earlier versions: flat keys, lists of `key=value`, JSON text and short
forms. Each is refused with the grouped form that replaces it, ready to paste."""

from __future__ import annotations

import json
from typing import Any

import yaml

from .arg_paths import GROUPS, PATHS, grouped


def _pairs(entries: list[str]) -> dict[str, str]:
    return dict(entry.split("=", 1) for entry in entries if "=" in entry)


def _probe(text: str) -> dict[str, str]:
    if text == "":
        return {"type": "none"}
    if text.startswith("http:"):
        return {"type": "http", "path": text[len("http:") :]}
    if text.startswith("exec:"):
        return {"type": "exec", "command": text[len("exec:") :]}
    return {"type": text}


def _toleration(text: str) -> dict[str, str]:
    key_value, _, effect = text.partition(":")
    key, has_value, value = key_value.partition("=")
    result = {"key": key, **({"value": value} if has_value else {})}
    return {**result, **({"effect": effect} if effect else {})}


def _claim(text: str) -> dict[str, Any]:
    name, _, rest = text.partition(":")
    path, _, size = rest.rpartition(":")
    return {"name": name, "mountPath": path, "sizeGb": int(size) if size.isdigit() else size}


def _json(text: str) -> Any:
    return json.loads(text) if text.strip() else None


CONVERTERS = {
    "selectorLabels": _pairs,
    "clientLabel": lambda entries: [_pairs([e]) for e in entries],
    "nodeSelector": _pairs,
    "env": _pairs,
    "readinessProbe": _probe,
    "livenessProbe": _probe,
    "startupProbe": _probe,
    "tolerations": lambda entries: [_toleration(e) for e in entries],
    "extraClaims": lambda entries: [_claim(e) for e in entries],
    "initContainers": _json,
    "sidecars": _json,
    "podSpecOverrides": _json,
}


def new_form(key: str, value: Any) -> Any:
    """An earlier version's value of flat `key` in today's form (as given if it cannot be
    read)."""
    convert = CONVERTERS.get(key)
    if convert is None:
        return value
    try:
        return convert(value)
    except (ValueError, TypeError, AttributeError):
        return value


def legacy_keys(keys: list[str]) -> list[str]:
    """The flat keys of earlier versions among `keys`: settings that now sit in a group."""
    return [key for key in keys if key in PATHS and "." in PATHS[key] and key not in GROUPS]


def migration_message(namespace: str, legacy: dict[str, Any], preset: str | None = None) -> str:
    """What to write instead of the flat keys `legacy` (name -> value as stored), given the
    stack's `preset`: several Redis pods of 0.1.0 were independent servers, which the new
    form says (`redis.replication: false`), so the stack runs as it did."""
    converted = {key: new_form(key, value) for key, value in legacy.items()}
    converted = {key: value for key, value in converted.items() if value is not None}
    if preset == "redis" and str(legacy.get("storageSlots", "1")) not in ("0", "1"):
        converted["replication"] = False
    block = {f"{namespace}:{group}": values for group, values in grouped(converted).items()}
    listing = ", ".join(f"{namespace}:{key}" for key in legacy)
    return (
        f"{listing}: settings of an earlier version, now grouped by concern; replace them "
        f"in the stack file with:\n"
        + yaml.safe_dump({"config": block}, sort_keys=False, allow_unicode=True).rstrip()
    )
