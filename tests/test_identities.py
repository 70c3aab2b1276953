"""Resource identities that no config change moves, and aliases from earlier URNs.

A resource's URN comes from the app's fixed component name, its claim template (fixed for the
life of the StatefulSet, see the replacement guard) and its slot's index: renaming the app,
moving it to another namespace, scope or project, or starting ordinals elsewhere changes
what the resources hold (and the guards and `render --previous` judge that), never which
resource is which.
"""

from __future__ import annotations

import pytest

from components.offline.change_preview import alias_urns
from components.offline.plan import plan
from components.offline.render import render
from tests.helpers import ROOT, STACKS

# The integration tier (renders each config change to compare resource identities (transitions)).
pytestmark = pytest.mark.integration


def urns(stack: str, *overrides: str) -> set[str]:
    return {r.urn for r in render(ROOT, stack, list(overrides)).registrations}


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize(
    "change",
    [
        "name=cache",
        "namespace=elsewhere",
        "rollout.ordinalsStart=3",
        "volumeScope=other-scope",
        "gcpProject=acme-elsewhere",
        "network.serviceName=other",
    ],
)
def test_no_setting_moves_a_resource_to_another_identity(stack, change):
    assert urns(stack, change) == urns(stack)


def test_the_program_names_its_app_app_and_aliases_the_earlier_name():
    resources = plan(render(ROOT, "prod", []))["resources"]
    (app,) = [r for r in resources if r["type"] == "gke-stateful:index:StatefulApp"]
    assert app["urn"].endswith("::app")
    assert app["options"]["aliases"] == [{"spec": {"name": "redis", "parentUrn": ""}}]


def resource(urn, name, parent=None, aliases=()):
    return {
        "urn": urn,
        "name": name,
        "type": urn.split("::")[2].rsplit("$", 1)[-1],
        "parent": parent,
        "options": {"aliases": list(aliases)},
    }


def test_aliases_resolve_as_the_engine_inherits_them():
    stack = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s"
    app = "urn:pulumi:s::p::x:index:App::app"
    storage = "urn:pulumi:s::p::x:index:App$x:index:Storage::app-storage"
    disk = "urn:pulumi:s::p::x:index:App$x:index:Storage$gcp:compute/disk:Disk::app-storage-d-1"
    resources = [
        resource(stack, "p-s"),
        resource(app, "app", stack, [{"spec": {"name": "redis", "parentUrn": ""}}]),
        resource(storage, "app-storage", app),
        resource(disk, "app-storage-d-1", storage, [{"spec": {"name": "app-storage-d-5"}}]),
    ]
    got = alias_urns(resources)
    assert "urn:pulumi:s::p::x:index:App::redis" in got[app]
    assert "urn:pulumi:s::p::x:index:App$x:index:Storage::redis-storage" in got[storage]
    old = "urn:pulumi:s::p::x:index:App$x:index:Storage$gcp:compute/disk:Disk::redis-storage-d-5"
    assert old in got[disk]  # the parent's old name and the disk's own old name together
    assert got[stack] == [stack]
