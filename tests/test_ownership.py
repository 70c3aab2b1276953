"""Every resource belongs to the app's component tree, and each rule that decides what the
claims do is pinned to its exact Kubernetes value."""

from __future__ import annotations

import pytest

from components.core.blueprint import build_blueprint
from components.core.replacement import replacement_problems
from components.core.statefulset import retention_policy
from components.offline.render import render
from components.stateful_workload import StatefulWorkload
from tests.helpers import ROOT, STACKS, make_settings, run_under_mocks

COMPONENTS = ("gke-stateful:index:",)


@pytest.mark.parametrize("stack", STACKS)
def test_every_resource_is_a_child_of_the_app(stack):
    registrations = render(ROOT, stack, []).registrations
    by_urn = {r.urn: r for r in registrations}
    (app,) = [r for r in registrations if r.type == "gke-stateful:index:StatefulApp"]
    for r in registrations:
        if r.type == "pulumi:pulumi:Stack" or r is app:
            continue
        # Parents are the package's components, up to the app: an alias on the app, or a
        # protection option on a component, reaches every resource.
        assert r.parent in by_urn and by_urn[r.parent].type.startswith(COMPONENTS), r.urn


@pytest.mark.parametrize(
    ("settings", "policy"),
    [
        ({}, {"whenDeleted": "Retain", "whenScaled": "Retain"}),
        ({"allowDataDeletion": True}, {"whenDeleted": "Delete", "whenScaled": "Delete"}),
        (
            {"allowDataDeletion": True, "replicas": 2},
            {"whenDeleted": "Delete", "whenScaled": "Retain"},
        ),
        ({"protect": True, "replicas": 2}, {"whenDeleted": "Retain", "whenScaled": "Retain"}),
    ],
)
def test_claim_retention_per_stack_kind(settings, policy):
    assert retention_policy(make_settings(**settings), deletion_armed=True) == policy
    # A new stack's first update (the blueprint): a scale-down's claims wait for the record
    # of allowDataDeletion (tests/test_deletion_arming.py).
    first = {**policy, "whenScaled": "Retain"}
    assert retention_policy(make_settings(**settings)) == first
    sts = build_blueprint(make_settings(**settings)).statefulset
    assert sts["spec"]["persistentVolumeClaimRetentionPolicy"] == first


def test_nothing_recorded_refuses_nothing():
    assert replacement_problems(None, {"name": "x"}, False, "guard") == []


def test_an_app_that_takes_a_password_needs_one():
    bp = build_blueprint(make_settings(passwordEnv="APP_PASSWORD"))

    def build():
        from components.governing_service import GoverningService

        service = GoverningService("svc", bp.service)
        return StatefulWorkload("w", bp, service, [])

    with pytest.raises(ValueError, match="StatefulWorkload w: the app needs a password"):
        run_under_mocks(build)


def test_the_statefulset_and_its_pods_are_labelled_as_the_server_component():
    sts = build_blueprint(make_settings()).statefulset
    assert sts["metadata"]["labels"]["app.kubernetes.io/component"] == "server"
    pod_labels = sts["spec"]["template"]["metadata"]["labels"]
    assert pod_labels["app.kubernetes.io/component"] == "server"
    assert pod_labels["app.kubernetes.io/name"] == "kubia"
