"""docs/changes.md, checked: every setting (by its path in the stack file) changed on every
stack, with the verdict `render --previous` gives against the stack as deployed."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from components.offline.render import EXIT_INVALID, EXIT_REFUSED, main
from components.settings.arg_paths import GROUPS, PATHS
from tests.helpers import ROOT, STACKS

# The integration tier (every documented change rendered against every stack (transitions)).
pytestmark = pytest.mark.integration

TABLE = ROOT / "docs" / "changes.md"
VERDICTS = {"keeps", "resynced", "adds", "new disk", "refused", "invalid", "removes"}
# The second table's columns: a stack deployed with these settings, then changed.
VARIANTS = {
    "dev, ordinals from 1": ("dev", ("rollout.ordinalsStart=1",)),
    "prod without replication, ordinals from 1": (
        "prod",
        ("rollout.ordinalsStart=1", "redis.replication=false"),
    ),
    "staging, replication": ("staging", ("redis.replication=true",)),
    "prod": ("prod", ()),
    "prod, ordinals from 1": ("prod", ("rollout.ordinalsStart=1",)),
}


def rows() -> list[tuple[str, str, tuple[str, ...], dict[str, str]]]:
    """(key, value, other changes made with it, {stack: verdict}) per row of the table; a
    change cell may add `key=value` changes after the first value (`[1]` with `a.b=[0]`)."""
    result = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or not cells[0].startswith("`"):
            continue
        key, (value, *also) = cells[0].strip("`"), re.findall(r"`([^`]*)`", cells[1])
        verdicts = {s: v for s, v in zip(STACKS, cells[2:5], strict=True) if v != "·"}
        result.append((key, value, tuple(also), verdicts))
    return result


def variant_rows() -> list[tuple[str, str, tuple[str, ...], dict[str, str]]]:
    """The same as `rows`, from the table whose columns are the VARIANTS."""
    result, columns = [], None
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[:2] == ["key", "change"] and cells[2:-1] == list(VARIANTS):
            columns = cells[2:-1]
            continue
        if columns is None or not line.startswith("|") or not cells[0].startswith("`"):
            columns = None if not line.startswith("|") else columns
            continue
        key, (value, *also) = cells[0].strip("`"), re.findall(r"`([^`]*)`", cells[1])
        verdicts = {c: v for c, v in zip(columns, cells[2:-1], strict=True) if v != "·"}
        result.append((key, value, tuple(also), verdicts))
    return result


ROWS = rows()
VARIANT_ROWS = variant_rows()
VARIANT_CASES = [
    (key, value, also, column, verdict)
    for key, value, also, v in VARIANT_ROWS
    for column, verdict in v.items()
]
CASES = [
    (key, value, also, stack, verdict)
    for key, value, also, v in ROWS
    for stack, verdict in v.items()
]


def test_every_key_is_tried_on_every_stack_with_a_known_verdict():
    keys = {*yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"], *PATHS.values()}
    keys -= set(GROUPS)  # a group is tried through each of its settings
    tried = {(key, stack) for key, _, _, stack, _ in CASES}
    assert {(key, stack) for key in keys for stack in STACKS} <= tried
    assert {verdict for *_, verdict in CASES} <= VERDICTS


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """Each stack's plan as deployed, rendered once."""
    plans = {}
    for stack in STACKS:
        out = tmp_path_factory.mktemp(stack)
        assert main(["--stack", stack, "--out", str(out), "--program", str(ROOT)]) == 0
        plans[stack] = out / "plan.json"
    return plans


def verdict_of(code: int, out, before) -> str:
    if code == EXIT_INVALID:
        return "invalid"
    if code == EXIT_REFUSED:
        return "refused"
    assert code == 0
    claims = {
        f"{r['inputs']['spec']['claimRef']['namespace']}/{r['inputs']['spec']['claimRef']['name']}"
        for r in json.loads(before.read_text())["resources"]
        if r["type"] == "kubernetes:core/v1:PersistentVolume"
    }
    slots = json.loads((out / "plan.json").read_text())["changes"]["slots"]
    added = any(s["pvc"] not in claims for s in slots)
    removed = any(s["verdict"].startswith("slot removed") for s in slots)
    if any(s["pvc"] in claims and re.match("new|adopts", s["verdict"]) for s in slots):
        return "new disk"
    if added and removed:
        return "new disk"  # the claims themselves move: new names, new disks
    if added:
        return "adds"
    if removed:
        return "removes"
    if any(s["verdict"].endswith("contents replaced") for s in slots):
        return "resynced"
    return "keeps"


@pytest.mark.parametrize(
    ("key", "value", "also", "stack", "expected"),
    CASES,
    ids=[
        f"{key}={value[:24]}{'+' if also else ''}-{stack}" for key, value, also, stack, _ in CASES
    ],
)
def test_the_table_says_what_the_change_does(deployed, tmp_path, key, value, also, stack, expected):
    args = ["--stack", stack, "--out", str(tmp_path), "--program", str(ROOT)]
    args += [x for change in (f"{key}={value}", *also) for x in ("--config", change)]
    code = main([*args, "--previous", str(deployed[stack])])
    assert verdict_of(code, tmp_path, deployed[stack]) == expected


def test_the_variants_table_tries_every_class_on_every_variant():
    assert len(VARIANT_ROWS) >= 10
    for key, _, _, verdicts in VARIANT_ROWS:
        assert set(verdicts) == set(VARIANTS), key
    assert {verdict for *_, verdict in VARIANT_CASES} <= VERDICTS


@pytest.fixture(scope="module")
def deployed_variants(tmp_path_factory):
    """Each variant's plan as deployed, rendered once."""
    plans = {}
    for column, (stack, config) in VARIANTS.items():
        out = tmp_path_factory.mktemp(stack)
        args = ["--stack", stack, "--out", str(out), "--program", str(ROOT)]
        assert main([*args, *[x for c in config for x in ("--config", c)]]) == 0
        plans[column] = out / "plan.json"
    return plans


@pytest.mark.parametrize(
    ("key", "value", "also", "column", "expected"),
    VARIANT_CASES,
    ids=[
        f"{key}={value[:24]}{'+' if also else ''}-{c}" for key, value, also, c, _ in VARIANT_CASES
    ],
)
def test_the_variants_table_says_what_the_change_does(
    deployed_variants, tmp_path, key, value, also, column, expected
):
    stack, config = VARIANTS[column]
    args = ["--stack", stack, "--out", str(tmp_path), "--program", str(ROOT)]
    changes = (*config, f"{key}={value}", *also)
    args += [x for change in changes for x in ("--config", change)]
    code = main([*args, "--previous", str(deployed_variants[column])])
    assert verdict_of(code, tmp_path, deployed_variants[column]) == expected
