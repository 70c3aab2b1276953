"""A gate for CI pipelines: fail when `pulumi preview --json` would replace or drop data.

The preview's JSON lists the engine's steps, each with an `op` and a `urn` (Pulumi's
StepEventMetadata: same, create, update, delete, replace, create-replacement, delete-replaced,
read, read-replacement, refresh, discard, discard-replaced, remove-pending-replace, import,
import-replacement). A disk, a PV, the StorageClass or the snapshot schedule that is deleted,
replaced or discarded (dropped from the stack, kept in the cloud by `retainOnDelete`) is data
that moves or leaves the stack: the pipeline stops and names it, whatever the provider's
reason for a replacement. A preview that reports an error (its `diagnostics`, Pulumi's
PreviewDigest: `severity` "error") stops it too: a failed preview has not shown every step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .json_file import read_json

DATA_TYPES = {
    "gcp:compute/disk:Disk": "disk",
    "gcp:compute/regionDisk:RegionDisk": "regional disk",
    "kubernetes:core/v1:PersistentVolume": "PersistentVolume",
    "kubernetes:storage.k8s.io/v1:StorageClass": "StorageClass",
    "gcp:compute/resourcePolicy:ResourcePolicy": "snapshot schedule",
}
LOSING_OPS = {
    "delete": "deleted",
    "delete-replaced": "deleted after its replacement",
    "replace": "replaced",
    "create-replacement": "replaced (a new one is created)",
    "discard": "dropped from the stack (retained in the cloud, no longer managed)",
    "discard-replaced": "replaced (the old one retained, no longer managed)",
}


class PreviewFileError(ValueError):
    """The file is not the JSON `pulumi preview --json` writes."""


def urn_type(urn: str) -> str:
    """`urn:pulumi:<stack>::<project>::<parent types$>type::<name>` -> the resource's type."""
    parts = urn.split("::")
    if len(parts) < 4:
        raise PreviewFileError(f"not a Pulumi URN: {urn!r}")
    return parts[2].rsplit("$", 1)[-1]


def preview_errors(preview: dict[str, Any]) -> list[str]:
    """One line per error the preview reported (a failed preview lists only some steps)."""
    diagnostics = preview.get("diagnostics") or []
    if not isinstance(diagnostics, list):
        raise PreviewFileError("'diagnostics' is not a list, as `pulumi preview --json` writes")
    return [
        f"the preview failed: {str(d.get('message', '')).strip() or '(no message)'}"
        for d in diagnostics
        if isinstance(d, dict) and d.get("severity") == "error"
    ]


def data_losses(preview: dict[str, Any]) -> list[str]:
    """One line per data resource the previewed update would delete, replace or drop, and
    one per error the preview reported."""
    steps = preview.get("steps")
    if not isinstance(steps, list):
        raise PreviewFileError("expected an object with 'steps', as `pulumi preview --json` writes")
    problems = preview_errors(preview)
    for step in steps:
        op, urn = step.get("op"), step.get("urn", "")
        kind = DATA_TYPES.get(urn_type(urn)) if urn else None
        if kind and op in LOSING_OPS:
            reasons = step.get("replaceReasons") or step.get("keys") or []
            why = f" (for {', '.join(reasons)})" if reasons else ""
            problems.append(f"{kind} {urn.rsplit('::', 1)[-1]}: {LOSING_OPS[op]}{why}")
        elif kind and op == "read" and _managed_before(step):
            problems.append(f"{kind} {urn.rsplit('::', 1)[-1]}: {RELINQUISHED}")
    return problems


# A read of a resource the stack managed (the same id): the engine takes it out of the stack
# (pulumi step_generator.go, `GenerateReadSteps`: a "relinquish"; the new state is external,
# unprotected), as an adoption of a disk the stack created does in the first update after
# an upgrade from v0.1.0, which wrote no slot records.
RELINQUISHED = (
    "dropped from the stack (read over one it managed: no longer protected, retained or "
    "snapshotted)"
)


def _managed_before(step: dict[str, Any]) -> bool:
    """Whether the step's old state (`oldState`, Pulumi's ResourceV3) was managed."""
    old = step.get("oldState")
    return isinstance(old, dict) and not old.get("external", False)


def check_preview_file(path: Path) -> list[str]:
    """The data losses of the `pulumi preview --json` output in `path`."""
    preview = read_json(path, "--check-preview", PreviewFileError)
    if not isinstance(preview, dict):
        raise PreviewFileError("--check-preview: expected a JSON object")
    return data_losses(preview)
