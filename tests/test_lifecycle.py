"""Transitions on a modelled cluster: up, scale, destroy, in the order Kubernetes runs them.

The plans are the real renders of the stacks; the cluster, GCE and the engine are the model in
`tests/cluster_model.py`, which reads nothing of the code under test but the plan.
"""

from __future__ import annotations

import copy
import json

import pytest

from components.offline import plan as plan_module
from components.offline.change_preview import recorded_stashes
from components.offline.mock_engine import run_program
from components.offline.render import render
from components.stack.stack_config import load_project, resolve
from tests.cluster_model import (
    Cluster,
    DeleteTimedOutError,
    DestroyRefusedError,
    destroy,
    destroy_without_preview,
    up,
    update,
)
from tests.helpers import PROJECT, ROOT

# The integration tier (whole-stack transitions through the cluster model).
pytestmark = pytest.mark.integration

STS = "kubernetes:apps/v1:StatefulSet"


def rendered(
    stack: str,
    *overrides: str,
    existing_disks: dict[str, int] | None = None,
    after: dict | None = None,
):
    """The plan of `stack` with `overrides`: a new stack's, or the update `after` an earlier
    plan (its records, as `pulumi up` reads them from the state)."""
    if existing_disks is None and after is None:
        run = render(ROOT, stack, list(overrides))
    else:
        project = load_project(ROOT)
        config = resolve(project, stack, list(overrides))
        stashes = recorded_stashes(after["resources"]) if after else None
        run = run_program(
            project.main,
            PROJECT,
            stack,
            config.values,
            config.secret_keys,
            existing_disks,
            stashes=stashes,
            previous={r["urn"]: r for r in after["resources"]} if after else None,
        )
    return json.loads(json.dumps(plan_module.plan(run)))


def deployed(plan) -> Cluster:
    cluster = Cluster()
    up(cluster, plan)
    return cluster


def kinds(cluster: Cluster, kind: str) -> list[str]:
    return sorted(o.name for o in cluster.of_kind(kind))


@pytest.mark.parametrize("replicas", [1, 3])
def test_destroying_dev_stops_every_pod_then_deletes_claims_pvs_and_disks(replicas):
    plan = rendered("dev", f"replicas={replicas}", f"storage.storageSlots={replicas}")
    cluster = deployed(plan)
    assert len(cluster.running_pods()) == replicas
    assert len(cluster.disks) == replicas
    log = destroy(cluster, plan)
    assert cluster.pods() == []
    assert kinds(cluster, "PersistentVolumeClaim") == []
    assert kinds(cluster, "PersistentVolume") == []
    assert cluster.disks == {}
    # The NetworkPolicy outlives the pods: it is deleted only once none is left.
    (network,) = [d for d in log if d.kind == "NetworkPolicy"]
    assert network.pods_present == 0
    # Well inside pulumi-kubernetes' 10-minute delete await.
    assert max(d.seconds for d in log) < 120


def unprotected(plan):
    """The plan after `pulumi state unprotect --all`."""
    copy_ = copy.deepcopy(plan)
    for r in copy_["resources"]:
        r["options"]["protect"] = False
    return copy_


def test_destroying_staging_is_refused_until_it_is_unprotected_then_keeps_the_data():
    plan = rendered("staging")
    cluster = deployed(plan)
    with pytest.raises(DestroyRefusedError):
        destroy(cluster, plan)
    assert len(cluster.running_pods()) == 2
    claims_before = kinds(cluster, "PersistentVolumeClaim")
    destroy(cluster, unprotected(plan))
    assert cluster.pods() == []
    assert kinds(cluster, "PersistentVolumeClaim") == claims_before
    assert all(pv.phase == "Bound" for pv in cluster.of_kind("PersistentVolume"))
    assert len(cluster.disks) == 2
    assert kinds(cluster, "StatefulSet") == []


def test_destroying_prod_is_refused_before_anything_is_deleted():
    plan = rendered("prod")
    cluster = deployed(plan)
    before = sorted(cluster.objects)
    with pytest.raises(DestroyRefusedError):
        destroy(cluster, plan)
    assert sorted(cluster.objects) == before and len(cluster.running_pods()) == 3


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_a_destroy_without_preview_leaves_a_protected_app_running(stack):
    plan = rendered(stack)
    cluster = deployed(plan)
    pods = sorted(p.name for p in cluster.running_pods())
    disks = sorted(cluster.disks)
    destroy_without_preview(cluster, plan)
    assert sorted(p.name for p in cluster.running_pods()) == pods
    assert sorted(cluster.disks) == disks
    assert kinds(cluster, "StatefulSet") and kinds(cluster, "Service")


def test_a_destroy_without_preview_takes_an_unprotected_app_down():
    plan = rendered("dev")
    cluster = deployed(plan)
    destroy_without_preview(cluster, plan)
    assert cluster.pods() == [] and cluster.disks == {}


def with_statefulset(plan, change):
    """A copy of `plan` whose StatefulSet inputs went through `change`."""
    broken = copy.deepcopy(plan)
    (sts,) = [r for r in broken["resources"] if r["type"] == STS]
    change(sts["inputs"])
    return broken


def test_the_model_sees_an_orphaning_destroy_leave_pods_running():
    def orphan(inputs):
        inputs["metadata"]["annotations"]["pulumi.com/deletionPropagationPolicy"] = "orphan"

    plan = with_statefulset(unprotected(rendered("staging")), orphan)
    cluster = deployed(plan)
    destroy(cluster, plan)
    assert len(cluster.running_pods()) == 2  # what the old annotation did


def test_the_model_sees_retained_claims_hang_a_dev_destroy():
    def retain(inputs):
        inputs["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"] = "Retain"

    plan = with_statefulset(rendered("dev"), retain)
    cluster = deployed(plan)
    with pytest.raises(DeleteTimedOutError, match=r"PersistentVolume .*pv-protection"):
        destroy(cluster, plan)


def test_lowering_replicas_and_slots_together_in_dev_deletes_the_top_slot_cleanly():
    three = rendered("dev", "replicas=3", "storage.storageSlots=3")
    cluster = deployed(three)
    disks = sorted(cluster.disks)
    # Data deletion is armed from the stack's second update (tests/test_deletion_arming.py).
    again = rendered("dev", "replicas=3", "storage.storageSlots=3", after=three)
    update(cluster, three, again)
    two = rendered("dev", "replicas=2", "storage.storageSlots=2", after=again)
    update(cluster, again, two)
    assert sorted(p.name for p in cluster.running_pods()) == ["kubia-0", "kubia-1"]
    assert kinds(cluster, "PersistentVolumeClaim") == ["data-kubia-0", "data-kubia-1"]
    assert sorted(cluster.disks) == disks[:2]


def test_allowing_deletion_while_scaling_down_keeps_every_claim_and_disk():
    # One update turns allowDataDeletion on and lowers replicas and storageSlots: the engine
    # refuses the top slot's deletes (protected before the update), and the claims stay.
    three = ("replicas=3", "storage.storageSlots=3")
    protected = rendered("dev", *three, "protection.allowDataDeletion=false")
    cluster = deployed(protected)
    disks = sorted(cluster.disks)
    claims = kinds(cluster, "PersistentVolumeClaim")
    assert len(disks) == len(claims) == 3
    both = rendered("dev", "replicas=1", "storage.storageSlots=1", after=protected)
    with pytest.raises(DestroyRefusedError, match="protected"):
        update(cluster, protected, both)
    assert kinds(cluster, "PersistentVolumeClaim") == claims
    assert sorted(cluster.disks) == disks


def test_a_retired_slot_in_dev_is_removed_once_its_claim_is_deleted():
    three = rendered("dev", "replicas=3", "storage.storageSlots=3")
    retired = rendered("dev", "replicas=2", "storage.storageSlots=3")
    two = rendered("dev", "replicas=2", "storage.storageSlots=2")
    cluster = deployed(three)
    update(cluster, three, retired)
    assert "data-kubia-2" in kinds(cluster, "PersistentVolumeClaim")  # kept for a scale-up
    # Removing the slot while its claim is still bound would wait on the PV (documented):
    hung = copy.deepcopy(cluster)
    with pytest.raises(DeleteTimedOutError, match="pv-protection"):
        update(hung, retired, two)
    # The README's order: delete the retired claim first, then lower storageSlots.
    cluster.delete("PersistentVolumeClaim", "kubia-dev", "data-kubia-2")
    update(cluster, retired, two)
    assert len(cluster.disks) == 2


def test_scaling_staging_down_and_up_brings_each_pod_back_to_its_own_disk():
    two = rendered("staging")
    one = rendered("staging", "replicas=1")
    cluster = deployed(two)
    bound = {pv.name: pv.claim_uid for pv in cluster.of_kind("PersistentVolume")}
    update(cluster, two, one)
    assert [p.name for p in cluster.running_pods()] == ["redis-0"]
    update(cluster, one, two)
    assert len(cluster.running_pods()) == 2
    assert {pv.name: pv.claim_uid for pv in cluster.of_kind("PersistentVolume")} == bound


def adopted_plan(disk_gib: int, size: int):
    return rendered(
        "dev",
        'storage.adoptDisks=["pv-a"]',
        f"storage.diskSizeGb={size}",
        existing_disks={"pv-a": disk_gib},
    )


def test_an_adopted_disk_smaller_than_disk_size_gb_is_grown():
    plan = adopted_plan(8, 20)
    cluster = Cluster(disks={"pv-a": 8})
    up(cluster, plan)
    assert cluster.disks["pv-a"] == 20
    (pv,) = cluster.of_kind("PersistentVolume")
    (claim,) = cluster.of_kind("PersistentVolumeClaim")
    assert pv.capacity == claim.capacity == 20


def test_an_adopted_disk_as_large_as_disk_size_gb_is_left_as_it_is():
    plan = adopted_plan(20, 20)
    cluster = Cluster(disks={"pv-a": 20})
    up(cluster, plan)
    assert cluster.disks["pv-a"] == 20
    (claim,) = cluster.of_kind("PersistentVolumeClaim")
    assert claim.capacity == 20  # the resizer reports the disk's real size


def test_the_model_sees_an_overstated_pv_hide_a_small_adopted_disk():
    plan = copy.deepcopy(adopted_plan(8, 20))
    for r in plan["resources"]:
        if r["type"] == "kubernetes:core/v1:PersistentVolume":
            r["inputs"]["spec"]["capacity"]["storage"] = "20Gi"  # the old rule
    cluster = Cluster(disks={"pv-a": 8})
    up(cluster, plan)
    assert cluster.disks["pv-a"] == 8  # never grown: the claim already shows 20Gi


def test_an_allowed_statefulset_replacement_brings_the_pods_back_on_their_own_disks():
    before = rendered("staging")
    after = rendered(
        "staging",
        "rollout.podManagementPolicy=Parallel",
        "protection.allowStatefulSetReplacement=true",
    )
    cluster = deployed(before)
    bound = {pv.name: pv.claim_uid for pv in cluster.of_kind("PersistentVolume")}
    log = update(cluster, before, after)
    assert [d.kind for d in log] == ["StatefulSet"]  # deleted first, with its pods
    assert len(cluster.running_pods()) == 2
    assert {pv.name: pv.claim_uid for pv in cluster.of_kind("PersistentVolume")} == bound


def test_why_dev_refuses_an_automatic_replacement_its_claims_would_go_with_it():
    before = rendered("dev")
    after = rendered(
        "dev", "rollout.podManagementPolicy=Parallel"
    )  # rendered alone: nothing recorded
    cluster = deployed(before)
    update(cluster, before, after)
    assert cluster.running_pods() == []  # new claims, and the released PV binds none of them
    assert [pv.phase for pv in cluster.of_kind("PersistentVolume")] == ["Released"]
