"""The CrossGuard policy pack, in-process, on the resources a stack registers and on broken ones."""

import copy
import json
import sys

import pytest
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)

from components.offline.render import main
from tests.helpers import ROOT, STACKS

sys.path.insert(0, str(ROOT / "policy"))
import gke_stateful_policies as rules


def options(protect=False):
    return PolicyResourceOptions(
        protect=protect,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
    )


def plan_of(stack, tmp_path_factory):
    out = tmp_path_factory.mktemp(stack)
    assert main(["--stack", stack, "--out", str(out), "--program", str(ROOT)]) == 0
    return json.loads((out / "plan.json").read_text())


@pytest.fixture(scope="module")
def prod_plan(tmp_path_factory):
    return plan_of("prod", tmp_path_factory)


def resource_args(entry, config=None):
    return ResourceValidationArgs(
        entry["type"],
        entry["inputs"],
        entry["urn"],
        entry["name"],
        options(entry["options"]["protect"]),
        None,
        config or {},
    )


def stack_args(resources):
    return StackValidationArgs(
        [
            PolicyResource(
                r["type"], r["inputs"], r["urn"], r["name"], options(), None, None, [], {}
            )
            for r in resources
        ]
    )


def violations(policy, args):
    found = []
    policy.validate(args, lambda message, urn=None: found.append(message))
    return found


def of_type(plan, type_):
    return [r for r in plan["resources"] if r["type"] == type_]


@pytest.mark.parametrize("stack", STACKS)
def test_every_rendered_stack_passes_every_policy(stack, tmp_path_factory):
    plan = plan_of(stack, tmp_path_factory)
    prod_like = {"prodLike": stack == "prod"}
    for entry in plan["resources"]:
        for policy in (rules.disks_protected, rules.pv_retained_and_pinned, rules.pods_restricted):
            assert violations(policy, resource_args(entry, prod_like)) == [], entry["urn"]
    assert violations(rules.volumes_bind_where_disks_are, stack_args(plan["resources"])) == []


def test_unprotected_disks_fail_only_in_prod_like_stacks(prod_plan):
    disk = copy.deepcopy(of_type(prod_plan, "gcp:compute/disk:Disk")[0])
    disk["options"]["protect"] = False
    assert violations(rules.disks_protected, resource_args(disk, {"prodLike": True})) == [
        "disks of a prod-like stack must be protected (protect: true)"
    ]
    assert violations(rules.disks_protected, resource_args(disk, {"prodLike": False})) == []


@pytest.mark.parametrize(
    ("breaks", "expected"),
    [
        (lambda spec: spec.update(persistentVolumeReclaimPolicy="Delete"), "must be Retain"),
        (lambda spec: spec.update(persistentVolumeReclaimPolicy="Recycle"), "must be Retain"),
        (lambda spec: spec.pop("claimRef"), "pinned by claimRef"),
        (lambda spec: spec["claimRef"].pop("namespace"), "pinned by claimRef"),
    ],
)
def test_pvs_must_be_retained_and_pinned(prod_plan, breaks, expected):
    pv = copy.deepcopy(of_type(prod_plan, "kubernetes:core/v1:PersistentVolume")[0])
    breaks(pv["inputs"]["spec"])
    (message,) = violations(rules.pv_retained_and_pinned, resource_args(pv))
    assert expected in message


@pytest.mark.parametrize(
    ("breaks", "expected"),
    [
        (lambda pod: pod["containers"][0]["securityContext"].update(privileged=True), "privileged"),
        (
            lambda pod: pod["containers"][0]["securityContext"].update(
                allowPrivilegeEscalation=True
            ),
            "allowPrivilegeEscalation",
        ),
        (
            lambda pod: pod["containers"][0]["securityContext"].update(capabilities={}),
            "drop ALL",
        ),
        (
            lambda pod: (
                pod["containers"][0]["securityContext"].update(runAsNonRoot=False),
                pod["securityContext"].update(runAsNonRoot=False),
            ),
            "runAsNonRoot",
        ),
        (lambda pod: pod["containers"][0]["securityContext"].update(runAsUser=0), "root"),
        (
            # The container's own false wins over the pod's true.
            lambda pod: pod["containers"][0]["securityContext"].update(runAsNonRoot=False),
            "runAsNonRoot",
        ),
        (
            lambda pod: (
                pod["containers"][0]["securityContext"].pop("seccompProfile"),
                pod["securityContext"].update(seccompProfile={"type": "Unconfined"}),
            ),
            "seccompProfile",
        ),
        (lambda pod: pod.update(hostNetwork=True), "hostNetwork"),
        (
            lambda pod: pod.setdefault("volumes", []).append({"name": "h", "hostPath": {}}),
            "hostPath",
        ),
    ],
)
def test_pods_must_be_restricted(prod_plan, breaks, expected):
    sts = copy.deepcopy(of_type(prod_plan, "kubernetes:apps/v1:StatefulSet")[0])
    breaks(sts["inputs"]["spec"]["template"]["spec"])
    found = violations(rules.pods_restricted, resource_args(sts))
    assert any(expected in message for message in found), found


def test_a_pv_with_another_class_is_caught(prod_plan):
    resources = copy.deepcopy(prod_plan["resources"])
    pv = next(r for r in resources if r["type"] == "kubernetes:core/v1:PersistentVolume")
    pv["inputs"]["spec"]["storageClassName"] = "standard"
    (message,) = violations(rules.volumes_bind_where_disks_are, stack_args(resources))
    assert "class 'standard' differs from claim template's" in message


def test_a_pv_in_another_zone_than_its_disk_is_caught(prod_plan):
    resources = copy.deepcopy(prod_plan["resources"])
    pv = next(r for r in resources if r["type"] == "kubernetes:core/v1:PersistentVolume")
    terms = pv["inputs"]["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
    terms[0]["matchExpressions"][0]["values"] = ["us-central1-f"]
    (message,) = violations(rules.volumes_bind_where_disks_are, stack_args(resources))
    assert "zone affinity ['us-central1-f'] but disk" in message


def test_the_pack_declares_every_policy():
    assert {p.name for p in rules.POLICIES} == {
        "disks-protected-in-prod",
        "pv-retained-and-pinned",
        "pods-restricted",
        "pv-class-and-zone-match",
    }
    assert (ROOT / "policy" / "PulumiPolicy.yaml").exists()
