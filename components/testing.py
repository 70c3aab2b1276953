"""Unit-testing a program that uses StatefulApp, under Pulumi's mocks, with no cloud.

StatefulApp asks GCE for the region's zones at preview (`gcp:compute/getZones:getZones`)
and reads a few computed outputs (a disk's self link, a Stash's recorded value, a random
key); mocks that answer none of these stop the program. `StatefulAppMocks` answers them as
the package's offline renderer does (the zones from the package's catalogue of GCE zones,
plus any you name) and keeps every resource registered, so a test can read them back:

    import pulumi
    from gke_stateful.testing import StatefulAppMocks

    mocks = StatefulAppMocks()
    pulumi.runtime.set_mocks(mocks, preview=False)

    @pulumi.runtime.test
    def test_three_disks():
        app = StatefulApp("cache", {...})
        return app.disk_names.apply(lambda names: ...)

    # after the test function has run: mocks.of_type("gcp:compute/disk:Disk")
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pulumi

from .offline.mock_engine import OfflineMocks


@dataclass(frozen=True)
class MockedResource:
    """One resource the program registered: its type token, logical name and inputs (as the
    engine receives them: camelCase keys, numbers as floats)."""

    type: str
    name: str
    inputs: dict[str, Any]


class StatefulAppMocks(OfflineMocks):
    """Mocks that answer what StatefulApp asks of the engine and keep what it registers.

    `newer_zones`: zones GCE has that the package's catalogue does not list yet (the same
    as the stack's `storage.newerZones`); `existing_disks` (disk name -> GiB) and `stashes`
    (logical name -> value) stand for what an earlier deployment left, as in the renderer.
    """

    def __init__(
        self,
        newer_zones: Iterable[str] = (),
        existing_disks: dict[str, int] | None = None,
        stashes: dict[str, Any] | None = None,
        stack: str = "test",
    ) -> None:
        super().__init__(existing_disks, stack, stashes, newer_zones)
        self.resources: list[MockedResource] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        self.resources.append(MockedResource(args.typ, args.name, dict(args.inputs)))
        return super().new_resource(args)

    def of_type(self, type_token: str) -> list[MockedResource]:
        """The registered resources of one type (for example `"gcp:compute/disk:Disk"`,
        `"kubernetes:apps/v1:StatefulSet"`), in the order the engine received them: the SDK
        registers from several threads, so that is not always the program's order."""
        return [r for r in self.resources if r.type == type_token]

    def named(self, name: str) -> MockedResource:
        """The one registered resource of that logical name (KeyError if none, ValueError
        if several of different types share it, as a disk and its PV do)."""
        found = [r for r in self.resources if r.name == name]
        if not found:
            raise KeyError(name)
        if len(found) > 1:
            raise ValueError(f"{name}: {len(found)} resources share the name; use of_type")
        return found[0]
