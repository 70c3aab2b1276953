"""What the engine receives per slot, checked against the config as written.

Every expectation comes from the settings given in the test (zones, placement, fsType, the
slot's ordinal), never from the core's own output: a bug in the core cannot agree with itself
here. Each test is one that a deliberate, realistic bug in the core once slipped past.
"""

from __future__ import annotations

import pytest

from components.app import StatefulApp
from tests.helpers import PROJECT, VALID, app_args, make_settings, parse_flat, run_under_mocks
from tests.relations import pvs_fit_claim_templates

PV = "kubernetes:core/v1:PersistentVolume"
STS = "kubernetes:apps/v1:StatefulSet"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
DISKS = ("gcp:compute/disk:Disk", "gcp:compute/regionDisk:RegionDisk")
ZONES = ["us-central1-a", "us-central1-b", "us-central1-c"]


def registered(password=None, **overrides):
    settings = make_settings(**overrides)
    _, regs = run_under_mocks(
        lambda: StatefulApp(settings.name, app_args(settings, password=password))
    )
    return regs


def pvs_by_claim(regs) -> dict[str, dict]:
    return {r.inputs["spec"]["claimRef"]["name"]: r.inputs for r in regs if r.type == PV}


def disks_by_name(regs) -> dict[str, dict]:
    return {r.inputs["name"]: r.inputs for r in regs if r.type in DISKS and not r.read}


def affinity(pv: dict) -> list[str]:
    (term,) = pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
    (expression,) = term["matchExpressions"]
    return expression["values"]


def test_each_slot_lands_in_its_placement_entry_not_in_the_zone_list_order():
    placement = ["us-central1-c", "us-central1-a", "us-central1-b"]  # not the zones' order
    regs = registered(zones=ZONES, placement=placement)
    pvs, disks = pvs_by_claim(regs), disks_by_name(regs)
    for ordinal, zone in enumerate(placement):
        pv = pvs[f"data-kubia-{ordinal}"]
        assert affinity(pv) == [zone]
        handle = pv["spec"]["csi"]["volumeHandle"]
        assert f"/zones/{zone}/disks/" in handle
        assert disks[handle.rsplit("/", 1)[-1]]["zone"] == zone


@pytest.mark.parametrize("entry", ["us-central1-b+us-central1-a", "us-central1-a+us-central1-b"])
def test_a_regional_pair_is_written_zone_a_then_zone_b_whichever_way_it_is_given(entry):
    regs = registered(zones=ZONES, placement=[entry] * 3, diskType="pd-balanced")
    for disk in disks_by_name(regs).values():
        assert disk["replicaZones"] == ["us-central1-a", "us-central1-b"]
    for pv in pvs_by_claim(regs).values():
        assert affinity(pv) == ["us-central1-a", "us-central1-b"]


def test_default_regional_placement_is_sorted_too():
    zones = ["europe-west4-b", "europe-west4-a"]
    regs = registered(zones=zones, regionalDisks=True, replicas=1, storageSlots=1)
    (disk,) = disks_by_name(regs).values()
    assert disk["replicaZones"] == ["europe-west4-a", "europe-west4-b"]


@pytest.mark.parametrize("fs_type", ["xfs", "ext4"])
def test_the_file_system_asked_for_reaches_every_pv(fs_type):
    regs = registered(
        fsType=fs_type, extraClaims=[{"name": "logs", "mountPath": "/var/log/app", "sizeGb": 20}]
    )
    pvs = pvs_by_claim(regs)
    assert len(pvs) == 6
    assert {pv["spec"]["csi"]["fsType"] for pv in pvs.values()} == {fs_type}


def test_pvs_and_claim_templates_agree_on_volume_mode_class_access_and_size():
    regs = registered(
        accessMode="ReadWriteOncePod",
        extraClaims=[{"name": "logs", "mountPath": "/var/log/app", "sizeGb": 20}],
    )
    objects = [r.inputs for r in regs if r.type in (PV, STS)]
    assert pvs_fit_claim_templates(objects) == []
    for pv in pvs_by_claim(regs).values():
        assert pv["spec"]["volumeMode"] == "Filesystem"


def test_the_volume_mode_relation_catches_a_block_pv():
    regs = registered()
    objects = [r.inputs for r in regs if r.type in (PV, STS)]
    pv = next(o for o in objects if o["kind"] == "PersistentVolume")
    pv["spec"]["volumeMode"] = "Block"
    assert any("volume mode" in p for p in pvs_fit_claim_templates(objects))


@pytest.mark.parametrize("start", [0, 5])
def test_each_disk_is_labelled_with_the_slot_whose_claim_its_pv_is_pinned_to(start):
    regs = registered(ordinalsStart=start, slotGenerations=[0, 2, 0])
    disks = disks_by_name(regs)
    for claim, pv in pvs_by_claim(regs).items():
        ordinal = int(claim.rsplit("-", 1)[-1])
        disk = disks[pv["spec"]["csi"]["volumeHandle"].rsplit("/", 1)[-1]]
        assert disk["labels"]["slot"] == str(ordinal)
        assert disk["labels"]["generation"] == ("2" if ordinal == start + 1 else "0")
    assert sorted(int(d["labels"]["slot"]) for d in disks.values()) == [start, start + 1, start + 2]


def test_the_password_never_reaches_the_config_map():
    config_file = "maxmemory 100mb\nmaxmemory-policy allkeys-lru\n"
    raw = {k: v for k, v in VALID.items() if k not in ("name", "image")}
    settings = parse_flat(
        {
            **raw,
            "preset": "redis",
            "replication": True,
            "configFile": config_file,
            "configFilePath": "/etc/r/x.conf",
        },
        f"{PROJECT}:",
    )
    assert settings.security.password_config_line  # the preset writes the password into a file too
    _, regs = run_under_mocks(
        lambda: StatefulApp(settings.name, app_args(settings, password="not-in-the-config-map"))
    )
    (config_map,) = [r for r in regs if r.type == CONFIG_MAP]
    assert config_map.inputs["data"] == {"x.conf": config_file}
    (secret,) = [r for r in regs if r.type == "kubernetes:core/v1:Secret"]
    assert set(secret.inputs["stringData"]) == {"auth.conf", "password", "sentinel.conf"}
