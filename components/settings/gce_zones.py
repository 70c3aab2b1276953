"""The GCE zones the package knows, so that a zone that does not exist is refused before a
disk is created there (a disk's zone is fixed for its life).

Source: Compute Engine's "Regions and zones" page (cloud.google.com/compute/docs/regions-zones),
as of CATALOGUE_DATE. A zone newer than the table is allowed by naming it in
`storage.newerZones`; at preview, the program also asks GCE itself for the region's zones
(the provider's `gcp.compute.get_zones`), which the table cannot overrule.
"""

from __future__ import annotations

import difflib

CATALOGUE_DATE = "2026-11"
# Region -> its zones' letters; a, b and c unless the region says otherwise.
_LETTERS = {"europe-west1": "bcd", "us-east1": "bcd", "us-central1": "abcf"}
REGIONS = (
    "africa-south1",
    "asia-east1",
    "asia-east2",
    "asia-northeast1",
    "asia-northeast2",
    "asia-northeast3",
    "asia-south1",
    "asia-south2",
    "asia-southeast1",
    "asia-southeast2",
    "australia-southeast1",
    "australia-southeast2",
    "europe-central2",
    "europe-north1",
    "europe-north2",
    "europe-southwest1",
    "europe-west1",
    "europe-west10",
    "europe-west12",
    "europe-west2",
    "europe-west3",
    "europe-west4",
    "europe-west6",
    "europe-west8",
    "europe-west9",
    "me-central1",
    "me-central2",
    "me-west1",
    "northamerica-northeast1",
    "northamerica-northeast2",
    "northamerica-south1",
    "southamerica-east1",
    "southamerica-west1",
    "us-central1",
    "us-east1",
    "us-east4",
    "us-east5",
    "us-south1",
    "us-west1",
    "us-west2",
    "us-west3",
    "us-west4",
)
ZONES: frozenset[str] = frozenset(
    f"{region}-{letter}" for region in REGIONS for letter in _LETTERS.get(region, "abc")
)


def zones_of(region: str) -> list[str]:
    """The catalogue's zones of `region` (empty for a region it does not know)."""
    return sorted(zone for zone in ZONES if zone.rpartition("-")[0] == region)


def unknown_zone_problem(zone: str) -> str:
    """Why `zone` is refused, with the nearest zones the catalogue knows."""
    region = zone.rpartition("-")[0]
    if region in REGIONS:
        known = f"{region} has {', '.join(zones_of(region))}"
    else:
        near = difflib.get_close_matches(region, REGIONS, n=2, cutoff=0.75)
        known = f"there is no region {region}" + (
            f" (the nearest: {' or '.join(near)})" if near else ""
        )
    return (
        f"{zone!r} is not a GCE zone in the package's catalogue (as of {CATALOGUE_DATE}): "
        f"{known}. A zone newer than the catalogue can be allowed in storage.newerZones"
    )
