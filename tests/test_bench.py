"""The benchmark's own logic: a fair baseline and the critical path (no timing here)."""

import importlib.util
import json
import subprocess
import sys
from collections import Counter

import pytest

from components.offline.render import main
from tests.helpers import ROOT

spec = importlib.util.spec_from_file_location("render_bench", ROOT / "bench" / "render_bench.py")
render_bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(render_bench)


def rendered(program, out, replicas, stack="dev"):
    args = ["--stack", stack, "--out", str(out), "--program", str(program)]
    args += ["--config", f"replicas={replicas}", "--config", f"storage.storageSlots={replicas}"]
    assert main(args) == 0
    return json.loads((out / "plan.json").read_text())


@pytest.mark.parametrize("replicas", [3, 30])
def test_the_critical_path_is_disk_then_pv_then_statefulset(replicas, tmp_path):
    plan = rendered(ROOT, tmp_path, replicas)
    assert render_bench.critical_path(plan) == ["Disk", "PersistentVolume", "StatefulSet"]


def test_the_critical_path_follows_dependencies():
    plan = {
        "resources": [
            {"urn": "a", "type": "x:y:Disk", "custom": True, "read": False, "dependencies": []},
            {"urn": "b", "type": "x:y:PV", "custom": True, "read": False, "dependencies": ["a"]},
            {"urn": "c", "type": "x:y:Other", "custom": True, "read": False, "dependencies": []},
            {
                "urn": "d",
                "type": "x:y:Sts",
                "custom": True,
                "read": False,
                "dependencies": ["b", "c"],
            },
            {
                "urn": "e",
                "type": "x:y:PvcPatch",
                "custom": True,
                "read": False,
                "dependencies": ["d"],
            },
        ]
    }
    assert render_bench.critical_path(plan) == ["Disk", "PV", "Sts"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_flat_baseline_registers_the_same_cloud_resources(stack, tmp_path):
    flat = render_bench.flat_program(tmp_path)
    components = rendered(ROOT, tmp_path / "c", 3, stack)
    baseline = rendered(flat, tmp_path / "f", 3, stack)

    def custom(plan):
        return Counter(r["type"] for r in plan["resources"] if r["custom"])

    def inputs(plan):
        return sorted(
            json.dumps(r["inputs"], sort_keys=True) for r in plan["resources"] if r["custom"]
        )

    assert custom(components) == custom(baseline)
    assert inputs(components) == inputs(baseline)
    assert not any(r["type"].startswith("gke-stateful:") for r in baseline["resources"])


@pytest.mark.integration  # a dozen fresh processes
def test_the_fast_render_benchmark_runs_and_checks_both_renders_agree():
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "fast_render_bench.py"),
            "--runs",
            "1",
            "--sizes",
            "3",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "the whole fast render" in result.stdout
    (row,) = [line for line in result.stdout.splitlines() if line.split()[:1] == ["3"]]
    assert row.split()[3] == "0.13s"  # the cdk8s figure it is compared with
