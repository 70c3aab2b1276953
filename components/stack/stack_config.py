"""Resolve a stack's configuration offline, the way the `pulumi` CLI does.

Project defaults from `Pulumi.yaml`, then `<stackConfigDir>/Pulumi.<stack>.yaml`, then
`--config KEY=VALUE` overrides, where KEY may be a path into an object as `pulumi config set
--path` takes it (`storage.diskSizeGb=300`, `storage.placement[0]=us-central1-a`). Secure
values are never decrypted: they become a placeholder and their keys are marked secret.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import pulumi_yaml

SECRET_PLACEHOLDER = "[secret]"
# What the program reads for a secure value: never decrypted offline, so a stand-in that
# passes the password rules (the real value is checked when `pulumi up` decrypts it).
SECURE_STAND_IN = "[secret, not known offline]"


class StackConfigError(ValueError):
    """The project or stack files cannot be read, or an override is malformed."""


@dataclass(frozen=True)
class Project:
    """What the renderer needs from `Pulumi.yaml`."""

    name: str
    directory: Path
    stack_config_dir: Path
    main: Path
    config: dict[str, Any]


@dataclass
class StackConfig:
    """A stack's resolved config: Pulumi's string values by full key, and the secret keys."""

    project: str
    stack: str
    values: dict[str, str] = field(default_factory=dict)
    secret_keys: list[str] = field(default_factory=list)
    # Where in each secret key's value its `secure:` values sit (dotted, "" for the value
    # itself, `[0]` for a list entry): what the Pulumi CLI knows and a program does not.
    secret_paths: dict[str, list[str]] = field(default_factory=dict)


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = pulumi_yaml.load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StackConfigError(f"{path.name}: file not found in {path.parent}") from None
    except yaml.YAMLError as error:
        raise StackConfigError(f"{path.name}: not valid YAML: {error}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise StackConfigError(f"{path.name}: expected a mapping at the top level")
    return data


def load_project(directory: Path) -> Project:
    """Read `Pulumi.yaml` (or `.yml`) in `directory`."""
    path = directory / "Pulumi.yaml"
    if not path.exists() and (directory / "Pulumi.yml").exists():
        path = directory / "Pulumi.yml"
    data = _load_yaml(path)
    if not isinstance(data.get("name"), str):
        raise StackConfigError(f"{path.name}: 'name' is required")
    if not isinstance(data.get("config") or {}, dict):
        raise StackConfigError(f"{path.name}: 'config' must be a mapping of keys")
    main = directory / str(data.get("main", "."))
    if main.is_dir():
        main = main / "__main__.py"
    return Project(
        name=data["name"],
        directory=directory,
        stack_config_dir=directory / str(data.get("stackConfigDir", ".")),
        main=main,
        config=data.get("config") or {},
    )


def _full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def config_string(value: Any) -> str:
    """A config value as Pulumi hands it to programs (config/object.go, MarshalString): a
    string as it is, a boolean or a number as its JSON, structures as JSON; an empty value
    as empty text (yaml.v3 never calls the value's decoder for a null)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        # json.Marshal refuses it, and so the CLI refuses the stack file.
        raise StackConfigError(f"{value} is not a value a Pulumi config can hold")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))  # Go writes the float 1000 as 1000
    return json.dumps(value)


def _mask_secure(value: Any, path: str = "") -> tuple[Any, list[str]]:
    """`value` with every `{secure: ...}` inside it (as `--path --secret` writes them) replaced
    by the placeholder, and where each sat (dotted, "" for the value itself, `[0]` for a list
    entry; none when there was none)."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECURE_STAND_IN, [path]
        items = {k: _mask_secure(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
        return {k: v for k, (v, _) in items.items()}, [p for _, ps in items.values() for p in ps]
    if isinstance(value, list):
        items_ = [_mask_secure(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return [v for v, _ in items_], [p for _, ps in items_ for p in ps]
    return value, []


PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _path(key: str) -> list[str | int]:
    """`storage.placement[0]` as ["storage", "placement", 0], like `pulumi config --path`."""
    parts: list[str | int] = []
    position = 0
    for match in PATH_PART.finditer(key):
        gap = key[position : match.start()]
        if gap not in ("", "."):
            raise StackConfigError(f"--config {key!r}: not a config path")
        parts.append(int(match[2]) if match[2] else match[1])
        position = match.end()
    if not parts or position != len(key) or not isinstance(parts[0], str):
        raise StackConfigError(f"--config {key!r}: not a config path")
    return parts


def _override_value(text: str, item: str = "") -> Any:
    """A value given on the command line: JSON when it reads as JSON (numbers, true/false,
    lists, objects), text otherwise. Text that opens a JSON list or object and does not
    close it as JSON is a mistake, said with its position, not taken as text."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        if text.lstrip().startswith(("[", "{")):
            raise StackConfigError(
                f"--config {item or text!r}: not valid JSON ({error.msg} at column "
                f"{error.colno}); a list is a JSON array, for example "
                f'storage.zones=["europe-west1-b", "europe-west1-c"]'
            ) from None
        return text


def _set_path(container: Any, parts: list[str | int], value: Any, key: str) -> Any:
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if isinstance(head, int):
        items = list(container) if isinstance(container, list) else []
        if head > len(items):
            raise StackConfigError(f"--config {key!r}: index {head} is past the list's end")
        if head == len(items):
            items.append(None)
        items[head] = _set_path(items[head], rest, value, key)
        return items
    mapping = dict(container) if isinstance(container, dict) else {}
    mapping[head] = _set_path(mapping.get(head), rest, value, key)
    return mapping


def resolve(
    project: Project, stack: str, overrides: list[str], given_secrets: Iterable[str] = ()
) -> StackConfig:
    """Project defaults, then the stack file, then KEY=VALUE overrides, then the keys given a
    secret offline (`given_secrets`: the renderer's --secret-file/--secret-env), which stand in as
    a stack file's `secure:` value does: never the value itself."""
    result = StackConfig(project=project.name, stack=stack)
    for key, declared in project.config.items():
        if isinstance(declared, dict):
            if "default" in declared:
                value = declared["default"]
            elif "value" in declared:
                value = declared["value"]
            else:
                continue
        else:
            value = declared
        result.values[_full_key(project.name, key)] = config_string(value)
    stack_file = project.stack_config_dir / f"Pulumi.{stack}.yaml"
    stack_config = _load_yaml(stack_file).get("config") or {}
    if not isinstance(stack_config, dict):
        raise StackConfigError(f"{stack_file.name}: 'config' must be a mapping")
    for key, value in stack_config.items():
        full = _full_key(project.name, str(key))
        masked, paths = _mask_secure(value)
        result.values[full] = config_string(masked)
        if paths:
            result.secret_keys.append(full)
            result.secret_paths[full] = paths
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise StackConfigError(f"--config {item!r}: expected KEY=VALUE")
        namespace, colon, path = key.rpartition(":") if ":" in key else ("", "", key)
        parts = _path(path)
        full = _full_key(project.name, f"{namespace}{colon}{parts[0]}")
        if len(parts) == 1:
            _override_value(value, item)  # a broken JSON list or object is refused here too
            result.values[full] = value
        else:
            current = result.values.get(full)
            try:
                tree = json.loads(current) if current is not None else None
            except json.JSONDecodeError:
                tree = None
            tree = _set_path(tree, parts[1:], _override_value(value, item), item)
            result.values[full] = config_string(tree)
        if full in result.secret_keys:
            result.secret_keys.remove(full)
    for key in given_secrets:
        full = _full_key(project.name, key)
        result.values[full] = SECURE_STAND_IN
        if full not in result.secret_keys:
            result.secret_keys.append(full)
    return result
