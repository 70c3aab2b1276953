"""What `pulumi up` waits for when a partition holds part of a rollout back.

The annotation is parsed the way pulumi-kubernetes parses it (provider/pkg/jsonpath/
jsonpath.go, Parse: `jsonpath=` prefix, `==` kept, a single `=` splits off a value, the path in
braces, `$` added in front) and evaluated with an independent RFC 9535 implementation
against StatefulSet statuses, after the provider's own observedGeneration check
(await/condition/jsonpath.go, Satisfied).
"""

from __future__ import annotations

import json

import jsonpath_rfc9535
from hypothesis import given
from hypothesis import strategies as st

from components.core.blueprint import build_blueprint
from tests.helpers import make_settings

WAIT_FOR = "pulumi.com/waitFor"


def annotations(**settings):
    return build_blueprint(make_settings(**settings)).statefulset["metadata"]["annotations"]


def provider_parse(expression: str) -> str:
    """The JSONPath the provider evaluates, or an AssertionError where it would refuse."""
    assert expression.startswith("jsonpath=")
    raw = expression.removeprefix("jsonpath=")
    parts = raw.replace("==", "\x00").split("=")
    assert len(parts) == 1, f"a single '=' makes the provider read a value: {expression}"
    assert raw.startswith("{") and raw.endswith("}") and raw.count("}") == 1
    path = raw[1:-1].strip()
    return path if path.startswith("$") else "$" + path


def satisfied(wait_for: str, statefulset: dict) -> bool:
    """Every expression of the annotation holds for this object, as the provider checks."""
    generation = statefulset["metadata"]["generation"]
    observed = statefulset.get("status", {}).get("observedGeneration")
    if observed is not None and observed < generation:
        return False
    return all(
        len(jsonpath_rfc9535.find(provider_parse(e), statefulset)) > 0 for e in json.loads(wait_for)
    )


def statefulset_object(replicas, ready, updated, generation=2, observed=2):
    status = {"observedGeneration": observed, "replicas": replicas}
    # The API server leaves zero counts out of the status.
    status |= {k: v for k, v in (("readyReplicas", ready), ("updatedReplicas", updated)) if v}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "kubia", "generation": generation},
        "spec": {"replicas": replicas},
        "status": status,
    }


def test_an_unpartitioned_rollout_keeps_the_providers_own_await():
    assert WAIT_FOR not in annotations()
    assert WAIT_FOR not in annotations(updateStrategy="OnDelete")
    assert WAIT_FOR not in annotations(partition=2, replicas=0, storageSlots=3)


def test_a_partitioned_rollout_waits_for_the_pods_it_updates():
    wait_for = annotations(replicas=3, partition=2)[WAIT_FOR]
    assert not satisfied(wait_for, statefulset_object(3, ready=3, updated=0))  # not begun
    assert not satisfied(wait_for, statefulset_object(3, ready=2, updated=1))  # pod starting
    assert satisfied(wait_for, statefulset_object(3, ready=3, updated=1))  # kubia-2 done
    assert satisfied(wait_for, statefulset_object(3, ready=3, updated=3))  # a fresh create
    # A status from before the update is never read as done.
    assert not satisfied(wait_for, statefulset_object(3, ready=3, updated=3, observed=1))


@given(
    replicas=st.integers(1, 12),
    data=st.data(),
)
def test_the_wait_holds_exactly_when_the_partitioned_rollout_is_done(replicas, data):
    partition = data.draw(st.integers(1, replicas + 3), label="partition")
    ready = data.draw(st.integers(0, replicas), label="ready")
    updated = data.draw(st.integers(0, replicas), label="updated")
    wait_for = annotations(replicas=replicas, storageSlots=12, partition=partition)[WAIT_FOR]
    # Kubernetes updates the pods from index `partition` up (counted from ordinals.start);
    # a partition at or above replicas holds every pod back.
    done = ready == replicas and updated >= max(replicas - partition, 0)
    assert satisfied(wait_for, statefulset_object(replicas, ready, updated)) == done


def test_ordinals_start_does_not_shift_the_partition():
    a = annotations(replicas=3, partition=1)[WAIT_FOR]
    b = annotations(replicas=3, partition=1, ordinalsStart=5)[WAIT_FOR]
    assert a == b
