"""Upgrading this package is a transition too: no disk, PV or claim of the three stacks may be
replaced or deleted by the working tree, compared with each earlier release's plans, unless
CHANGELOG.md names the migration."""

from __future__ import annotations

import json
import re
import shutil

import pytest
import yaml

from components.offline.render import main
from components.settings.arg_paths import PATHS
from tests.helpers import ROOT, STACKS

# The integration tier (upgrades from every release).
pytestmark = pytest.mark.integration

GOLDEN = ROOT / "tests" / "golden"
DATA_TYPES = (
    "gcp:compute/disk:Disk",
    "gcp:compute/regionDisk:RegionDisk",
    "kubernetes:core/v1:PersistentVolume",
)
RELEASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())
# Resource types each release's stacks did not have yet.
NEW_SINCE = {
    "v0.1.0": {
        "pulumi:index:Stash",
        "random:index/randomBytes:RandomBytes",
        # staging turned redis.metrics on, a setting 0.1.0 did not have.
        "kubernetes:monitoring.googleapis.com/v1:PodMonitoring",
    }
}
# Settings today's stack files set that 0.1.0 did not have, given back their default to
# compare a migrated 0.1.0 file with today's.
SET_SINCE_V0_1_0 = {"staging": ["redis.metrics=false"], "prod": ["redis.replication=false"]}


def named_migrations() -> set[str]:
    """Resource names listed under every '### Migrations' heading of the changelog."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    names: set[str] = set()
    for section in re.findall(r"### Migrations\n((?:- .*\n?)+)", text):
        names |= {line[2:].strip().strip("`") for line in section.splitlines()}
    return names - {"none"}


def test_every_release_is_kept_for_every_stack():
    assert RELEASES, "no golden plans"
    for release in RELEASES:
        assert sorted(p.name for p in (GOLDEN / release).iterdir()) == sorted(STACKS)


@pytest.mark.parametrize("release", RELEASES)
@pytest.mark.parametrize("stack", STACKS)
def test_the_working_tree_keeps_every_disk_pv_and_claim(tmp_path, release, stack):
    previous = GOLDEN / release / stack / "plan.json"
    args = ["--stack", stack, "--out", str(tmp_path), "--program", str(ROOT)]
    # The upgrade itself: settings the stack files took up since are given back their value.
    args += [f"--config={item}" for item in SET_SINCE_V0_1_0.get(stack, [])]
    assert main([*args, "--previous", str(previous)]) == 0
    changes = json.loads((tmp_path / "plan.json").read_text())["changes"]
    allowed = named_migrations()
    for change in changes["resources"]:
        name = change["urn"].rsplit("::", 1)[-1]
        if change["type"] in DATA_TYPES and name not in allowed:
            assert change["action"] in ("update",), (release, stack, change)
    assert {s["verdict"] for s in changes["slots"]} == {"keeps its disk"}
    # Every URN of the release is kept (directly or through an alias): nothing it had is
    # deleted, dropped or created anew; only what this version adds is created.
    gone = [c for c in changes["resources"] if c["action"] in ("delete", "retain", "forget")]
    assert gone == []
    created = {c["type"] for c in changes["resources"] if c["action"] == "create"}
    assert created <= NEW_SINCE[release], created
    before = json.loads(previous.read_text())["resources"]
    claims = sum(r["type"] == "kubernetes:core/v1:PersistentVolume" for r in before)
    assert len(changes["slots"]) == claims  # every claim of the release is accounted for


@pytest.mark.parametrize("stack", STACKS)
def test_a_stack_file_of_v0_1_0_is_refused_with_its_grouped_form(tmp_path, stack, capsys):
    """The release's own stack file, in its flat form: refused (exit 2, nothing written) with
    the block to write instead; that block, pasted in, gives the same plan as today's file."""
    old = yaml.safe_load((GOLDEN / "v0.1.0" / stack / f"Pulumi.{stack}.yaml").read_text())
    program = tmp_path / "program"
    (program / "stacks").mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", program)
    shutil.copy(ROOT / "__main__.py", program)
    stack_file = program / "stacks" / f"Pulumi.{stack}.yaml"
    stack_file.write_text(yaml.safe_dump(old))
    args = ["--stack", stack, "--out", str(tmp_path / "out"), "--program", str(program)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "settings of an earlier version, now grouped by concern" in err
    assert not (tmp_path / "out").exists()
    # The block after the message, as the user would paste it over the flat keys.
    block = yaml.safe_load(err[err.index("\nconfig:\n") :].split("\n  - ")[0])["config"]
    flat = {k for k in old["config"] if k.removeprefix("gke-stateful:") in PATHS}
    kept = {k: v for k, v in old["config"].items() if k not in flat or "." not in path(k)}
    stack_file.write_text(yaml.safe_dump({"config": {**kept, **block}}))
    assert main([*args[:3], str(tmp_path / "migrated"), *args[4:]]) == 0
    reverted = [f"--config={item}" for item in SET_SINCE_V0_1_0.get(stack, [])]
    assert main(["--stack", stack, "--out", str(tmp_path / "today"), *reverted]) == 0
    migrated = json.loads((tmp_path / "migrated" / "plan.json").read_text())
    today = json.loads((tmp_path / "today" / "plan.json").read_text())
    assert migrated == today


def path(key: str) -> str:
    return PATHS[key.removeprefix("gke-stateful:")]


@pytest.mark.parametrize(
    ("change", "key", "field", "deployed", "configured"),
    [
        ("storage.diskType=pd-ssd", "storage.diskType", "type", '"pd-standard"', '"pd-ssd"'),
        (
            "namespace=other",
            "name, namespace, volumeScope",
            "name",
            '"kubia-dev-kubia-dev-kubia-data-ed3ea1-0"',
            '"kubia-dev-other-kubia-data-6cb292-0"',
        ),
        (
            "gcpProject=acme-elsewhere",
            "gcpProject",
            "project",
            '"acme-stateful-dev"',
            '"acme-elsewhere"',
        ),
        (
            'storage.zones=["europe-west1-c"]',
            "storage.zones",
            "zone",
            '"europe-west1-b"',
            '"europe-west1-c"',
        ),
    ],
)
def test_an_upgrade_with_a_replace_forcing_change_is_refused_by_the_program(
    tmp_path, capsys, change, key, field, deployed, configured
):
    """The first update after 0.1.0 has no slot records, yet the program itself refuses a
    change that would replace a slot's disk: the disk keeps its deployed value of every such
    field (ignoreChanges), the engine hands the program the deployed disk, and the program
    compares it with the config before any PV or claim registers (exit 3, nothing written)."""
    previous = GOLDEN / "v0.1.0" / "dev" / "plan.json"
    args = ["--stack", "dev", "--out", str(tmp_path), "--program", str(ROOT)]
    assert main([*args, "--config", change, "--previous", str(previous)]) == 3
    err = capsys.readouterr().err
    assert f"  - {key}" in err
    assert f"deployed with {field} {deployed}; the config now gives {configured}" in err
    assert not (tmp_path / "plan.json").exists() and not (tmp_path / "manifests.yaml").exists()


def test_an_upgrade_that_renames_the_app_is_refused_by_the_preview(tmp_path):
    """A new `name` in the same update moves every resource to new URNs (the legacy alias is
    the config's name), so the program cannot see the old disk: the predictor refuses the
    replacement of the slot's disk, as a real preview's gate does."""
    previous = GOLDEN / "v0.1.0" / "dev" / "plan.json"
    args = ["--stack", "dev", "--out", str(tmp_path), "--program", str(ROOT)]
    assert main([*args, "--config", "name=other", "--previous", str(previous)]) == 3
    changes = json.loads((tmp_path / "plan.json").read_text())["changes"]
    before = json.loads(previous.read_text())["resources"]
    claims = {
        f"{r['inputs']['spec']['claimRef']['namespace']}/{r['inputs']['spec']['claimRef']['name']}"
        for r in before
        if r["type"] == "kubernetes:core/v1:PersistentVolume"
    }
    verdicts = {s["pvc"]: s["verdict"] for s in changes["slots"]}
    assert claims and {verdicts[claim] for claim in claims} == {"refused"}


SHIFTED = ROOT / "tests" / "fixtures" / "upgrade" / "v0.1.0-ordinals-start-1" / "staging"


def test_shifted_ordinals_cannot_move_by_alias_and_say_how_to_keep_their_names(tmp_path, capsys):
    """Slot 0's old name (ordinal 1) is slot 1's name today: the engine refuses to let an
    alias take a URN another resource has (step_generator.go, getOldResource), so the update
    stops before anything is created or deleted, and the predictor says so."""
    args = ["--stack", "staging", "--out", str(tmp_path), "--program", str(ROOT)]
    overrides = ["--config", "rollout.ordinalsStart=1", "--config", "redis.metrics=false"]
    code = main([*args, *overrides, "--previous", str(SHIFTED / "plan.json")])
    assert code == 3
    out = capsys.readouterr().out
    assert "the engine stops the update" in out and "storage.legacyVolumeNames: true" in out


def test_shifted_ordinals_upgrade_with_their_v0_1_0_names_kept(tmp_path):
    args = ["--stack", "staging", "--out", str(tmp_path), "--program", str(ROOT)]
    overrides = ["--config", "rollout.ordinalsStart=1", "--config", "redis.metrics=false"]
    overrides += ["--config", "storage.legacyVolumeNames=true"]
    assert main([*args, *overrides, "--previous", str(SHIFTED / "plan.json")]) == 0
    changes = json.loads((tmp_path / "plan.json").read_text())["changes"]
    assert [s["verdict"] for s in changes["slots"]] == ["keeps its disk"] * 2
    gone = [c for c in changes["resources"] if c["action"] in ("delete", "retain", "forget")]
    assert gone == []
    created = {c["type"] for c in changes["resources"] if c["action"] == "create"}
    assert created <= NEW_SINCE["v0.1.0"] - {
        "kubernetes:monitoring.googleapis.com/v1:PodMonitoring"
    }
    for change in changes["resources"]:
        if change["type"] in DATA_TYPES:
            assert change["action"] in ("update",), change


def test_prod_turning_replication_on_says_the_replicas_data_is_replaced(tmp_path):
    # The prod stack file now runs replication: against its v0.1.0 plan (independent
    # servers), the first ordinal keeps its data and the others take a copy of it.
    previous = GOLDEN / "v0.1.0" / "prod" / "plan.json"
    args = ["--stack", "prod", "--out", str(tmp_path), "--program", str(ROOT)]
    assert main([*args, "--previous", str(previous)]) == 0
    slots = json.loads((tmp_path / "plan.json").read_text())["changes"]["slots"]
    assert {s["pvc"].split("/")[-1]: s["verdict"] for s in slots} == {
        "redis-data-redis-0": "keeps its disk",
        "redis-data-redis-1": "keeps its disk, contents replaced",
        "redis-data-redis-2": "keeps its disk, contents replaced",
    }
