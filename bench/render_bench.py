"""Benchmark: the offline render of the dev stack at 3, 30 and 300 replicas, with the
components and with the same resources declared flat, alternating runs.

    .venv/bin/python bench/render_bench.py [--runs 5] [--sizes 3 30 300]

Each run is a fresh process (imports included), measured for wall time and peak resident
memory. Prints medians, the components' cost over the flat declaration, how render time
grows with replicas, and the deployment's critical path from plan.json: the longest chain
of cloud resources that must be created one after another.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ONE_RUN = r"""
import json, resource, sys, time
start = time.perf_counter()
# The imports every program pays, timed apart: pulumi_gcp and pulumi_kubernetes load their
# resource classes lazily, on first use, so touch the ones both programs use.
import pulumi_gcp as gcp
for name in ("Disk", "RegionDisk", "ResourcePolicy", "DiskResourcePolicyAttachment",
             "RegionDiskResourcePolicyAttachment"):
    getattr(gcp.compute, name)
import components.kubernetes_objects
from components.offline.render import main
imported = time.perf_counter()
cpu_before = resource.getrusage(resource.RUSAGE_SELF)
code = main(sys.argv[1:])
end = time.perf_counter()
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"code": code, "process": end - start, "wall": end - imported,
                  "cpu": (usage.ru_utime + usage.ru_stime)
                         - (cpu_before.ru_utime + cpu_before.ru_stime),
                  "peak_kib": usage.ru_maxrss}))
"""


def flat_program(directory: Path) -> Path:
    """A project directory whose program is bench/flat, with the real project's config."""
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    project["main"] = str(ROOT / "bench" / "flat")
    project["stackConfigDir"] = str(ROOT / "stacks")
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(project))
    return directory


def run_once(program: Path, replicas: int, out: Path) -> dict:
    args = ["--stack", "dev", "--program", str(program), "--out", str(out)]
    args += ["--config", f"replicas={replicas}", "--config", f"storage.storageSlots={replicas}"]
    done = subprocess.run(
        [sys.executable, "-c", ONE_RUN, *args], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode or not done.stdout.strip():
        raise SystemExit(f"render failed ({done.returncode}): {done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["code"] != 0:
        raise SystemExit(f"render failed: {done.stderr}")
    return result


CREATION_EXCLUDED = ("Patch",)  # patches change objects others created; they create nothing
# Kept in the Pulumi state only: the engine makes them at once, no cloud call to wait for.
STATE_ONLY = ("pulumi:index:Stash",)


def critical_path(plan: dict) -> list[str]:
    """The longest dependency chain of custom resources that are created (types, in order)."""
    resources = {
        r["urn"]: r
        for r in plan["resources"]
        if r["custom"]
        and not r["read"]
        and not r["type"].endswith(CREATION_EXCLUDED)
        and r["type"] not in STATE_ONLY
    }
    memo: dict[str, list[str]] = {}

    def longest(urn: str) -> list[str]:
        if urn not in memo:
            before = [longest(d) for d in resources[urn]["dependencies"] if d in resources]
            memo[urn] = [*max(before, key=len, default=[]), urn]
        return memo[urn]

    chain = max((longest(urn) for urn in resources), key=len, default=[])
    return [resources[urn]["type"].split(":")[-1] for urn in chain]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sizes", type=int, nargs="+", default=[3, 30, 300])
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"python {platform.python_version()}, runs per point: {args.runs}"
    )
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        flat = flat_program(Path(scratch))
        for size in args.sizes:
            samples: dict[str, list[dict]] = {"components": [], "flat": []}
            for _ in range(args.runs):  # alternate, so drift hits both alike
                for variant, program in (("components", ROOT), ("flat", flat)):
                    out = Path(scratch) / f"{variant}-{size}"
                    samples[variant].append(run_once(program, size, out))
            plan = json.loads((Path(scratch) / f"components-{size}" / "plan.json").read_text())
            medians = {
                v: {
                    "wall": statistics.median(s["wall"] for s in runs),
                    "process": statistics.median(s["process"] for s in runs),
                    "cpu": statistics.median(s["cpu"] for s in runs),
                    "peak_mib": statistics.median(s["peak_kib"] for s in runs) / 1024,
                }
                for v, runs in samples.items()
            }
            rows.append((size, len(plan["resources"]), medians, critical_path(plan)))
    print(
        "\nrender: the program under the mock engine and both files written, in seconds; "
        "process adds the imports (pulumi_gcp, pulumi_kubernetes)"
    )
    print(
        f"{'replicas':>8} {'resources':>9} {'components':>10} {'flat':>6} {'ratio':>6} "
        f"{'cpu ratio':>9} {'process':>7} {'comp MiB':>8} {'flat MiB':>8} {'ratio':>6}  "
        f"critical path"
    )
    for size, count, m, path in rows:
        c, f = m["components"], m["flat"]
        print(
            f"{size:>8} {count:>9} {c['wall']:>10.2f} {f['wall']:>6.2f} "
            f"{c['wall'] / f['wall']:>6.3f} {c['cpu'] / f['cpu']:>9.3f} "
            f"{c['process']:>7.2f} {c['peak_mib']:>8.1f} "
            f"{f['peak_mib']:>8.1f} {c['peak_mib'] / f['peak_mib']:>6.3f}  {' -> '.join(path)}"
        )
    if len(rows) > 1:
        (s0, _, m0, _), (s1, _, m1, _) = rows[0], rows[-1]
        slope = (m1["components"]["wall"] - m0["components"]["wall"]) / (s1 - s0)
        print(f"\nrender time per replica (components, {s0} to {s1}): {slope * 1000:.1f} ms")
        for (sa, _, ma, _), (sb, _, mb, _) in itertools.pairwise(rows):
            step = (mb["components"]["wall"] - ma["components"]["wall"]) / (sb - sa)
            print(f"  per replica from {sa} to {sb}: {step * 1000:.1f} ms")
        for size, _, m, _ in rows:
            predicted = m0["components"]["wall"] + slope * (size - s0)
            print(
                f"  {size:>4} replicas: measured {m['components']['wall']:.2f} s, "
                f"linear fit {predicted:.2f} s"
            )
    worst = max(m["components"]["wall"] / m["flat"]["wall"] for _, _, m, _ in rows)
    worst_cpu = max(m["components"]["cpu"] / m["flat"]["cpu"] for _, _, m, _ in rows)
    paths = {tuple(path) for *_, path in rows}
    print(
        f"\ntarget: components at most 15% over flat at every size: worst wall ratio "
        f"{worst:.3f}, worst cpu ratio {worst_cpu:.3f} -> "
        f"{'met' if max(worst, worst_cpu) <= 1.15 else 'NOT met'}"
    )
    print(
        f"target: the same critical path at every size: {'met' if len(paths) == 1 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
