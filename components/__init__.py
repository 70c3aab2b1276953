"""gke-stateful: StatefulSets on GKE whose every replica owns a pre-provisioned GCE disk.

Installed, this folder is the import package `gke_stateful` (so it never collides with a
program's own `components/` folder); in this repository it is `components`.

    from gke_stateful import StatefulApp

The exports load on first use, so the pure modules (naming, settings, the core) can be
imported without loading Pulumi.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Type checkers see the real names (the lazy loading below hides them otherwise).
    from .app import RetiredSlot, StatefulApp  # noqa: F401
    from .app_args import (  # noqa: F401
        AccessMode,
        ContainerArgs,
        DiskType,
        ExtraClaimArgs,
        FsType,
        NetworkArgs,
        PodArgs,
        PodManagementPolicy,
        Preset,
        ProbeArgs,
        ProbeType,
        ProtectionArgs,
        RolloutArgs,
        SecurityArgs,
        SnapshotArgs,
        SnapshotFrequency,
        StatefulAppArgs,
        StorageArgs,
        TaintEffect,
        TolerationArgs,
        TolerationOperator,
        UpdateStrategy,
        WeekDay,
    )

_EXPORTS = {
    "StatefulApp": ".app",
    "RetiredSlot": ".app",
    "StatefulAppArgs": ".app_args",
    "StorageArgs": ".app_args",
    "SnapshotArgs": ".app_args",
    "ProtectionArgs": ".app_args",
    "ContainerArgs": ".app_args",
    "PodArgs": ".app_args",
    "SecurityArgs": ".app_args",
    "NetworkArgs": ".app_args",
    "RolloutArgs": ".app_args",
    "ProbeArgs": ".app_args",
    "TolerationArgs": ".app_args",
    "ExtraClaimArgs": ".app_args",
    "Preset": ".app_args",
    "DiskType": ".app_args",
    "FsType": ".app_args",
    "AccessMode": ".app_args",
    "SnapshotFrequency": ".app_args",
    "WeekDay": ".app_args",
    "ProbeType": ".app_args",
    "TolerationOperator": ".app_args",
    "TaintEffect": ".app_args",
    "PodManagementPolicy": ".app_args",
    "UpdateStrategy": ".app_args",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
