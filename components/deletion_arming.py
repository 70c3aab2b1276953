"""Data deletion armed one update ahead: the scale-down that `allowDataDeletion` lets
Kubernetes delete claims for waits until an earlier update has recorded the setting.

The engine already judges every delete by the state before the update: a removed resource
is refused while that state says `protect` and left in place while it says `retainOnDelete`;
the old resource of a replacement is left in place while it says `retainOnDelete` (pulumi
pkg/resource/deploy/step.go, DeleteStep.Apply reads `s.old`, and skips the `protect` check
when replacing; step_generator.go refuses a replacement only when the resource is protected
before and after, which the slot records cover). So the update that turns
`allowDataDeletion` on deletes no disk or PV. One deletion does not pass through the
engine: the StatefulSet controller deletes the claims of the pods a scale-down removes as soon
as the StatefulSet says `whenScaled: Delete` (Kubernetes apps/v1 types.go,
StatefulSetPersistentVolumeClaimRetentionPolicy: "the associated PVCs for any excess pods above
the replica count", KEP-1847), in that same update, leaving their PVs Released while the
engine refuses to delete them. That one waits for the record.

The record is a `pulumi.Stash`, registered in every update before the disks and PVs (they
depend on it, so an update that fails part-way never changed their protection without the
record's turn), created from a value unique to
the program run that creates it. The engine keeps that input (`ignoreChanges`) and a Stash's
output is the value it was created with (pulumi builtins.go: Create copies the input to the
output, Update keeps the old output; also at preview), so a later run sees another run's
value: the record is older than this update. Its replacement trigger is the setting itself,
so every turn of `allowDataDeletion`, on or off, replaces the record within that update
(step_generator.go: `shouldTriggerReplace`, then the replacement is checked from the
program's own inputs, not the kept ones), before anything the update deletes at its end: an
update that turns the setting off and then fails still leaves a record made while it was
off, and the next update that turns it on waits again. The value means nothing and is kept
secret, so plans and renders stay the same from run to run.

The record says that an earlier update registered it, not that the disks and PVs were
updated with it, and a targeted update (`--target`, `--exclude`) either leaves the record
as it was or turns it without the data (docs/operations.md, "What keeps the data": the limits
of deletion armed one update ahead).
"""

from __future__ import annotations

import uuid
from typing import NamedTuple

import pulumi

from .settings.app_settings import AppSettings


class DeletionArming(NamedTuple):
    """The record, for the data resources to wait on, and whether it arms this update."""

    record: pulumi.Stash
    armed: pulumi.Output[bool]


def deletion_arming(
    name: str, settings: AppSettings, opts: pulumi.ResourceOptions
) -> DeletionArming:
    """The record of `allowDataDeletion`, armed when an earlier update already recorded the
    setting on, with no update since that turned it off (never without it). Never protected:
    losing it only disarms, and a protected record would refuse every turn of the setting."""
    allowed = settings.protection.allow_data_deletion
    run = uuid.uuid4().hex
    record = pulumi.Stash(
        name,
        input=pulumi.Output.secret(run),
        opts=pulumi.ResourceOptions.merge(
            opts,
            pulumi.ResourceOptions(
                ignore_changes=["input"], replacement_trigger=allowed, protect=False
            ),
        ),
    )
    if not allowed:
        return DeletionArming(record, pulumi.Output.from_input(False))
    armed = pulumi.Output.unsecret(record.output.apply(lambda recorded: recorded != run))
    return DeletionArming(record, armed)
