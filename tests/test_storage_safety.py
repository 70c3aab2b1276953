"""Storage that cannot be lost, in the pure core: placement, slots, kinds, sources, growth."""

import json

import pytest

from components.core.blueprint import build_blueprint
from components.settings import naming
from components.settings.validation import SettingsError
from tests.helpers import PROJECT, VALID, disk, make_settings, parse_flat

ZONES = ["us-central1-a", "us-central1-b", "us-central1-c"]


def problems_of(provider_region=None, **overrides):
    with pytest.raises(SettingsError) as caught:
        parse_flat({**VALID, **overrides}, f"{PROJECT}:", provider_region)
    return caught.value.problems


def affinity(volume):
    terms = volume.pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
    return terms[0]["matchExpressions"][0]["values"]


def sts_pod_spec(bp):
    return bp.statefulset["spec"]["template"]["spec"]


# --- placement -------------------------------------------------------------------------


def test_slots_follow_the_written_placement_and_pvs_follow_their_disks():
    bp = build_blueprint(make_settings(zones=ZONES, placement=ZONES))
    assert [v.disk.zones for v in bp.volumes] == [(z,) for z in ZONES]
    assert [affinity(v) for v in bp.volumes] == [[z] for z in ZONES]
    assert [v.pv["spec"]["csi"]["volumeHandle"].split("/")[3] for v in bp.volumes] == ZONES


def test_pods_spread_over_zones_softly_only_when_disks_are_in_several():
    spread = sts_pod_spec(build_blueprint(make_settings(zones=ZONES, placement=ZONES)))
    (constraint,) = spread["topologySpreadConstraints"]
    assert constraint["topologyKey"] == "topology.kubernetes.io/zone"
    assert constraint["whenUnsatisfiable"] == "ScheduleAnyway"  # the disk's zone wins
    assert constraint["labelSelector"]["matchLabels"].items() <= (
        build_blueprint(make_settings()).statefulset["spec"]["selector"]["matchLabels"].items()
    )
    assert "topologySpreadConstraints" not in sts_pod_spec(build_blueprint(make_settings()))


@pytest.mark.parametrize(
    "zones",
    [[*ZONES, "us-central1-f"], list(reversed(ZONES)), ["us-central1-f", *ZONES]],
    ids=["zone added", "reordered", "zone prepended"],
)
def test_changing_the_zone_list_moves_no_existing_disk(zones):
    before = build_blueprint(make_settings(zones=ZONES, placement=ZONES))
    after = build_blueprint(make_settings(zones=zones, placement=ZONES))
    assert [(v.disk.name, v.disk.zones) for v in after.volumes] == [
        (v.disk.name, v.disk.zones) for v in before.volumes
    ]


def test_several_zones_need_a_written_placement_and_the_error_suggests_one():
    (problem,) = problems_of(zones=ZONES)
    assert problem.startswith(f"{PROJECT}:storage.placement: required with 3 zones")
    suggestion = json.loads(problem.split("e.g. ", 1)[1].split(" (if")[0])
    assert suggestion == ZONES
    assert "copy their zones from the stack output `placement`" in problem
    assert parse_flat({**VALID, "zones": ZONES, "placement": suggestion}, f"{PROJECT}:")


def test_growing_slots_keeps_existing_placement_in_the_suggestion():
    (problem,) = problems_of(
        zones=ZONES, placement=["us-central1-b", "us-central1-b"], storageSlots=4, replicas=4
    )
    assert "expected one entry per storage slot (4), got 2" in problem
    suggestion = json.loads(problem.split("e.g. ", 1)[1].split("; given")[0])
    assert suggestion[:2] == ["us-central1-b", "us-central1-b"]
    assert sorted(suggestion[2:]) == ["us-central1-a", "us-central1-c"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"placement": ["us-central1-a", "us-central1-x", "us-central1-a"]}, "entry 1"),
        ({"placement": ["us-central1-a+us-central1-a"] * 3}, "repeats a zone"),
        ({"placement": ["a+b+c"] * 3}, "entry 0"),
        ({"zones": ["us-central1-a", "europe-west1-b"]}, "one region"),
        ({"zones": ["us-central1-a", "us-central1-a"]}, "each zone once"),
    ],
)
def test_bad_placement_or_zones_is_refused(overrides, expected):
    settings = {"zones": ZONES, **overrides}
    assert any(expected in p for p in problems_of(**settings))


def test_zones_must_be_in_the_providers_region():
    (problem,) = problems_of(provider_region="europe-west1", zones=["us-central1-a"])
    assert "gcp:region) is europe-west1" in problem and "us-central1" in problem
    assert parse_flat({**VALID, "zones": ["us-central1-a"]}, f"{PROJECT}:", "us-central1")


# --- regional disks --------------------------------------------------------------------


def test_regional_disks_replicate_over_two_zones():
    bp = build_blueprint(make_settings(zones=ZONES[:2], regionalDisks=True, diskType="pd-balanced"))
    for v in bp.volumes:
        assert v.disk.regional and v.disk.zones == tuple(ZONES[:2])
        assert v.pv["spec"]["csi"]["volumeHandle"] == (
            f"projects/acme-test-project/regions/us-central1/disks/{v.disk.name}"
        )
        assert affinity(v) == ZONES[:2]
        args = v.disk.arguments()
        assert (args["region"], args["replica_zones"]) == ("us-central1", ZONES[:2])
        assert "zone" not in args


def test_regional_and_zonal_slots_can_live_side_by_side():
    placement = ["us-central1-a", "us-central1-a+us-central1-b", "us-central1-c"]
    bp = build_blueprint(make_settings(zones=ZONES, placement=placement))
    assert [v.disk.regional for v in bp.volumes] == [False, True, False]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"diskType": "pd-extreme", "diskSizeGb": 600}, "pd-extreme has no regional form"),
        ({"diskType": "hyperdisk-balanced"}, "hyperdisk-balanced has no regional form"),
        ({"diskType": "pd-standard", "diskSizeGb": 100}, "200 to 65536 GiB for a regional"),
    ],
)
def test_regional_disk_limits(overrides, expected):
    problems = problems_of(zones=ZONES[:2], regionalDisks=True, **overrides)
    assert any(expected in p for p in problems), problems


def test_zonal_and_regional_slots_each_get_their_own_form_s_limits():
    # Both forms at once: each slot's form is judged, the zonal one's problem is not lost.
    placement = ["us-central1-a", "us-central1-a+us-central1-b", "us-central1-c"]
    problems = problems_of(
        zones=ZONES, placement=placement, diskType="pd-standard", diskSizeGb=5, replicas=3
    )
    found = [p.split(": ", 1)[1].split(" (https:", 1)[0] for p in problems]
    assert found == [
        "expected 10 to 65536 GiB for a zonal pd-standard disk, got 5",
        "expected 200 to 65536 GiB for a regional pd-standard disk, got 5",
    ]


@pytest.mark.parametrize(
    ("key", "entry"),
    [
        ("slotGenerations", 0),
        ("retiredGenerations", []),
        ("adoptDisks", ""),
        ("slotSnapshots", ""),
    ],
)
def test_a_per_slot_list_longer_than_the_slots_is_refused_naming_it(key, entry):
    (problem,) = problems_of(storageSlots=1, replicas=1, **{key: [entry, entry]})
    group = "snapshots" if key == "slotSnapshots" else "storage"
    assert problem == (
        f"{PROJECT}:{group}.{key}: expected at most one entry per storage slot (1), got 2; "
        f"given: {[entry, entry]!r}"
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("maxmemory", "1Gi"),
        ("maxmemoryPolicy", "allkeys-lru"),
        ("replication", False),
        ("minReplicasToWrite", 0),
        ("sentinel", False),
        ("metrics", True),
        ("metricsImage", "oliver006/redis_exporter:v1.87.0"),
        ("metricsIntervalSeconds", 60),
    ],
)
def test_each_redis_setting_off_the_redis_preset_is_refused_naming_it(key, value):
    problems = problems_of(**{key: value})
    assert f"{PROJECT}:redis.{key}: Redis' settings apply with the redis preset only" in [
        p.split("; given:", 1)[0] for p in problems
    ], problems


def test_two_redis_pods_need_a_choice_about_replication():
    assert problems_of(preset="redis", storageSlots=2, replicas=2) == [
        f"{PROJECT}:redis.replication: required with more than one Redis pod; true: the first "
        "ordinal is the primary and every other pod its replica (on a deployed app, every "
        "other pod's data is replaced by the primary's: see docs/redis.md, 'Turning "
        "replication on'); false: independent servers, each with its own data; given: "
        "'(default)'"
    ]


def test_one_replicating_pod_cannot_have_the_replica_it_waits_for():
    assert problems_of(
        preset="redis", storageSlots=1, replicas=1, replication=True, minReplicasToWrite=1
    ) == [
        f"{PROJECT}:redis.minReplicasToWrite: expected fewer than replicas (1): the primary "
        "could never have that many replicas and would refuse every write; given: 1"
    ]


def test_a_zone_named_twice_is_refused():
    problems = problems_of(zones=["europe-west1-b", "europe-west1-b"], storageSlots=1, replicas=1)
    assert f"{PROJECT}:storage.zones: expected each zone once" in [
        p.split("; given:", 1)[0] for p in problems
    ]


def test_zones_outside_the_provider_s_region_name_every_region_they_are_in():
    problems = problems_of(
        provider_region="us-central1", zones=["europe-west1-b", "europe-west4-a"], replicas=1
    )
    assert (
        f"{PROJECT}:storage.zones: the provider's region (gcp:region) is us-central1, but the "
        "zones are in europe-west1, europe-west4"
    ) in [p.split("; given:", 1)[0] for p in problems]


def test_an_adopted_disk_name_may_take_all_63_characters_of_gce_s_limit():
    parse_flat({**VALID, "adoptDisks": ["a" * 63], "storageSlots": 1, "replicas": 1})
    (problem,) = problems_of(adoptDisks=["a" * 64], storageSlots=1, replicas=1)
    assert problem.startswith(f"{PROJECT}:storage.adoptDisks: entry 0 ('{'a' * 64}') is not")


def test_an_extra_claim_is_held_to_the_limits_of_its_slots_disk_form():
    # An extra claim's disk has its slot's zones: 20 GiB of pd-standard is within a zonal
    # disk's limits, not a regional one's (from 200 GiB), which GCE would refuse half-way.
    logs = {"name": "logs", "mountPath": "/var/log/app", "sizeGb": 20}
    parse_flat({**VALID, "extraClaims": [logs], "diskType": "pd-standard"})
    (problem,) = problems_of(extraClaims=[{**logs, "sizeGb": 5}], diskType="pd-standard")
    assert problem.startswith(
        f"{PROJECT}:storage.extraClaims: logs: expected 10 to 65536 GiB for a zonal "
        "pd-standard disk, got 5"
    )
    placement = ["us-central1-a", "us-central1-a+us-central1-b", "us-central1-c"]
    problems = problems_of(
        zones=ZONES,
        placement=placement,
        extraClaims=[logs],
        diskType="pd-standard",
        diskSizeGb=200,
    )
    regional = [
        f"{PROJECT}:storage.extraClaims: logs: expected 200 to 65536 GiB for a regional "
        "pd-standard disk, got 20"
    ]
    assert [p.split("; given:", 1)[0].split(" (https:", 1)[0] for p in problems] == regional
    # Every slot regional.
    problems = problems_of(
        zones=ZONES[:2],
        regionalDisks=True,
        extraClaims=[logs],
        diskType="pd-standard",
        diskSizeGb=200,
    )
    assert [p.split("; given:", 1)[0].split(" (https:", 1)[0] for p in problems] == regional


def test_a_retired_generation_must_be_older_than_its_slot_s_own_and_named_once():
    # Slot 1 has no slotGenerations entry: its own generation is 0, so 0 is not older.
    assert problems_of(
        storageSlots=2, replicas=2, slotGenerations=[1], retiredGenerations=[[0], [0]]
    ) == [
        f"{PROJECT}:storage.retiredGenerations: slot 1 keeps generation 0, but its own "
        "generation (slotGenerations) is 0: only an older generation of the slot can be "
        "retired; given: [[0], [0]]"
    ]
    assert problems_of(
        storageSlots=1, replicas=1, slotGenerations=[2], retiredGenerations=[[1, 1, 0]]
    ) == [
        f"{PROJECT}:storage.retiredGenerations: slot 0 names generation 1 more than once; "
        "given: [[1, 1, 0]]"
    ]


def test_regional_disks_over_three_zones_need_a_placement_and_get_a_regional_one():
    assert problems_of(zones=ZONES, regionalDisks=True, storageSlots=2, replicas=2) == [
        f"{PROJECT}:storage.placement: required with 3 zones and regional disks, so that no "
        'disk ever moves; write one entry per storage slot, e.g. ["us-central1-a+us-central1-b", '
        '"us-central1-a+us-central1-c"] (if disks exist, copy their zones from the stack '
        "output `placement` first); given: '(default)'"
    ]


def test_zonal_disks_over_three_zones_need_a_placement_and_get_a_zonal_one():
    assert problems_of(zones=ZONES, storageSlots=2, replicas=2) == [
        f"{PROJECT}:storage.placement: required with 3 zones, so that no disk ever moves; "
        'write one entry per storage slot, e.g. ["us-central1-a", "us-central1-b"] (if disks '
        "exist, copy their zones from the stack output `placement` first); given: '(default)'"
    ]


def test_a_short_regional_placement_is_completed_with_regional_entries():
    (problem,) = problems_of(
        zones=ZONES,
        regionalDisks=True,
        placement=["us-central1-a+us-central1-b"],
        storageSlots=2,
        replicas=2,
    )
    assert problem.startswith(
        f"{PROJECT}:storage.placement: expected one entry per storage slot (2), got 1; e.g. "
        '["us-central1-a+us-central1-b", "us-central1-a+us-central1-c"]'
    )


def test_a_placement_entry_of_three_zones_is_refused():
    (problem,) = problems_of(zones=ZONES, placement=["+".join(ZONES)], storageSlots=1, replicas=1)
    assert problem.startswith(
        f"{PROJECT}:storage.placement: entry 0 ('{'+'.join(ZONES)}') must be one of the zones"
    )


# --- types and sizes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "key", "expected"),
    [
        ({"diskType": "pd-extreme", "diskSizeGb": 100}, "diskSizeGb", "500 to 65536"),
        ({"diskType": "hyperdisk-balanced", "diskSizeGb": 2}, "diskSizeGb", "4 to 65536"),
        ({"provisionedIops": 5000}, "provisionedIops", "pd-balanced does not take it"),
        (
            {"diskType": "pd-extreme", "diskSizeGb": 500, "provisionedIops": 1000},
            "provisionedIops",
            "2500 to 120000",
        ),
        (
            {"diskType": "pd-extreme", "diskSizeGb": 500, "provisionedThroughput": 200},
            "provisionedThroughput",
            "pd-extreme does not take it",
        ),
        (
            {"diskType": "hyperdisk-balanced", "provisionedThroughput": 5000},
            "provisionedThroughput",
            "140 to 2400",
        ),
    ],
)
def test_disk_type_limits_are_enforced(overrides, key, expected):
    (problem,) = problems_of(**overrides)
    assert problem.startswith(f"{PROJECT}:storage.{key}: ") and expected in problem
    assert "https://cloud.google.com/compute/docs/disks/" in problem  # the rule's source


def test_provisioned_performance_reaches_the_disk():
    bp = build_blueprint(
        make_settings(
            diskType="hyperdisk-balanced",
            diskSizeGb=100,
            provisionedIops=6000,
            provisionedThroughput=290,
        )
    )
    args = bp.volumes[0].disk.arguments()
    assert (args["provisioned_iops"], args["provisioned_throughput"]) == (6000, 290)


# --- adopted disks, restores, generations ----------------------------------------------


def test_adopted_disks_keep_their_names_and_get_unique_pvs():
    bp = build_blueprint(make_settings(adoptDisks=["pv-a", "pv-b", "pv-c"]))
    assert [v.disk.name for v in bp.volumes] == ["pv-a", "pv-b", "pv-c"]
    assert all(v.disk.adopted for v in bp.volumes)
    assert [v.pv_name for v in bp.volumes] == [disk(i) for i in range(3)]
    assert [v.pv["spec"]["csi"]["volumeHandle"] for v in bp.volumes] == [
        f"projects/acme-test-project/zones/europe-west1-b/disks/{d}"
        for d in ("pv-a", "pv-b", "pv-c")
    ]
    assert bp.names()["adoptedDisks"] == ["pv-a", "pv-b", "pv-c"]


def test_some_slots_adopted_others_created():
    bp = build_blueprint(make_settings(adoptDisks=["", "pvc-0b8e1c2a-41f4-4d0e-9d6a-3f1e2a7b9c10"]))
    assert [v.disk.adopted for v in bp.volumes] == [False, True, False]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"adoptDisks": ["PV_A"]}, "is not a GCE disk name"),
        ({"adoptDisks": ["a", "b", "c", "d"]}, "at most one entry per storage slot"),
        ({"adoptDisks": ["pv-a"], "slotGenerations": [1]}, "remove one of the two"),
        ({"adoptDisks": ["pv-a"], "snapshot": "nightly"}, "cannot also be restored"),
        ({"snapshot": "Not A Snapshot"}, "is not a snapshot name"),
        ({"slotSnapshots": ["projects/x/global/snapshots/s"]}, "is not a snapshot name"),
    ],
)
def test_conflicting_or_malformed_sources_are_refused(overrides, expected):
    assert any(expected in p for p in problems_of(**overrides))


def test_snapshots_restore_new_disks_one_for_all_or_per_slot():
    bp = build_blueprint(
        make_settings(
            snapshot="nightly-1", slotSnapshots=["", "projects/acme-a/global/snapshots/s1"]
        )
    )
    assert [v.disk.arguments().get("snapshot") for v in bp.volumes] == [
        "nightly-1",
        "projects/acme-a/global/snapshots/s1",
        "nightly-1",
    ]


def test_a_new_generation_is_a_new_disk_for_the_same_claim():
    bp = build_blueprint(make_settings(slotGenerations=[0, 0, 2]))
    old = build_blueprint(make_settings())
    assert bp.volumes[2].disk.name == disk(2, 2)
    assert bp.volumes[2].pv_name == disk(2, 2)
    assert bp.volumes[2].pv["spec"]["claimRef"]["name"] == "data-kubia-2"
    assert [v.disk.name for v in bp.volumes[:2]] == [v.disk.name for v in old.volumes[:2]]


# --- encryption, schedule, protection --------------------------------------------------

KEY = "projects/acme-sec/locations/us-central1/keyRings/disks/cryptoKeys/k1"


def test_kms_key_uses_each_resources_own_field():
    zonal = build_blueprint(make_settings(kmsKey=KEY)).volumes[0].disk.arguments()
    regional = (
        build_blueprint(make_settings(kmsKey=KEY, zones=ZONES[:2], regionalDisks=True))
        .volumes[0]
        .disk.arguments()
    )
    assert zonal["disk_encryption_key"] == {"kms_key_self_link": KEY}
    assert regional["disk_encryption_key"] == {"kms_key_name": KEY}


@pytest.mark.parametrize("key", ["kubia-key", "projects/p/keyRings/r/cryptoKeys/k"])
def test_malformed_kms_key_is_refused(key):
    (problem,) = problems_of(kmsKey=key)
    assert problem.startswith(f"{PROJECT}:storage.kmsKey: expected projects/")


@pytest.mark.parametrize(
    ("overrides", "schedule"),
    [
        (
            {"snapshotSchedule": "hourly", "snapshotHoursInCycle": 6},
            {"hourly_schedule": {"hours_in_cycle": 6, "start_time": "03:00"}},
        ),
        (
            {"snapshotSchedule": "daily", "snapshotStartTime": "22:00"},
            {"daily_schedule": {"days_in_cycle": 1, "start_time": "22:00"}},
        ),
        (
            {"snapshotSchedule": "weekly", "snapshotWeekDay": "MONDAY"},
            {"weekly_schedule": {"day_of_weeks": [{"day": "MONDAY", "start_time": "03:00"}]}},
        ),
    ],
)
def test_snapshot_schedule_is_one_regional_policy(overrides, schedule):
    policy = build_blueprint(
        make_settings(snapshotRetentionDays=30, snapshotKeepOnSourceDelete=False, **overrides)
    ).snapshot_policy
    assert policy.region == "europe-west1"
    assert policy.snapshot_schedule_policy["schedule"] == schedule
    assert policy.snapshot_schedule_policy["retention_policy"] == {
        "max_retention_days": 30,
        "on_source_disk_delete": "APPLY_RETENTION_POLICY",
    }
    assert build_blueprint(make_settings()).snapshot_policy is None


def test_protect_and_data_deletion_conflict():
    (problem,) = problems_of(protect=True, allowDataDeletion=True)
    assert problem.startswith(f"{PROJECT}:protection.allowDataDeletion: conflicts with protect")


# --- scale-down and growth -------------------------------------------------------------


def test_scaling_down_keeps_every_disk_and_pv_and_lists_retired_slots():
    at_three = build_blueprint(make_settings(replicas=3, storageSlots=3))
    at_two = build_blueprint(make_settings(replicas=2, storageSlots=3))
    assert [v.disk.name for v in at_two.volumes] == [v.disk.name for v in at_three.volumes]
    assert [v.pv for v in at_two.volumes] == [v.pv for v in at_three.volumes]
    (retired,) = at_two.names()["retiredSlots"]
    assert retired == {
        "slot": 2,
        "pvc": "data-kubia-2",
        "pv": disk(2),
        "disk": disk(2),
    }
    assert at_two.statefulset["spec"]["replicas"] == 2
    assert [p["metadata"]["name"] for p in at_two.claim_patches] == ["data-kubia-0", "data-kubia-1"]


def test_scale_to_zero_is_allowed_and_keeps_storage():
    bp = build_blueprint(make_settings(replicas=0, storageSlots=3))
    assert len(bp.volumes) == 3 and bp.claim_patches == []


def test_growing_disks_patches_claims_and_leaves_the_statefulset_alone():
    small = build_blueprint(make_settings(diskSizeGb=10))
    large = build_blueprint(make_settings(diskSizeGb=50))
    assert large.statefulset == small.statefulset  # no replacement of the StatefulSet
    assert [p["spec"]["resources"]["requests"]["storage"] for p in large.claim_patches] == [
        "50Gi"
    ] * 3
    assert all(
        p["metadata"]["annotations"] == {"pulumi.com/patchForce": "true"}
        for p in large.claim_patches
    )
    assert [v.disk.name for v in large.volumes] == [v.disk.name for v in small.volumes]
    assert large.volumes[0].pv["spec"]["capacity"] == {"storage": "50Gi"}


def test_disk_names_carry_the_generation_suffix_within_gce_limits():
    name = naming.disk_name("s" * 30, "n" * 30, "app", "data", 12, 3)
    assert len(name) <= 63 and name.endswith("-12-g3")


def test_taking_over_a_release_keeps_its_selector_and_service_name():
    selector = {"app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "my-release"}
    bp = build_blueprint(make_settings(selectorLabels=selector, serviceName="my-release-headless"))
    expected = {"app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "my-release"}
    assert bp.statefulset["spec"]["selector"]["matchLabels"] == expected
    assert bp.service["spec"]["selector"] == expected
    assert bp.statefulset["spec"]["template"]["metadata"]["labels"].items() >= expected.items()
    assert bp.statefulset["spec"]["serviceName"] == "my-release-headless"
    assert bp.service["metadata"]["name"] == "my-release-headless"
    assert bp.names()["podDnsNames"][0] == "kubia-0.my-release-headless.apps.svc.cluster.local"


@pytest.mark.parametrize(
    ("key", "value"), [("", "x"), ("app", "bad value"), ("a/b/c", "x"), ("app", "x" * 64)]
)
def test_malformed_selector_labels_are_refused(key, value):
    (problem,) = problems_of(selectorLabels={key: value})
    assert problem.startswith(f"{PROJECT}:network.selectorLabels: ")
    assert f"{key!r}: {value!r} is not a Kubernetes label" in problem


def test_regional_disks_with_one_zone_name_the_zones_key():
    (problem,) = problems_of(zones=["us-central1-a"], regionalDisks=True)
    assert problem.startswith(f"{PROJECT}:storage.zones: regional disks need two zones")


def test_a_regional_pair_means_the_same_disk_either_way_round():
    ab = build_blueprint(make_settings(zones=ZONES[:2], regionalDisks=True))
    ba = build_blueprint(make_settings(zones=list(reversed(ZONES[:2])), regionalDisks=True))
    assert [v.disk for v in ab.volumes] == [v.disk for v in ba.volumes]
    assert [v.pv for v in ab.volumes] == [v.pv for v in ba.volumes]


def test_several_claims_get_their_own_disks_and_pvs_per_slot():
    from tests import relations

    bp = build_blueprint(
        make_settings(
            extraClaims=[{"name": "logs", "mountPath": "/var/log/app", "sizeGb": 20}],
            adoptDisks=["pv-a"],
            slotSnapshots=["", "s1"],
        )
    )
    assert [(v.template, v.ordinal) for v in bp.volumes] == [
        ("data", 0),
        ("data", 1),
        ("data", 2),
        ("logs", 0),
        ("logs", 1),
        ("logs", 2),
    ]
    logs = [v for v in bp.volumes if v.template == "logs"]
    assert [v.pvc_name for v in logs] == [f"logs-kubia-{i}" for i in range(3)]
    assert all(v.disk.size == 20 and not v.disk.adopted for v in logs)
    assert all("snapshot" not in v.disk.arguments() for v in logs)  # restores are for data
    assert bp.volumes[0].disk.name == "pv-a"
    assert bp.volumes[1].disk.arguments()["snapshot"] == "s1"
    names = [t["metadata"]["name"] for t in bp.statefulset["spec"]["volumeClaimTemplates"]]
    assert names == ["data", "logs"]
    for relation in relations.ALL_MANIFEST_RELATIONS:
        assert relation(bp.manifests) == []
    assert len({v.disk.name for v in bp.volumes}) == 6


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"name": "logs"}, "storage.extraClaims[0].mountPath: required"),
        ({"name": "logs", "mountPath": "var", "sizeGb": 2}, "[0].mountPath: expected an absolute"),
        ({"name": "Logs", "mountPath": "/l", "sizeGb": 20}, "[0].name: expected a DNS-1123"),
        ({"name": "data", "mountPath": "/x", "sizeGb": 20}, "must differ"),
        ({"name": "logs", "mountPath": "/var/log", "sizeGb": 5}, "logs: expected 10 to 65536"),
    ],
)
def test_bad_extra_claims_are_refused(entry, expected):
    problems = problems_of(extraClaims=[entry])
    assert any(expected in p for p in problems), problems


# --- adopted disks ---------------------------------------------------------------------------


def created(claim: str, ordinal: int, generation: int = 0) -> str:
    """The name the stack gives a disk it creates (VALID's scope, namespace and app)."""
    return naming.disk_name("kubia-test", "apps", "kubia", claim, ordinal, generation)


def test_a_slot_cannot_adopt_a_disk_the_stack_creates_for_another_slot():
    # Two claims on one disk: two pods writing one file system.
    (problem,) = problems_of(adoptDisks=["", "", created("data", 0)])
    assert problem.startswith(
        f"{PROJECT}:storage.adoptDisks: slot 2 adopts '{created('data', 0)}', the disk this "
        "stack creates for slot 0 (claim data): one disk holds one claim's data"
    )


def test_a_slot_cannot_adopt_a_retired_generation_or_an_extra_claim_s_disk():
    (retired,) = problems_of(
        slotGenerations=[1], retiredGenerations=[[0]], adoptDisks=["", created("data", 0)]
    )
    assert f"'{created('data', 0)}', the disk this stack creates for slot 0 (claim" in retired
    (problem,) = problems_of(
        slotGenerations=[2],
        retiredGenerations=[[1]],
        adoptDisks=["", created("data", 0, 1)],
    )
    assert "creates for slot 0 generation 1 (claim data)" in problem
    logs = {"name": "logs", "mountPath": "/var/log/app", "sizeGb": 20}
    (own,) = problems_of(extraClaims=[logs], adoptDisks=[created("logs", 0)])
    assert "slot 0 adopts" in own and "creates for slot 0 (claim logs)" in own


def test_a_new_stack_may_adopt_the_disks_a_destroyed_one_left_under_its_own_names():
    # `pulumi destroy` retains the disks; a stack made anew binds them by adopting each slot's
    # own name (the slot record refuses this where the stack created the disk itself).
    names = [created("data", i) for i in range(3)]
    settings = make_settings(adoptDisks=names)
    assert [v.disk.name for v in build_blueprint(settings).volumes] == names
    assert all(v.disk.adopted for v in build_blueprint(settings).volumes)


def test_a_slot_cannot_adopt_a_disk_the_stack_names_for_another_ordinal():
    # Ordinal 3 is no slot now (a slot removed, or a generation released this update, whose
    # disk the update may delete): its disk holds its own data, not slot 0's.
    (problem,) = problems_of(adoptDisks=[created("data", 3)])
    assert problem.startswith(
        f"{PROJECT}:storage.adoptDisks: slot 0 adopts '{created('data', 3)}', the disk this "
        "stack names for ordinal 3 (claim data): it holds, or held, that one's data"
    )
    # Two slots' own names, swapped: each would start on the other's data.
    swapped = problems_of(adoptDisks=[created("data", 1), created("data", 0), ""])
    assert len(swapped) == 2
    # Every slot's problem is said, each kind of it; a generation is named.
    both = problems_of(adoptDisks=[created("data", 2), created("data", 7, 2), ""])
    assert [p.split("', the disk this stack ")[1].split(" (claim")[0] for p in both] == [
        "creates for slot 2",
        "names for ordinal 7 generation 2",
    ]
    # A slot's own name, of any generation, is what a stack made anew adopts back.
    parse_flat({**VALID, "adoptDisks": [created("data", 0, 2), "", ""]})
