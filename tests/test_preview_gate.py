"""The CI gate on `pulumi preview --json`, step by step: every data type and every losing
operation fails it, whatever the provider's reason; other types and keeping operations pass;
a preview that reports an error fails it."""

from __future__ import annotations

import pytest

from components.offline.preview_gate import PreviewFileError, data_losses

STACK = (
    "urn:pulumi:prod::gke-stateful::gke-stateful:index:StatefulApp$gke-stateful:index:DiskVolumes$"
)
DATA = {
    "gcp:compute/disk:Disk": "disk",
    "gcp:compute/regionDisk:RegionDisk": "regional disk",
    "kubernetes:core/v1:PersistentVolume": "PersistentVolume",
    "kubernetes:storage.k8s.io/v1:StorageClass": "StorageClass",
    "gcp:compute/resourcePolicy:ResourcePolicy": "snapshot schedule",
}
LOSING = [
    "delete",
    "delete-replaced",
    "replace",
    "create-replacement",
    "discard",
    "discard-replaced",
]
KEEPING = ["same", "create", "update", "read", "refresh", "import"]


def step(type_: str, op: str, **extra) -> dict:
    return {"op": op, "urn": f"{STACK}{type_}::app-storage-x", **extra}


@pytest.mark.parametrize("op", LOSING)
@pytest.mark.parametrize("type_", list(DATA))
def test_every_losing_step_of_a_data_resource_fails(type_, op):
    (line,) = data_losses({"steps": [step(type_, op)]})
    assert line.startswith(f"{DATA[type_]} app-storage-x: ")


@pytest.mark.parametrize("op", KEEPING)
@pytest.mark.parametrize("type_", list(DATA))
def test_keeping_steps_pass(type_, op):
    assert data_losses({"steps": [step(type_, op)]}) == []


@pytest.mark.parametrize("op", LOSING)
def test_other_resources_may_go(op):
    assert data_losses({"steps": [step("kubernetes:apps/v1:StatefulSet", op)]}) == []


@pytest.mark.parametrize("type_", list(DATA))
def test_a_read_over_a_resource_the_stack_managed_fails(type_):
    """A relinquish: the engine reads it, by the same id, and drops it from the stack."""
    managed = step(type_, "read", oldState={"type": type_, "custom": True})
    (line,) = data_losses({"steps": [managed]})
    assert line == f"{DATA[type_]} app-storage-x: dropped from the stack (read over one it " + (
        "managed: no longer protected, retained or snapshotted)"
    )
    # A read of what the stack read before, or reads for the first time, keeps everything.
    external = step(type_, "read", oldState={"type": type_, "external": True})
    assert data_losses({"steps": [external, step(type_, "read")]}) == []


def test_a_replacement_counts_whatever_its_reason():
    (line,) = data_losses(
        {"steps": [step("gcp:compute/disk:Disk", "replace", replaceReasons=["labels"])]}
    )
    assert line == "disk app-storage-x: replaced (for labels)"
    (line,) = data_losses({"steps": [step("gcp:compute/disk:Disk", "replace")]})
    assert line == "disk app-storage-x: replaced"


def test_a_preview_that_reports_an_error_fails():
    preview = {
        "steps": [],
        "diagnostics": [
            {"message": "just a warning", "severity": "warning"},
            {"message": "refusing to replace protected resource\n", "severity": "error"},
        ],
    }
    assert data_losses(preview) == ["the preview failed: refusing to replace protected resource"]


def test_a_file_without_steps_is_not_a_preview():
    with pytest.raises(PreviewFileError):
        data_losses({"diagnostics": []})
