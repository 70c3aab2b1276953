"""Zones that exist: the package's catalogue offline (with an explicit way past it), and GCE's
own list at preview, which stops the update before any disk is created."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.app import StatefulApp
from components.offline.mock_engine import OfflineMocks, start_mock_engine
from components.offline.render import main
from components.settings import gce_zones
from components.settings.validation import SettingsError
from tests.helpers import (
    PROJECT,
    ROOT,
    VALID,
    app_args,
    by_type,
    make_settings,
    parse_flat,
    run_under_mocks,
)


def parse(**overrides):
    return parse_flat({**VALID, **overrides}, f"{PROJECT}:")


def test_the_catalogue_is_dated_and_shaped_like_gce_zones():
    assert gce_zones.CATALOGUE_DATE
    assert len(gce_zones.REGIONS) == len(set(gce_zones.REGIONS)) >= 40
    for zone in gce_zones.ZONES:
        region, _, letter = zone.rpartition("-")
        assert region in gce_zones.REGIONS and len(letter) == 1
    # The regions whose zones are not a, b and c.
    assert gce_zones.zones_of("europe-west1") == [f"europe-west1-{x}" for x in "bcd"]
    assert gce_zones.zones_of("us-central1") == [f"us-central1-{x}" for x in "abcf"]


@given(st.sampled_from(sorted(gce_zones.ZONES)))
def test_every_catalogued_zone_is_accepted(zone):
    parse(zones=[zone])


@given(
    st.sampled_from(gce_zones.REGIONS),
    st.sampled_from("abcdefgh"),
)
def test_a_zone_the_catalogue_lacks_is_refused_unless_declared_newer(region, letter):
    zone = f"{region}-{letter}"
    if zone in gce_zones.ZONES:
        return
    with pytest.raises(SettingsError) as caught:
        parse(zones=[zone])
    (problem,) = caught.value.problems
    assert problem.startswith(f"{PROJECT}:storage.zones: {zone!r} is not a GCE zone")
    assert ", ".join(gce_zones.zones_of(region)) in problem
    assert "storage.newerZones" in problem
    parse(zones=[zone], newerZones=[zone])


@pytest.mark.parametrize(
    ("zone", "said"),
    [
        (
            "europe-wst1-b",
            "there is no region europe-wst1 (the nearest: europe-west1 or europe-west12).",
        ),
        ("mars-north9-q", "there is no region mars-north9. A zone newer"),
    ],
)
def test_an_unknown_region_names_at_most_two_nearest(zone, said):
    assert said in gce_zones.unknown_zone_problem(zone)


def test_at_preview_gce_has_the_last_word(monkeypatch):
    """GCE lists fewer zones than the catalogue (a zone closed, a project without access):
    the update stops naming them, and no disk or PV is registered."""
    original = OfflineMocks.call

    def gce(self, args):
        result, failures = original(self, args)
        if "names" in result:
            result = {**result, "names": ["europe-west1-c", "europe-west1-d"]}
        return result, failures

    monkeypatch.setattr(OfflineMocks, "call", gce)
    settings = make_settings()
    monitor = start_mock_engine(PROJECT, "test", {})
    with pytest.raises(
        Exception, match=r"storage\.zones: GCE has no zone europe-west1-b"
    ) as caught:
        _sync_await(run_pulumi_func(lambda: StatefulApp("kubia", app_args(settings))))
    assert "it lists europe-west1-c, europe-west1-d" in str(caught.value)
    types = {r.type for r in monitor.registrations}
    assert "gcp:compute/disk:Disk" not in types
    assert "kubernetes:core/v1:PersistentVolume" not in types


def test_when_gce_lists_the_zone_the_disks_are_registered():
    _, regs = run_under_mocks(lambda: StatefulApp("kubia", app_args(make_settings())))
    assert by_type(regs, "gcp:compute/disk:Disk")


def test_a_newer_zone_renders_offline(tmp_path):
    args = ["--stack", "dev", "--out", str(tmp_path), "--program", str(ROOT)]
    args += ["--config", 'storage.zones=["europe-west1-a"]']
    args += ["--config", 'storage.newerZones=["europe-west1-a"]']
    assert main(args) == 0
    assert "europe-west1-a" in (tmp_path / "manifests.yaml").read_text()
