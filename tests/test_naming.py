"""The naming module: the formats Kubernetes and GCE impose, and names that never collide."""

import re

import pytest

from components.settings import naming


def test_statefulset_derived_names_follow_kubernetes_formats():
    assert naming.pod_name("redis", 2) == "redis-2"
    assert naming.pvc_name("redis-data", "redis", 2) == "redis-data-redis-2"
    assert naming.pod_dns("redis", 0, "redis", "db") == "redis-0.redis.db.svc.cluster.local"
    assert naming.service_dns("redis", "db") == "redis.db.svc.cluster.local"
    assert naming.srv_name("redis", "redis", "db") == "_redis._tcp.redis.db.svc.cluster.local"


def test_zonal_volume_handle():
    assert (
        naming.zonal_volume_handle("p-1", "us-central1-a", "d")
        == "projects/p-1/zones/us-central1-a/disks/d"
    )


def test_short_valid_names_stay_readable():
    name = naming.disk_name("proj-dev", "apps", "kubia", "data", 0)
    assert re.fullmatch(r"proj-dev-apps-kubia-data-[0-9a-f]{6}-0", name)


@pytest.mark.parametrize(
    "scope",
    ["x" * 40, "gke-stateful-a-very-long-stack-name-for-the-team", "My_Stack.Name"],
)
def test_long_or_invalid_parts_give_valid_bounded_names(scope):
    for ordinal in (0, 7, 999):
        name = naming.disk_name(scope, "namespace-with-a-long-name", "statefulset", "data", ordinal)
        assert len(name) <= naming.GCE_NAME_MAX
        assert naming.GCE_NAME.fullmatch(name), name
        assert name.endswith(f"-{ordinal}")


def test_names_differ_across_stacks_namespaces_apps_claims_and_ordinals():
    base = ("proj-dev", "apps", "kubia", "data", 0)
    variants = [
        ("proj-prod", "apps", "kubia", "data", 0),
        ("proj-dev", "apps2", "kubia", "data", 0),
        ("proj-dev", "apps", "redis", "data", 0),
        ("proj-dev", "apps", "kubia", "logs", 0),
        ("proj-dev", "apps", "kubia", "data", 1),
    ]
    names = {naming.pv_name(*base)} | {naming.pv_name(*v) for v in variants}
    assert len(names) == 1 + len(variants)


def test_truncated_names_keep_distinct_inputs_apart():
    long_a = "a" * 30 + "-team-one"
    long_b = "a" * 30 + "-team-two"
    a = naming.disk_name(long_a, "n" * 20, "app", "data", 0)
    b = naming.disk_name(long_b, "n" * 20, "app", "data", 0)
    assert a != b
    assert naming.disk_name(long_a, "n" * 20, "app", "data", 0) == a  # deterministic


def test_gce_label_values_are_valid():
    for text in ["Kubia", "a.b/c", "x" * 100]:
        assert naming.GCE_LABEL_VALUE.fullmatch(naming.gce_label_value(text))


def test_parts_that_join_to_the_same_text_give_different_names():
    assert naming.disk_name("kubia", "prod-db", "x", "data", 0) != naming.disk_name(
        "kubia-prod", "db", "x", "data", 0
    )
    assert naming.disk_name("s", "n", "a", "b-c", 0) != naming.disk_name("s", "n", "a-b", "c", 0)
    assert naming.storage_class_name("a-b", "c", "app") != naming.storage_class_name(
        "a", "b-c", "app"
    )
