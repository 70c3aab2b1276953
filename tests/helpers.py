"""Shared test helpers: valid settings, and running code under the recording mock engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.offline.mock_engine import Registration, start_mock_engine
from components.settings.app_settings import AppSettings
from components.settings.arg_paths import grouped, parse_args

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "gke-stateful"


def shipped_reference(name: str) -> Path:
    """A reference file shipped with the tests (`tests/fixtures/pulumi/`), so that a fresh
    clone with nothing beside it runs every check. When the team's reference copy
    (`shared/reference/` beside the project, as in CI) is there too, `test_package` holds the
    two equal; `GKE_STATEFUL_REQUIRE_REFERENCE=1` makes its absence a failure."""
    return ROOT / "tests" / "fixtures" / "pulumi" / name


def shared_reference(name: str) -> Path | None:
    """The team's reference copy of `name` (`../shared/reference/`), looked for upward so that
    a copy of the project one level deeper (mutmut's) finds it too; None when absent."""
    for parent in ROOT.parents:
        candidate = parent / "shared" / "reference" / name
        if candidate.exists():
            return candidate
    return None


STACKS = ("dev", "staging", "prod")


def copy_program(directory: Path) -> Path:
    """A copy of the program in `directory` (its Pulumi.yaml, __main__.py and stack files,
    to change at will; the package linked, not copied)."""
    import shutil

    directory.mkdir(parents=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, directory)
    shutil.copytree(ROOT / "stacks", directory / "stacks")
    (directory / "components").symlink_to(ROOT / "components")
    return directory


VALID = {
    "name": "kubia",
    "namespace": "apps",
    "gcpProject": "acme-test-project",
    "volumeScope": "kubia-test",
    "zones": ["europe-west1-b"],
    "replicas": 3,
    "storageSlots": 3,
    "image": "luksa/kubia-pet",
}


def app_args(settings: AppSettings, **extra: Any) -> dict[str, Any]:
    """StatefulApp inputs that give `settings` (each setting at its grouped path)."""
    return {**settings.model_dump(by_alias=True, exclude_none=True), **extra}


def stack_config(flat: dict[str, Any]) -> dict[str, str]:
    """Pulumi config values (by full key) of a stack file that sets the flat settings `flat`
    at their grouped places."""
    from components.stack.stack_config import config_string

    return {f"{PROJECT}:{key}": config_string(value) for key, value in grouped(flat).items()}


def parse_flat(
    flat: dict[str, Any], prefix: str = f"{PROJECT}:", provider_region: str | None = None
) -> AppSettings:
    """Validated settings given by name (each placed at its path in the inputs), as a stack
    gives them; SettingsError names each bad path."""
    return parse_args(grouped(flat), prefix, provider_region)


def make_settings(**overrides: Any) -> AppSettings:
    """Valid settings, with `overrides` given by config key."""
    return AppSettings.model_validate(grouped({**VALID, **overrides}))


def run_under_mocks(
    build: Callable[[], Any], stack: str = "test", config: dict[str, str] | None = None
) -> tuple[Any, list[Registration]]:
    """Run `build` under a fresh recording mock engine; wait for every registration.

    Returns what `build` returned and the registrations, in order.
    """
    monitor = start_mock_engine(PROJECT, stack, config or {})
    result: dict[str, Any] = {}

    def program() -> None:
        result["value"] = build()

    _sync_await(run_pulumi_func(program))
    return result.get("value"), monitor.registrations


def resolve(output: Any) -> Any:
    """The value of an Output, awaited (the engine has settled when this is called)."""
    import pulumi

    return _sync_await(pulumi.Output.from_input(output).future())


def by_type(registrations: list[Registration], type_: str) -> list[Registration]:
    return [r for r in registrations if r.type == type_]


DISK_TYPES = ("gcp:compute/disk:Disk", "gcp:compute/regionDisk:RegionDisk")


def disks_by_name(registrations: list[Registration]) -> dict[str, Registration]:
    """Created disks (zonal and regional) by their GCE name."""
    return {r.inputs["name"]: r for r in registrations if r.type in DISK_TYPES and not r.read}


def disk_zones(registrations: list[Registration]) -> dict[str, list[str]]:
    """Created disks' zones by name: one zone, or the two replica zones of a regional disk."""
    return {
        name: r.inputs["replicaZones"] if "replicaZones" in r.inputs else [r.inputs["zone"]]
        for name, r in disks_by_name(registrations).items()
    }


def disk(ordinal: int, generation: int = 0, **parts: str) -> str:
    """The derived disk (and PV) name of a slot of the VALID app, or of `parts`' app."""
    from components.settings import naming

    p = {"scope": "kubia-test", "namespace": "apps", "app": "kubia", "claim": "data", **parts}
    return naming.disk_name(p["scope"], p["namespace"], p["app"], p["claim"], ordinal, generation)


# The options the engine records for a registration that sets none (as plan.json lists them).
PLAN_OPTIONS = {
    "protect": False,
    "retainOnDelete": False,
    "ignoreChanges": [],
    "replaceOnChanges": [],
}


def plan_resource(
    type_: str, name: str, inputs: dict[str, Any], read: bool = False, **options: Any
) -> dict[str, Any]:
    """One resource as plan.json lists it, with `options` over the engine's defaults: what the
    change preview compares, written by hand in the preview's tests."""
    return {
        "urn": f"urn:pulumi:s::p::{type_}::{name}",
        "type": type_,
        "name": name,
        "read": read,
        "parent": None,
        "options": {**PLAN_OPTIONS, **options},
        "inputs": inputs,
    }
