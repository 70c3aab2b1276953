"""The fast render (`render --manifests-only`): this project's app straight from the pure core,
without the Pulumi engine, its SDK or the mock engine.

The program (`__main__.py`) registers what `core.blueprint` computes, so the manifests follow
from the same steps it takes: the stack's config values, the grouped inputs, the validated
settings, the blueprint, and the two values only a deploy knows, stood in for as the offline
engine stands in for them (a secure config value; the stack's random checksum key). A test
holds the result byte for byte to the full render's `manifests.yaml` on every stack.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.blueprint import build_blueprint
from ..core.secret_values import (
    CHECKSUM_KEY_BYTES,
    digest_scope,
    keyed_digest,
    secret_keys,
    with_checksum,
)
from ..settings import naming
from ..settings.app_settings import AppSettings
from ..settings.arg_paths import parse_args
from ..settings.validation import SettingsError
from ..stack.config_values import (
    PROGRAM_APP,
    args_from_values,
    misplaced_secrets,
    password_config_problems,
)
from ..stack.stack_config import SECURE_STAND_IN, Project, StackConfig, load_project, resolve
from . import plan
from .offline_stand_ins import stand_in_bytes


@dataclass(frozen=True)
class ManifestsRender:
    """The Kubernetes objects of one stack, as `kubectl apply` takes them, and its summary."""

    stack: str
    objects: list[dict[str, Any]]
    outputs: dict[str, Any]

    @property
    def text(self) -> str:
        return plan.manifests_text(self.objects)

    def summary(self, project: str) -> str:
        kinds = Counter(obj["kind"] for obj in self.objects)
        lines = [f"{project}/{self.stack}: {len(self.objects)} Kubernetes objects"]
        lines += [f"  {count:4d}  {kind}" for kind, count in sorted(kinds.items())]
        return "\n".join([*lines, *plan.pod_lines(self.objects), *plan.output_lines(self.outputs)])


def resolved_stack(
    program: Path, stack: str, overrides: list[str], secure: Iterable[str] = ()
) -> tuple[Project, StackConfig]:
    """The program's project and the stack's config as the Pulumi CLI resolves them; a
    secure value where nothing is kept secret is refused here (SettingsError), where the
    stack file still shows which setting holds it."""
    project = load_project(program)
    config = resolve(project, stack, overrides, secure)
    misplaced = misplaced_secrets(project.name, config.secret_keys, config.secret_paths)
    if misplaced:
        raise SettingsError(misplaced)
    return project, config


def stack_settings(
    program: Path, stack: str, overrides: list[str], secure: Iterable[str] = ()
) -> AppSettings:
    """The stack's validated settings, as the program reads them; SettingsError (or
    StackConfigError) when its config is invalid."""
    project, config = resolved_stack(program, stack, overrides, secure)
    name = project.name
    args = args_from_values(name, config.values, config.secret_keys)
    key = f"{name}:password"
    password = config.values.get(key)
    secret = key in config.secret_keys
    try:
        settings = parse_args(args, f"{name}:", config.values.get("gcp:region"))
    except SettingsError as error:
        # Every problem at once: what the password shows by itself too, as the program does.
        password_problems = password_config_problems(None, key, password, secret, args)
        raise SettingsError([*error.problems, *password_problems]) from None
    problems = password_config_problems(settings, key, password, secret)
    if problems:
        raise SettingsError(problems)
    return settings


def render_manifests(
    program: Path, stack: str, overrides: list[str], secure: Iterable[str] = ()
) -> ManifestsRender:
    """The stack's objects; SettingsError (or StackConfigError) when its config is invalid."""
    settings = stack_settings(program, stack, overrides, secure)
    blueprint = build_blueprint(settings)
    objects = []
    for manifest in blueprint.manifests:
        if manifest["kind"] == "Secret":
            manifest = {**manifest, "stringData": dict.fromkeys(secret_keys(settings), "")}
        elif manifest["kind"] == "StatefulSet" and blueprint.secret is not None:
            workload = naming.workload_component(PROGRAM_APP)
            key_bytes = stand_in_bytes(
                stack, naming.checksum_key_resource(workload), CHECKSUM_KEY_BYTES
            )
            digest = keyed_digest(key_bytes.hex(), digest_scope(settings), SECURE_STAND_IN)
            manifest = with_checksum(manifest, digest)
        objects.append(manifest)
    ordered = plan.in_apply_order([_ordered(m) for m in objects])
    return ManifestsRender(stack, ordered, blueprint.names())


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _ordered(manifest: dict[str, Any]) -> dict[str, Any]:
    """As the engine hands objects back: every mapping's keys sorted (a protobuf Struct's
    order), then apiVersion, kind, metadata and spec first (`plan.manifest`)."""
    return plan.head_first(_sorted(manifest))
