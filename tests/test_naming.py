"""The naming module: the formats Kubernetes and GCE impose, and names that never collide."""

import hashlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


def _digest(*parts: str, length: int = 6) -> str:
    """The name's hash as the naming rule states it: sha256 of the exact parts."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:length]


def test_a_readable_part_is_cleaned_at_both_ends():
    # Characters GCE refuses become dashes, and none is left at either end.
    assert naming.bounded_name(["--Kubia!"], "0") == f"kubia-{_digest('--Kubia!')}-0"


def test_a_cut_never_leaves_a_dash_before_the_hash():
    # 20 characters: "-<hash>-0" takes 9, so the readable part is cut to 11, at a dash.
    name = naming.bounded_name(["abcdefghij-klm"], "0", limit=20)
    assert name == f"abcdefghij-{_digest('abcdefghij-klm')}-0"


def test_a_name_that_would_start_with_a_digit_starts_with_a_letter():
    assert naming.bounded_name(["1abc"], "0", limit=20) == f"v-1abc-{_digest('1abc')}-0"
    assert naming.bounded_name(["a1bc"], "0", limit=20) == f"a1bc-{_digest('a1bc')}-0"
    # The prefix too is cut to the limit, and never leaves a dash before the hash.
    name = naming.bounded_name(["12345678-abcdef"], "0", limit=20)
    assert name == f"v-12345678-{_digest('12345678-abcdef')}-0"


def test_a_label_value_longer_than_63_characters_is_cut_with_a_hash():
    assert naming.gce_label_value("a" * 63) == "a" * 63
    expected = "a" * 54 + "-" + hashlib.sha256(("a" * 64).encode()).hexdigest()[:8]
    assert naming.gce_label_value("a" * 64) == expected


def test_a_pv_is_named_after_generation_0_unless_told():
    assert naming.pv_name("s", "n", "a", "data", 0) == naming.disk_name(
        "s", "n", "a", "data", 0, generation=0
    )


# --- which disk a name is: an adopted name the stack gives another ordinal is refused ----------

LABEL = st.from_regex(r"[a-z][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True)


@given(
    scope=LABEL,
    namespace=LABEL,
    statefulset=LABEL,
    templates=st.lists(LABEL, min_size=1, max_size=3, unique=True),
    pick=st.integers(min_value=0, max_value=2),
    ordinal=st.integers(min_value=0, max_value=999),
    generation=st.integers(min_value=0, max_value=999),
)
def test_a_disk_name_is_read_back_as_its_template_ordinal_and_generation(
    scope, namespace, statefulset, templates, pick, ordinal, generation
):
    template = templates[pick % len(templates)]
    name = naming.disk_name(scope, namespace, statefulset, template, ordinal, generation)
    assert naming.disk_of(name, scope, namespace, statefulset, templates) == (
        template,
        ordinal,
        generation,
    )
    # Another stack's naming (another scope) never claims it.
    assert naming.disk_of(name, scope + "x", namespace, statefulset, templates) is None


def test_a_name_the_stack_never_gives_is_no_disk_of_it():
    args = ("kubia-dev", "kubia-dev", "kubia", ["data"])
    assert naming.disk_of("pv-a", *args) is None
    assert naming.disk_of("pvc-6f1c0e9a-1234-4000-8000-000000000000", *args) is None
    # The right tail with another hash.
    assert naming.disk_of("kubia-dev-kubia-dev-kubia-data-000000-1", *args) is None
    assert naming.disk_of("kubia-dev-kubia-dev-kubia-data-ed3ea1-1-g2", *args) == ("data", 1, 2)
